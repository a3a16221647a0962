"""Calling in through Twilio: a greeting that discloses nothing, the caller verified by birth
date (keys or speech) or ZIP code and handed to a person after three misses, an unknown caller
who can only leave a message, and forged voice webhooks refused."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import PHONE
from sqlalchemy import select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL
from twilio_voice_helpers import (
    CREDITOR,
    VOICE_PATH,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    ring,
    rows,
    spoken,
    updates,
)

from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from gateway.config import Settings
from gateway.db.tables import calls, provider_events, recordings


async def test_the_greeting_discloses_nothing_and_gathers_keys_or_speech(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    assert greeting.status == 200
    gather = greeting.gather
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["action"].startswith(f"{PUBLIC_URL}/webhooks/twilio/voice/gather?call=")
    said = spoken(greeting)
    assert "date of birth" in said
    for secret in (CREDITOR, "debt", "432", "Parley Recovery"):
        assert secret not in said
    assert greeting.redirect is not None  # silence comes back to us as a miss


async def test_a_wrong_birth_date_is_asked_again_and_the_right_one_opens_the_menu(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    again = await greeting.press("01011990")
    assert "did not match" in spoken(again)
    assert CREDITOR not in spoken(again)
    menu = await again.press("03141985")
    said = spoken(menu)
    assert "debt collector" in said
    assert "Parley Recovery Services" in said
    assert "press 1" in said.lower()
    assert menu.gather is not None
    assert menu.gather.attrib["numDigits"] == "1"


async def test_the_birth_date_can_be_said(twilio_client: Any, emulator: TwilioEmulator) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    menu = await greeting.speak("March 14th 1985")
    assert "debt collector" in spoken(menu)


async def test_three_wrong_birth_dates_hand_the_caller_to_a_person(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    step = await ring(emulator, twilio_client)
    for _ in range(3):
        step = await step.press("01011990")
    assert step.record is not None
    assert CREDITOR not in spoken(step)
    assert [u["kind"] for u in await updates(twilio_client)] == ["handoff"]


async def test_an_unknown_caller_can_only_leave_a_message(
    twilio_client: Any, twilio_settings: Settings, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    step = await ring(emulator, twilio_client, from_="+14155550100")
    assert step.record is not None
    assert step.gather is None
    assert CREDITOR not in spoken(step)
    assert "debt" not in spoken(step)
    await step.finish_recording()
    (recording,) = await rows(twilio_settings, select(recordings))
    assert recording.account_id is None


@pytest.mark.parametrize(
    "path",
    [
        VOICE_PATH,
        "/webhooks/twilio/voice/gather?call=call_x&step=menu",
        "/webhooks/twilio/voice/status",
        "/webhooks/twilio/voice/recording?call=call_x",
    ],
)
async def test_forged_voice_webhooks_are_refused(
    twilio_client: Any, twilio_settings: Settings, emulator: TwilioEmulator, path: str
) -> None:
    params = {
        "CallSid": "CA" + "0" * 32,
        "From": PHONE,
        "To": PARLEY_NUMBER,
        "CallStatus": "completed",
        "Digits": "1",
        "RecordingSid": "RE" + "0" * 32,
        "RecordingUrl": "https://api.twilio.com/rec",
    }
    # Signed with another account's token: the signature is well formed, and wrong.
    forged = compute_signature("not-the-auth-token", PUBLIC_URL + path, params)
    for headers in ({}, {SIGNATURE_HEADER: forged}):
        response = await twilio_client.post(path, data=params, headers=headers)
        assert response.status == 403
    for table in (calls, recordings, provider_events):
        assert await rows(twilio_settings, select(table)) == []


async def test_the_zip_code_can_verify_the_caller_instead(
    twilio_settings: Settings, emulator: TwilioEmulator, gateway: Any
) -> None:
    by_zip = twilio_settings.model_copy(update={"bot_verification_fact": "postal_code"})
    client = await gateway(by_zip)
    await new_account(client)
    greeting = await ring(emulator, client)
    assert "ZIP code" in spoken(greeting)
    again = await greeting.press("10001")
    assert "did not match" in spoken(again)
    menu = await again.press("60601")
    assert "debt collector" in spoken(menu)
