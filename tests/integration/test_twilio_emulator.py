"""The real twilio SDK (async client) against the emulator, and the emulator's signed callbacks.

The voice tests drive calls through a stub gateway that verifies every signature itself.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from twilio_emulator import TwilioEmulator

from channels.twilio_http import build_client
from channels.twilio_signature import SIGNATURE_HEADER, is_valid_signature

PUBLIC_BASE = "https://parley.example.com"
TO = "+15005550006"
FROM = "+15005550001"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def sdk(emulator: TwilioEmulator, session: aiohttp.ClientSession, sid: str, token: str) -> Client:
    """The SDK client the gateway builds, pointed at the emulator."""
    return build_client(session, sid, token, base_url=emulator.base_url, timeout=10)


@pytest.fixture
def client(emulator: TwilioEmulator, session: aiohttp.ClientSession) -> Client:
    return sdk(emulator, session, emulator.account_sid, emulator.auth_token)


async def test_create_fetch_and_list(emulator: TwilioEmulator, client: Client) -> None:
    created = await client.messages.create_async(
        to=TO, from_=FROM, body="Hello", status_callback=f"{PUBLIC_BASE}/webhooks/twilio/status"
    )
    assert re.fullmatch(r"SM[0-9a-f]{32}", created.sid)
    assert created.status == "queued"
    assert (created.to, created.from_, created.body) == (TO, FROM, "Hello")
    assert created.account_sid == emulator.account_sid
    assert created.date_created is not None  # the SDK parsed Twilio's RFC 2822 timestamp

    (sent,) = emulator.create_requests()
    assert sent.authorized
    assert sent.form == {
        "To": [TO],
        "From": [FROM],
        "Body": ["Hello"],
        "StatusCallback": [f"{PUBLIC_BASE}/webhooks/twilio/status"],
    }
    assert sent.headers["User-Agent"].startswith("twilio-python/")

    fetched = await client.messages(created.sid).fetch_async()
    assert (fetched.sid, fetched.status, fetched.body) == (created.sid, "queued", "Hello")

    via_service = await client.messages.create_async(
        to=TO, messaging_service_sid="MG" + "1" * 32, body="Second"
    )
    assert via_service.status == "accepted"
    listed = await client.messages.list_async(page_size=1)
    assert [m.sid for m in listed] == [via_service.sid, created.sid]  # newest first, two pages
    only_first = await client.messages.list_async(from_=FROM)
    assert [m.sid for m in only_first] == [created.sid]


async def test_fetch_unknown_message_is_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages("SM" + "f" * 32).fetch_async()
    assert (caught.value.status, caught.value.code) == (404, 20404)


async def test_opted_out_recipient_surfaces_21610(emulator: TwilioEmulator, client: Client) -> None:
    emulator.fail_next(1, status=400, code=21610)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=TO, from_=FROM, body="Hi")
    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert caught.value.msg.endswith(": Attempt to send to unsubscribed recipient")
    assert not emulator.messages  # nothing was created
    # Only the next request failed.
    assert (await client.messages.create_async(to=TO, from_=FROM, body="Hi")).status == "queued"


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500)])
async def test_throttling_and_server_errors(
    emulator: TwilioEmulator, client: Client, status: int, code: int
) -> None:
    emulator.fail_next(2, status=status)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=TO, from_=FROM, body="Hi")
        assert (caught.value.status, caught.value.code) == (status, code)
    assert (await client.messages.create_async(to=TO, from_=FROM, body="Hi")).status == "queued"


async def test_missing_fields_get_twilio_codes(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=TO, body="no sender")
    assert caught.value.code == 21603


async def test_bad_credentials_are_401(
    emulator: TwilioEmulator, session: aiohttp.ClientSession
) -> None:
    wrong = sdk(emulator, session, emulator.account_sid, "wrong-token")
    with pytest.raises(TwilioRestException) as caught:
        await wrong.messages.create_async(to=TO, from_=FROM, body="Hi")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    other_account = sdk(emulator, session, "AC" + "9" * 32, emulator.auth_token)
    # Listing goes through Page, which raises the base TwilioException, not TwilioRestException.
    with pytest.raises(TwilioException, match="HTTP 401") as listing:
        await other_account.messages.list_async()
    assert not isinstance(listing.value, TwilioRestException)
    assert not emulator.messages
    assert [r.authorized for r in emulator.requests] == [False, False]


async def test_status_callback_is_signed_over_the_public_url(
    emulator: TwilioEmulator, client: Client
) -> None:
    received: list[tuple[dict[str, str], str]] = []

    async def status(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        received.append((form, request.headers.get(SIGNATURE_HEADER, "")))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/webhooks/twilio/status", status)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        public_url = f"{PUBLIC_BASE}/webhooks/twilio/status"
        created = await client.messages.create_async(
            to=TO, from_=FROM, body="Hi", status_callback=public_url
        )
        local_url = f"http://127.0.0.1:{port}/webhooks/twilio/status"
        sent = await emulator.send_status_callback(
            created.sid, "undelivered", url=local_url, public_url=public_url, error_code=30003
        )
        assert sent.status == 204
    finally:
        await runner.cleanup()

    ((form, signature),) = received
    assert form["MessageSid"] == created.sid
    assert (form["MessageStatus"], form["ErrorCode"]) == ("undelivered", "30003")
    token = emulator.auth_token
    assert is_valid_signature(token, public_url, form, signature)
    # The signature binds the public URL, every field and the token.
    assert not is_valid_signature(token, local_url, form, signature)
    assert not is_valid_signature(
        token, public_url, {**form, "MessageStatus": "delivered"}, signature
    )
    assert not is_valid_signature("other-token", public_url, form, signature)
    # The fetched resource reflects the callback's status.
    fetched = await client.messages(created.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


async def test_inbound_sms_webhook_is_signed(emulator: TwilioEmulator) -> None:
    received: list[tuple[dict[str, str], str]] = []

    async def sms(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        received.append((form, request.headers.get(SIGNATURE_HEADER, "")))
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/webhooks/twilio/sms", sms)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks/twilio/sms"
        public_url = f"{PUBLIC_BASE}/webhooks/twilio/sms"
        sent = await emulator.send_inbound_sms(
            url, from_=TO, to=FROM, body="STOP ✋", public_url=public_url
        )
    finally:
        await runner.cleanup()
    assert (sent.status, sent.body) == (200, "<Response/>")
    ((form, signature),) = received
    assert form["Body"] == "STOP ✋"
    assert form["MessageSid"] == sent.params["MessageSid"]
    assert is_valid_signature(emulator.auth_token, public_url, form, signature)


# -- Voice -----------------------------------------------------------------------------------------

DEBTOR = "+14155550123"
PARLEY = "+15005550006"


@dataclass(frozen=True)
class Hit:
    """One request the stub gateway received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    valid: bool


