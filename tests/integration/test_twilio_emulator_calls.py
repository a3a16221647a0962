"""The Calls REST API through the real twilio SDK, and the call lifecycle it drives: ringing,
answering with and without answering-machine detection, hanging up, redirecting, and the
call-progress callbacks, all received by a stub gateway that verifies every signature."""

from __future__ import annotations

import re

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_emulator import TwilioEmulator
from twilio_emulator_harness import (  # noqa: F401
    DEBTOR,
    PARLEY,
    PUBLIC_BASE,
    VoiceGateway,
    client_fixture,
    gateway_fixture,
    session_fixture,
)


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
    assert created.answered_by is None
    assert created.duration is None
    assert created.date_created is not None  # RFC 2822, parsed by the SDK
    assert created.subresource_uris is not None
    assert str(created.subresource_uris["recordings"]).endswith(f"/{created.sid}/Recordings.json")

    (sent,) = emulator.call_requests()
    assert sent.authorized
    assert sent.path.endswith("/Calls.json")
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
    assert ended is not None
    assert ended.status == 204
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
    assert fetched.start_time is not None
    assert fetched.end_time is not None
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
    assert event.form["SequenceNumber"] == "0"
    assert "AnsweredBy" not in event.form
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
    assert step is not None
    assert step.says() == ["Goodbye."]
    assert gateway.to("/voice/inbound")[-1].form["Direction"] == "outbound-api"

    hung_up = await client.calls(call.sid).update_async(status="completed")
    # Seconds since the answer, rounded up.
    assert hung_up.status == "completed"
    assert hung_up.duration in ("0", "1")
    await emulator.settle()
    (final,) = gateway.to("/voice/status")
    assert (final.form["CallStatus"], final.form["CallDuration"]) == ("completed", hung_up.duration)

    with pytest.raises(TwilioRestException) as caught:
        await client.calls(call.sid).update_async(url=f"{PUBLIC_BASE}/voice/inbound")
    assert (caught.value.status, caught.value.code) == (400, 21220)
    with pytest.raises(RuntimeError, match="already ended"):
        await emulator.end_call(call.sid)
    assert all(hit.valid for hit in gateway.hits)
