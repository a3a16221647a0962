"""Executing the app's TwiML as Twilio does: key presses, speech, silence, recordings, redirects
and inline TwiML, each webhook signed over the public URL and checked by a stub gateway."""

from __future__ import annotations

import re

import pytest
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

from channels.twilio_signature import is_valid_signature


async def test_inbound_menu_press_resolves_relative_action(
    emulator: TwilioEmulator, gateway: VoiceGateway
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    assert step.status == 200
    assert step.root is not None
    assert step.says() == ["Press 1 to pay, 2 to leave a message.", "We did not hear you."]
    assert step.gather is not None
    assert step.gather.attrib == {
        "action": "menu",
        "input": "dtmf speech",
        "numDigits": "1",
        "timeout": "5",
    }
    assert step.redirect is not None
    assert not step.hangup
    assert not step.ends_call

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
    assert paid.hangup
    assert paid.ends_call
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
    assert retry.query == {"retry": "1"}
    assert "Digits" not in retry.form
    assert after.url == f"{PUBLIC_BASE}/voice/inbound?retry=1"
    assert after.says() == ["Goodbye."]
    assert after.hangup
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
    assert saved.says() == ["Your message was saved."]
    assert saved.hangup
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
    assert via_get.query["via"] == "get"
    assert via_get.query["Digits"] == "1"
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
    assert broken.says() == []
    assert broken.gather is None