class VoiceGateway:
    """A tiny stand-in for Parley's voice webhooks.

    Every request is checked with the gateway's own signature verifier over the *public* URL
    (``PUBLIC_BASE`` + the path and query it was requested with), like the real gateway does
    behind a proxy; a bad signature gets a 403, so every step also asserts the signing.
    """

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        self.hits: list[Hit] = []
        self.local_base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        for path, handler in {
            "/voice/inbound": self.inbound,
            "/voice/menu": self.menu,
            "/voice/account": self.account,
            "/voice/get-menu": self.get_menu,
            "/voice/recorded": self.recorded,
            "/voice/outbound": self.outbound,
            "/voice/broken": self.broken,
        }.items():
            app.router.add_route("*", path, handler)
        for path in ("/voice/status", "/voice/recording-status", "/voice/amd"):
            app.router.add_post(path, self.ack)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.local_base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def to(self, path: str) -> list[Hit]:
        """The requests received on ``path``, oldest first."""
        return [hit for hit in self.hits if hit.path == path]

    async def _check(self, request: web.Request) -> Hit:
        form = {k: str(v) for k, v in (await request.post()).items()}
        # A GET is signed over the URL (query included) alone.
        params = form if request.method == "POST" else {}
        signature = request.headers.get(SIGNATURE_HEADER, "")
        public_url = PUBLIC_BASE + request.path_qs
        valid = is_valid_signature(self.auth_token, public_url, params, signature)
        hit = Hit(request.method, request.path, dict(request.query), form, valid)
        self.hits.append(hit)
        if not valid:
            raise web.HTTPForbidden()
        return hit

    @staticmethod
    def twiml(response: VoiceResponse) -> web.Response:
        return web.Response(text=str(response), content_type="text/xml")

    async def inbound(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        response = VoiceResponse()
        if hit.query.get("retry"):
            response.say("Goodbye.")
            response.hangup()
            return self.twiml(response)
        # A relative action: Twilio resolves it against this document's (public) URL.
        gather = response.gather(action="menu", num_digits=1, input="dtmf speech", timeout=5)
        gather.say("Press 1 to pay, 2 to leave a message.")
        response.say("We did not hear you.")
        response.redirect("/voice/inbound?retry=1")
        return self.twiml(response)

    async def menu(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        fields = hit.form or hit.query
        response = VoiceResponse()
        if fields.get("Digits") == "1":
            response.say("Thank you, taking you to payment.")
            response.hangup()
        elif fields.get("Digits") == "2":
            response.say("Leave a message after the beep.")
            response.record(
                action="/voice/recorded",
                recording_status_callback="recording-status",
                max_length=60,
            )
        elif "pay" in fields.get("SpeechResult", ""):
            response.say(f"You said: {fields['SpeechResult']}")
            response.hangup()
        else:
            response.redirect("/voice/inbound")
        return self.twiml(response)

    async def account(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        gather = response.gather(action="/voice/menu", finish_on_key="#")
        gather.say("Enter your account number, then press pound.")
        return self.twiml(response)

    async def get_menu(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        response.gather(action="/voice/menu?via=get", method="GET", num_digits=1)
        return self.twiml(response)

    async def recorded(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        response.say("Your message was saved.")
        response.hangup()
        return self.twiml(response)

    async def outbound(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        response = VoiceResponse()
        if hit.form.get("AnsweredBy", "").startswith("machine"):
            response.say("This is a message for you from Parley. Please call us back.")
            response.hangup()
        else:
            gather = response.gather(action="/voice/menu", num_digits=1)
            gather.say("This is Parley calling about your account. Press 1 to pay.")
        return self.twiml(response)

    async def broken(self, request: web.Request) -> web.Response:
        await self._check(request)
        return web.Response(status=500, text="boom")

    async def ack(self, request: web.Request) -> web.Response:
        await self._check(request)
        return web.Response(status=204)


@pytest.fixture
async def gateway(emulator: TwilioEmulator) -> AsyncIterator[VoiceGateway]:
    gw = VoiceGateway(emulator.auth_token)
    await gw.start()
    emulator.route_public(PUBLIC_BASE, gw.local_base)
    yield gw
    await gw.stop()


async def test_call_create_fetch_list_and_cancel(emulator: TwilioEmulator, client: Client) -> None:
    created = await client.calls.create_async(
        to=DEBTOR,
        from_=PARLEY,
        url=f"{PUBLIC_BASE}/voice/outbound",
        status_callback=f"{PUBLIC_BASE}/voice/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        machine_detection="Enable",
    )
    assert re.fullmatch(r"CA[0-9a-f]{32}", created.sid)
    assert (created.status, created.direction) == ("queued", "outbound-api")
    # twilio 9.13's CallInstance names it _from (MessageInstance says from_).
    assert (created.to, created._from, created.to_formatted) == (DEBTOR, PARLEY, "(415) 555-0123")
    assert created.answered_by is None and created.duration is None
    assert created.date_created is not None  # RFC 2822, parsed by the SDK
    assert created.subresource_uris is not None
    assert str(created.subresource_uris["recordings"]).endswith(f"/{created.sid}/Recordings.json")

    (sent,) = emulator.call_requests()
    assert sent.authorized and sent.path.endswith("/Calls.json")
    # The SDK sends a repeated field per event, as Twilio asks.
    assert sent.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert sent.form["MachineDetection"] == ["Enable"]

    fetched = await client.calls(created.sid).fetch_async()
    assert (fetched.sid, fetched.status, fetched.to) == (created.sid, "queued", DEBTOR)

    inline = await client.calls.create_async(
        to="+442071838750", from_=PARLEY, twiml="<Response><Say>Hi</Say></Response>"
    )
    assert inline.to_formatted == "+442071838750"  # outside North America: E.164
    listed = await client.calls.list_async(page_size=1)
    assert [c.sid for c in listed] == [inline.sid, created.sid]  # newest first, two pages
    assert [c.sid for c in await client.calls.list_async(to=DEBTOR)] == [created.sid]

    # "canceled" hangs up a call that is still queued or ringing.
    canceled = await client.calls(inline.sid).update_async(status="canceled")
    assert canceled.status == "canceled"
    assert [c.sid for c in await client.calls.list_async(status="queued")] == [created.sid]
    await emulator.settle()


async def test_call_errors_and_error_injection(emulator: TwilioEmulator, client: Client) -> None:
    url = f"{PUBLIC_BASE}/voice/outbound"
    cases: list[tuple[dict[str, str], int]] = [
        ({"to": "", "from_": PARLEY, "url": url}, 21201),
        ({"to": DEBTOR, "from_": "", "url": url}, 21213),
        ({"to": DEBTOR, "from_": PARLEY}, 21205),  # no Url, Twiml or ApplicationSid
        ({"to": DEBTOR, "from_": PARLEY, "url": "/voice/outbound"}, 21205),  # must be absolute
    ]
    for kwargs, code in cases:
        with pytest.raises(TwilioRestException) as caught:
            await client.calls.create_async(**kwargs)
        assert (caught.value.status, caught.value.code) == (400, code), kwargs
    with pytest.raises(TwilioRestException) as missing:
        await client.calls("CA" + "f" * 32).fetch_async()
    assert (missing.value.status, missing.value.code) == (404, 20404)

    emulator.fail_next(1, status=429)
    with pytest.raises(TwilioRestException) as throttled:
        await client.calls.create_async(to=DEBTOR, from_=PARLEY, url=url)
    assert (throttled.value.status, throttled.value.code) == (429, 20429)
    assert not emulator.calls
    call = await client.calls.create_async(to=DEBTOR, from_=PARLEY, url=url)
    # Injected errors hit fetch and update alike.
    emulator.fail_next(1, status=500)
    with pytest.raises(TwilioRestException) as failed:
        await client.calls(call.sid).update_async(status="canceled")
    assert (failed.value.status, failed.value.code) == (500, 20500)
    assert (await client.calls(call.sid).fetch_async()).status == "queued"


async def test_inbound_menu_press_resolves_relative_action(
    emulator: TwilioEmulator, gateway: VoiceGateway
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    assert step.status == 200 and step.root is not None
    assert step.says() == ["Press 1 to pay, 2 to leave a message.", "We did not hear you."]
    assert step.gather is not None
    assert step.gather.attrib == {
        "action": "menu",
        "input": "dtmf speech",
        "numDigits": "1",
        "timeout": "5",
    }
    assert step.redirect is not None and not step.hangup and not step.ends_call

    (first,) = gateway.to("/voice/inbound")
    assert first.form["CallStatus"] == "ringing"
    assert first.form["Direction"] == "inbound"
    assert (first.form["From"], first.form["To"]) == (DEBTOR, PARLEY)
    assert (first.form["Caller"], first.form["Called"]) == (DEBTOR, PARLEY)
    assert (first.form["FromCountry"], first.form["AccountSid"]) == ("US", emulator.account_sid)
    call_sid = first.form["CallSid"]
    assert emulator.calls[call_sid]["direction"] == "inbound"

    # Keys after numDigits are lost; "menu" resolved against /voice/inbound.
    paid = await step.press("12")
    (menu,) = gateway.to("/voice/menu")
    assert menu.form["Digits"] == "1"
    assert menu.form["CallSid"] == call_sid
    assert (menu.form["CallStatus"], menu.form["ApiVersion"]) == ("in-progress", "2010-04-01")
    assert paid.url == f"{PUBLIC_BASE}/voice/menu"
    assert paid.says() == ["Thank you, taking you to payment."]
    assert paid.hangup and paid.ends_call
    assert all(hit.valid for hit in gateway.hits)


async def test_finish_on_key_and_speech(emulator: TwilioEmulator, gateway: VoiceGateway) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/account", from_=DEBTOR, to=PARLEY
    )
    # finishOnKey only ends input after a digit, is not sent, and later keys are lost.
    await step.press("#1234#99")
    assert gateway.to("/voice/menu")[-1].form["Digits"] == "1234"
    with pytest.raises(ValueError, match="does not listen to speech"):
        await step.speak("I want to pay")

    spoken = await (
        await emulator.start_inbound_call(f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY)
    ).speak("I want to pay", confidence=0.82)
    heard = gateway.to("/voice/menu")[-1].form
    assert (heard["SpeechResult"], heard["Confidence"]) == ("I want to pay", "0.82")
    assert "Digits" not in heard
    assert spoken.says() == ["You said: I want to pay"]


async def test_silence_falls_through_to_redirect(
    emulator: TwilioEmulator, gateway: VoiceGateway
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    after = await step.silence()
    # The <Say> after the <Gather> plays, then the <Redirect> is followed.
    assert not gateway.to("/voice/menu")
    retry = gateway.to("/voice/inbound")[-1]
    assert retry.query == {"retry": "1"} and "Digits" not in retry.form
    assert after.url == f"{PUBLIC_BASE}/voice/inbound?retry=1"
    assert after.says() == ["Goodbye."] and after.hangup
    assert emulator.last_step(retry.form["CallSid"]) is after
    # The signature covered the query string of the public URL.
    assert retry.valid
    webhook = emulator.webhooks[-1]
    assert webhook.signed_url == f"{PUBLIC_BASE}/voice/inbound?retry=1"
    assert webhook.url == f"{gateway.local_base}/voice/inbound?retry=1"


async def test_record_posts_action_then_recording_status_callback(
    emulator: TwilioEmulator, gateway: VoiceGateway
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    recording = await step.press("2")
    assert recording.record is not None
    assert recording.record.get("recordingStatusCallback") == "recording-status"

    saved = await recording.finish_recording(duration=17)
    assert saved.says() == ["Your message was saved."] and saved.hangup
    (action,) = gateway.to("/voice/recorded")
    sid = action.form["RecordingSid"]
    assert re.fullmatch(r"RE[0-9a-f]{32}", sid)
    assert action.form["RecordingDuration"] == "17"
    assert action.form["RecordingUrl"].endswith(f"/Recordings/{sid}")
    assert action.form["CallStatus"] == "in-progress"  # the usual call parameters too

    (status,) = gateway.to("/voice/recording-status")  # relative to /voice/menu
    assert status.valid
    assert status.form == {
        "AccountSid": emulator.account_sid,
        "CallSid": action.form["CallSid"],
        "RecordingChannels": "1",
        "RecordingDuration": "17",
        "RecordingSid": sid,
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": status.form["RecordingStartTime"],
        "RecordingStatus": "completed",
        "RecordingUrl": action.form["RecordingUrl"],
    }
    # The action is answered before the recording is processed.
    assert gateway.hits.index(action) < gateway.hits.index(status)


async def test_amd_answered_by_reaches_the_webhook_and_callbacks(
    emulator: TwilioEmulator, client: Client, gateway: VoiceGateway
) -> None:
    call = await client.calls.create_async(
        to=DEBTOR,
        from_=PARLEY,
        url=f"{PUBLIC_BASE}/voice/outbound",
        machine_detection="DetectMessageEnd",
        status_callback=f"{PUBLIC_BASE}/voice/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    with pytest.raises(ValueError, match="cannot answer 'machine_start'"):
        await emulator.answer_call(call.sid, answered_by="machine_start")
    step = await emulator.answer_call(call.sid, answered_by="machine_end_beep")
    assert step.says() == ["This is a message for you from Parley. Please call us back."]

    (answer,) = gateway.to("/voice/outbound")
    assert answer.form["AnsweredBy"] == "machine_end_beep"
    assert (answer.form["Direction"], answer.form["CallStatus"]) == ("outbound-api", "in-progress")
    assert (answer.form["From"], answer.form["To"]) == (PARLEY, DEBTOR)

    ended = await emulator.end_call(call.sid, duration=42)
    assert ended is not None and ended.status == 204
    events = [hit.form for hit in gateway.to("/voice/status")]
    assert [(e["CallStatus"], e["SequenceNumber"]) for e in events] == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ]
    assert {e["CallbackSource"] for e in events} == {"call-progress-events"}
    assert events[-1]["CallDuration"] == "42"
    assert events[-1]["AnsweredBy"] == "machine_end_beep"
    assert all(e["Timestamp"].endswith(" +0000") for e in events)

    fetched = await client.calls(call.sid).fetch_async()
    assert (fetched.status, fetched.duration) == ("completed", "42")
    assert fetched.answered_by == "machine_end_beep"
    assert fetched.start_time is not None and fetched.end_time is not None
    with pytest.raises(RuntimeError, match="already ended"):
        await emulator.end_call(call.sid)


async def test_async_amd_posts_answered_by_separately(
    emulator: TwilioEmulator, client: Client, gateway: VoiceGateway
) -> None:
    call = await client.calls.create_async(
        to=DEBTOR,
        from_=PARLEY,
        url=f"{PUBLIC_BASE}/voice/outbound",
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback="/voice/amd",  # relative: resolved against Url
    )
    step = await emulator.answer_call(call.sid, answered_by="human")
    assert step.gather is not None  # TwiML ran at once, before the verdict
    assert "AnsweredBy" not in gateway.to("/voice/outbound")[0].form
    (amd,) = gateway.to("/voice/amd")
    assert amd.form == {
        "AccountSid": emulator.account_sid,
        "AnsweredBy": "human",
        "CallSid": call.sid,
        "MachineDetectionDuration": "2400",
    }
    # Without MachineDetection there is no verdict to give.
    plain = await client.calls.create_async(
        to=DEBTOR, from_=PARLEY, url=f"{PUBLIC_BASE}/voice/outbound"
    )
    with pytest.raises(ValueError, match="without MachineDetection"):
        await emulator.answer_call(plain.sid, answered_by="machine_start")
    await emulator.answer_call(plain.sid)
    assert "AnsweredBy" not in gateway.to("/voice/outbound")[-1].form


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed", "canceled"])
async def test_unanswered_calls_report_their_final_status(
    emulator: TwilioEmulator, client: Client, gateway: VoiceGateway, status: str
) -> None:
    # No StatusCallbackEvent: only the final ("completed") event is sent, whatever the status.
    call = await client.calls.create_async(
        to=DEBTOR,
        from_=PARLEY,
        url=f"{PUBLIC_BASE}/voice/outbound",
        status_callback=f"{PUBLIC_BASE}/voice/status",
    )
    with pytest.raises(ValueError, match="only an answered call"):
        await emulator.end_call(call.sid, "completed")
    sent = await emulator.end_call(call.sid, status)
    assert sent is not None
    (event,) = gateway.to("/voice/status")
    assert (event.form["CallStatus"], event.form["CallDuration"]) == (status, "0")
    assert event.form["SequenceNumber"] == "0" and "AnsweredBy" not in event.form
    fetched = await client.calls(call.sid).fetch_async()
    assert (fetched.status, fetched.duration, fetched.end_time) == (status, None, None)
    assert not gateway.to("/voice/outbound")  # never answered, TwiML never fetched


async def test_rest_hangup_and_redirect_of_a_live_call(
    emulator: TwilioEmulator, client: Client, gateway: VoiceGateway
) -> None:
    call = await client.calls.create_async(
        to=DEBTOR,
        from_=PARLEY,
        url=f"{PUBLIC_BASE}/voice/outbound",
        status_callback=f"{PUBLIC_BASE}/voice/status",
    )
    await emulator.answer_call(call.sid)
    # "canceled" leaves an in-progress call alone.
    assert (await client.calls(call.sid).update_async(status="canceled")).status == "in-progress"

    redirected = await client.calls(call.sid).update_async(
        url=f"{PUBLIC_BASE}/voice/inbound?retry=1"
    )
    assert redirected.status == "in-progress"
    await emulator.settle()  # Twilio fetches the new TwiML after answering the API request
    step = emulator.last_step(call.sid)
    assert step is not None and step.says() == ["Goodbye."]
    assert gateway.to("/voice/inbound")[-1].form["Direction"] == "outbound-api"

    hung_up = await client.calls(call.sid).update_async(status="completed")
    # Seconds since the answer, rounded up.
    assert hung_up.status == "completed" and hung_up.duration in ("0", "1")
    await emulator.settle()
    (final,) = gateway.to("/voice/status")
    assert (final.form["CallStatus"], final.form["CallDuration"]) == ("completed", hung_up.duration)

    with pytest.raises(TwilioRestException) as caught:
        await client.calls(call.sid).update_async(url=f"{PUBLIC_BASE}/voice/inbound")
    assert (caught.value.status, caught.value.code) == (400, 21220)
    with pytest.raises(RuntimeError, match="already ended"):
        await emulator.end_call(call.sid)
    assert all(hit.valid for hit in gateway.hits)


async def test_signed_over_public_url_sent_to_local(
    emulator: TwilioEmulator, gateway: VoiceGateway
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    await (await step.press("2")).finish_recording()
    get_step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/get-menu", from_=DEBTOR, to=PARLEY
    )
    await get_step.press("1")
    (via_get,) = [hit for hit in gateway.to("/voice/menu") if hit.method == "GET"]
    assert via_get.query["via"] == "get" and via_get.query["Digits"] == "1"
    assert via_get.valid

    token = emulator.auth_token
    # inbound, menu, recorded, recording-status, get-menu, menu (GET)
    assert len(emulator.webhooks) == len(gateway.hits) == 6
    for sent in emulator.webhooks:
        assert sent.signed_url.startswith(PUBLIC_BASE + "/voice/")
        assert sent.url == gateway.local_base + sent.signed_url.removeprefix(PUBLIC_BASE)
        params = sent.params if sent.method == "POST" else {}
        assert is_valid_signature(token, sent.signed_url, params, sent.signature)
        assert not is_valid_signature(token, sent.url, params, sent.signature)
    assert all(hit.valid for hit in gateway.hits)


async def test_local_and_public_url_without_a_route(emulator: TwilioEmulator) -> None:
    gateway = VoiceGateway(emulator.auth_token)
    await gateway.start()
    try:
        # No route_public: passing both URLs teaches the emulator the mapping.
        step = await emulator.start_inbound_call(
            f"{gateway.local_base}/voice/inbound",
            public_url=f"{PUBLIC_BASE}/voice/inbound",
            from_=DEBTOR,
            to=PARLEY,
        )
        await step.press("1")
    finally:
        await gateway.stop()
    assert [hit.path for hit in gateway.hits] == ["/voice/inbound", "/voice/menu"]
    assert all(hit.valid for hit in gateway.hits)


async def test_inline_twiml_call_and_error_answers(
    emulator: TwilioEmulator, client: Client, gateway: VoiceGateway
) -> None:
    twiml = '<Response><Gather action="menu" numDigits="1"><Say>Press 1</Say></Gather></Response>'
    call = await client.calls.create_async(to=DEBTOR, from_=PARLEY, twiml=twiml)
    step = await emulator.answer_call(call.sid, url_base=f"{PUBLIC_BASE}/voice/")
    assert (step.status, step.says()) == (None, ["Press 1"])
    assert not gateway.hits  # inline TwiML fetches nothing
    await step.press("1")
    assert gateway.to("/voice/menu")[0].form["Digits"] == "1"

    other = await client.calls.create_async(to=DEBTOR, from_=PARLEY, twiml=twiml)
    unbased = await emulator.answer_call(other.sid)
    with pytest.raises(ValueError, match="relative URL"):
        await unbased.press("1")

    # A 5xx answer: Twilio has no TwiML to run and hangs up.
    broken = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/broken", from_=DEBTOR, to=PARLEY
    )
    assert (broken.status, broken.root, broken.ends_call) == (500, None, True)
    assert broken.says() == [] and broken.gather is None
