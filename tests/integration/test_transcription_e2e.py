"""Voicemails and call recordings through the real transcription job: faster-whisper and spaCy
loaded from the pinned packages, the stack's real Rasa reading the sentences, telephone audio
made with espeak-ng and sox. The facts are asserted (amount, date, intent), never exact words;
a spoken card number must reach neither the database, nor the logs, nor Rasa."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from account_update_helpers import create_account
from agent_console_helpers import add_agents, console
from helpers import select_rows
from recording_helpers import upload_form
from speech_audio import noise, silence, speak
from sqlalchemy import select
from stack import BotStack
from transcription_helpers import (
    holds_card_digits,
    job_runner,
    speech_models,  # noqa: F401 - a session fixture
    stored_text,
)
from twilio_emulator import TwilioEmulator
from twilio_voice_helpers import (
    daytime,  # noqa: F401 - autouse: the clock reads 2026-03-10 15:00 in Chicago
    new_account,
    verified,
)

from gateway.config import Settings
from gateway.db.tables import contact_points, recording_audio, recordings
from gateway.db.tables import transcript_reviews as reviews

CARD = "four one one one, one one one one, one one one one, one one one one"
VOICEMAIL = (
    f"Hi, this is Dana. I can pay two hundred dollars on the fifteenth. My card number is {CARD}."
)
PROMISE_ONLY = "Hi, this is Dana. I can pay two hundred dollars on the fifteenth."
# Recorded at 15:30 in Chicago on Tuesday 10 March 2026: "the fifteenth" is the 15th of March.
RECORDED_AT = "2026-03-10T20:30:00+00:00"


async def upload(client: Any, audio: bytes, external_id: str = "vm-1") -> str:
    form = upload_form(audio, external_id=external_id, recorded_at=RECORDED_AT)
    response = await client.post("/v1/recordings", data=form)
    assert response.status == 202, await response.text()
    return str((await response.json())["id"])


async def shown(client: Any, recording_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/recordings/{recording_id}")
    assert response.status == 200
    return dict(await response.json())


async def test_a_voicemail_becomes_a_promise_and_the_card_number_goes_nowhere(
    client: Any,
    settings: Settings,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    await create_account(client)
    recording_id = await upload(client, speak(VOICEMAIL))
    caplog.set_level(logging.DEBUG, logger="parley")
    async with job_runner(settings, speech_models, bot_stack.rasa_url) as job:
        assert await job.run(recording_id, 1) == "transcribed"
        sent_to_rasa = list(job.rasa.sent)  # type: ignore[attr-defined]
    view = await shown(client, recording_id)
    assert view["status"] == "transcribed"
    assert "[card number]" in view["transcript"]
    assert view["segments"]
    assert all(s["end"] > s["start"] for s in view["segments"])
    (promise,) = view["updates"]
    assert (promise["kind"], promise["source"]) == ("promise_to_pay", "transcript")
    assert (promise["data"]["amount"], promise["data"]["date"]) == ("200.00", "2026-03-15")
    assert promise["confidence"] >= settings.transcript_min_confidence
    assert promise["recording_id"] == recording_id
    # Nowhere: the database, what Rasa was sent, any log line at any level.
    assert not holds_card_digits(await stored_text(settings))
    assert sent_to_rasa
    assert not any(holds_card_digits(text) for text in sent_to_rasa)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not holds_card_digits(logged)
    assert "Dana" not in logged  # no transcript text in logs at all
    assert await select_rows(settings.database_url, select(recording_audio)) == []


async def test_an_unsure_transcript_waits_for_an_agent_who_confirms_it(
    settings: Settings,
    gateway: Any,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
) -> None:
    strict = settings.model_copy(update={"transcript_min_confidence": 0.99})
    client = await gateway(strict)
    await create_account(client)
    recording_id = await upload(client, speak(PROMISE_ONLY))
    async with job_runner(strict, speech_models, bot_stack.rasa_url) as job:
        await job.run(recording_id, 1)
    view = await shown(client, recording_id)
    assert view["updates"] == []
    (review,) = view["reviews"]
    assert (review["kind"], review["reason"], review["status"]) == (
        "promise_to_pay",
        "low_confidence",
        "pending",
    )
    ids = await add_agents(strict, ("ana@parley.example", "Ana", "agent"))
    agent = await console(gateway, strict, "ana@parley.example")
    status, listed = await agent.call("GET", "/reviews")
    assert status == 200
    assert [r["id"] for r in listed["reviews"]] == [review["id"]]
    # Phone audio can turn "two hundred" into "$200,000": the agent puts it right.
    corrected = {"amount": "200", "date": "the 15th"}
    status, decided = await agent.call("POST", f"/reviews/{review['id']}/confirm", corrected)
    assert status == 200, decided
    assert (decided["status"], decided["agent_id"]) == ("corrected", ids["ana@parley.example"])
    (promise,) = (await shown(client, recording_id))["updates"]
    assert (promise["source"], promise["agent_id"]) == ("transcript", ids["ana@parley.example"])
    assert promise["data"]["amount"] == "200.00"


async def test_stop_calling_me_revokes_calls_and_a_lawyer_is_for_review(
    client: Any,
    settings: Settings,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
) -> None:
    voice = {"channel": "voice", "address": "+13125550123", "consent": True}
    await create_account(client, contacts=[voice])
    said = "Stop calling me. I have a lawyer now, talk to my attorney."
    recording_id = await upload(client, speak(said))
    async with job_runner(settings, speech_models, bot_stack.rasa_url) as job:
        await job.run(recording_id, 1)
    view = await shown(client, recording_id)
    assert [u["kind"] for u in view["updates"]] == ["opt_out"]
    assert view["updates"][0]["data"] == {"channel": "voice"}
    (point,) = await select_rows(settings.database_url, select(contact_points))
    assert (point.consent, point.consent_source) == ("revoked", "transcript")
    assert [(r["kind"], r["reason"]) for r in view["reviews"]] == [
        ("attorney_represented", "attorney_mentioned")
    ]


@pytest.mark.parametrize(
    "audio",
    [silence(4.0), noise(4.0, kind="white"), noise(4.0, kind="pink")],
    ids=["silence", "white-noise", "pink-noise"],
)
async def test_silence_and_noise_say_nothing(
    client: Any,
    settings: Settings,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
    audio: bytes,
) -> None:
    await create_account(client)
    recording_id = await upload(client, audio)
    async with job_runner(settings, speech_models, bot_stack.rasa_url) as job:
        assert await job.run(recording_id, 1) == "transcribed"
        assert job.rasa.sent == []  # type: ignore[attr-defined]
    view = await shown(client, recording_id)
    assert (view["transcript"], view["segments"]) == ("", [])
    assert (view["updates"], view["reviews"]) == ([], [])


async def test_audio_that_is_not_audio_fails_with_the_reason(
    client: Any,
    settings: Settings,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
) -> None:
    await create_account(client)
    recording_id = await upload(client, b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)) * 8)
    async with job_runner(settings, speech_models, bot_stack.rasa_url) as job:
        assert await job.run(recording_id, 1) == "failed"
    view = await shown(client, recording_id)
    assert view["status"] == "failed"
    assert "audio" in view["error"]
    assert view["updates"] == []


async def test_an_ivr_voicemail_is_fetched_from_twilio_once_retried_and_deleted(
    twilio_settings: Settings,
    emulator: TwilioEmulator,
    gateway: Any,
    bot_stack: BotStack,
    speech_models: Any,  # noqa: F811
) -> None:
    deleting = twilio_settings.model_copy(update={"twilio_delete_recordings": True})
    client = await gateway(deleting)
    await new_account(client)
    message = await (await verified(emulator, client)).press("9")
    assert message.record is not None
    await message.finish_recording(audio=speak(VOICEMAIL), duration=12)
    (callback,) = [w for w in emulator.webhooks if "RecordingStatus" in w.params]
    # Twilio may deliver a callback twice: the recording is kept and queued once.
    await emulator.post_signed(callback.url, callback.params, public_url=callback.signed_url)
    (row,) = await select_rows(deleting.database_url, select(recordings))
    assert (row.status, row.provider) == ("queued", "twilio")
    assert row.conversation_id is not None
    emulator.fail_next_media(1, status=503)
    async with job_runner(deleting, speech_models, bot_stack.rasa_url) as job:
        with pytest.raises(Exception, match="Retry"):
            await job.run(row.id, 1)
        assert await job.run(row.id, 2) == "transcribed"
        assert await job.run(row.id, 3) == "done"  # a duplicate job does nothing
    (promise,) = [
        u
        for u in (await (await client.get("/v1/accounts/A-1/updates")).json())["updates"]
        if u["source"] == "transcript"
    ]
    assert (promise["kind"], promise["data"]["date"]) == ("promise_to_pay", "2026-03-15")
    assert row.provider_id not in emulator.recordings  # deleted at Twilio once transcribed
    assert len(await select_rows(deleting.database_url, select(reviews))) == 0
