"""The Messages REST API through the real twilio SDK (async client), and the signed SMS webhooks."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio_emulator import TwilioEmulator
from twilio_emulator_harness import (  # noqa: F401
    FROM,
    PUBLIC_BASE,
    TO,
    client_fixture,
    sdk,
    session_fixture,
)

from channels.twilio_signature import SIGNATURE_HEADER, is_valid_signature

# Each webhook a receiver got: its form fields and its signature header.
Received = list[tuple[dict[str, str], str]]


@contextlib.asynccontextmanager
async def receiver(
    path: str, answer: Callable[[], web.Response]
) -> AsyncIterator[tuple[str, Received]]:
    """A local endpoint at ``path`` answering ``answer()``: yields its URL and what it received."""
    received: Received = []

    async def handle(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        received.append((form, request.headers.get(SIGNATURE_HEADER, "")))
        return answer()

    app = web.Application()
    app.router.add_post(path, handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}{path}", received
    finally:
        await runner.cleanup()


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
    status_path = "/webhooks/twilio/status"
    public_url = PUBLIC_BASE + status_path
    async with receiver(status_path, lambda: web.Response(status=204)) as (local_url, received):
        created = await client.messages.create_async(
            to=TO, from_=FROM, body="Hi", status_callback=public_url
        )
        sent = await emulator.send_status_callback(
            created.sid, "undelivered", url=local_url, public_url=public_url, error_code=30003
        )
        assert sent.status == 204

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
    async with receiver(
        "/webhooks/twilio/sms", lambda: web.Response(text="<Response/>", content_type="text/xml")
    ) as (url, received):
        public_url = f"{PUBLIC_BASE}/webhooks/twilio/sms"
        sent = await emulator.send_inbound_sms(
            url, from_=TO, to=FROM, body="STOP ✋", public_url=public_url
        )
    assert (sent.status, sent.body) == (200, "<Response/>")
    ((form, signature),) = received
    assert form["Body"] == "STOP ✋"
    assert form["MessageSid"] == sent.params["MessageSid"]
    assert is_valid_signature(emulator.auth_token, public_url, form, signature)
