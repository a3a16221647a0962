"""What a transcript's findings become (``gateway.recordings.outcomes.settle``): sure ones are
recorded like the bot's, the rest wait for review; an opt-out gives up the medium; a second run
records nothing new. The findings are given here; reading them is tested with the real models."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from account_update_helpers import audit_events, create_account
from helpers import PHONE, select_rows
from sqlalchemy import select

from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import (
    account_updates,
    contact_points,
    conversations,
    messages,
    recording_audio,
    recordings,
)
from gateway.db.tables import transcript_reviews as reviews
from gateway.recordings.intake import DialerRecording, accept_dialer_recording
from gateway.recordings.outcomes import save_transcript, settle
from gateway.recordings.understanding import Finding
from transcription.transcript import Transcript, TranscriptSegment

RECORDED_AT = datetime(2026, 3, 10, 20, 30, tzinfo=UTC)  # 15:30 in Chicago
NOW = datetime(2026, 3, 10, 20, 35, tzinfo=UTC)
SAID = "Hi, this is Dana. I can pay $200 on the 15th."
LAWYER = "attorney_mentioned"
PROMISE = Finding("promise_to_pay", {"amount": "$200", "date": "the 15th"}, 0.91, SAID)


async def _recording(settings: Settings, **fields: Any) -> Any:
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        accepted = await accept_dialer_recording(
            conn,
            DialerRecording("A-1", "ext-1", "inbound", RECORDED_AT, audio=b"RIFF", **fields),
            NOW,
        )
        transcript = Transcript((TranscriptSegment(0.0, 4.0, SAID, 0.9),), 4.0)
        await save_transcript(conn, accepted.id, transcript, NOW)
        row = (await conn.execute(select(recordings).where(recordings.c.id == accepted.id))).one()
    await engine.dispose()
    return row


async def _settle(settings: Settings, recording: Any, findings: list[Finding]) -> Any:
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        after = await settle(conn, recording, findings, settings, NOW)
    await engine.dispose()
    return after


@pytest.fixture
async def account(client: Any) -> None:
    await create_account(client)
    voice = {"channel": "voice", "address": "+13125550199", "consent": True}
    second = {"channel": "voice", "address": PHONE, "consent": True}
    await create_account(
        client,
        contacts=[
            {"channel": "sms", "address": PHONE, "consent": True},
            voice,
            second,
        ],
    )


@pytest.mark.usefixtures("account")
async def test_a_sure_promise_is_recorded_like_the_bots(settings: Settings) -> None:
    recording = await _recording(settings)
    after = await _settle(settings, recording, [PROMISE])
    (update,) = await select_rows(settings.database_url, select(account_updates))
    assert (update.kind, update.source, update.confidence) == ("promise_to_pay", "transcript", 0.91)
    # "the 15th" is read relative to when the debtor spoke, in the debtor's zone.
    assert (update.data["amount"], update.data["date"]) == ("200.00", "2026-03-15")
    assert update.recording_id == recording.id
    assert after.updates == [update.id]
    (done,) = await select_rows(settings.database_url, select(recordings))
    assert (done.status, done.conversation_id) == ("transcribed", update.conversation_id)
    (message,) = await select_rows(settings.database_url, select(messages))
    assert (message.body, message.channel, message.direction) == (SAID, "voice", "inbound")
    assert message.created_at == RECORDED_AT
    assert await select_rows(settings.database_url, select(recording_audio)) == []
    (conversation,) = await select_rows(settings.database_url, select(conversations))
    assert conversation.state == "closed"
    assert {"account_update.recorded", "recording.transcribed"} <= set(await audit_events(settings))


@pytest.mark.usefixtures("account")
async def test_kept_audio_stays(settings: Settings) -> None:
    keeping = settings.model_copy(update={"keep_audio": True})
    await _settle(keeping, await _recording(keeping), [PROMISE])
    assert len(await select_rows(settings.database_url, select(recording_audio))) == 1


@pytest.mark.parametrize(
    ("finding", "reason"),
    [
        (Finding("promise_to_pay", PROMISE.raw, 0.41, SAID), "low_confidence"),
        (Finding("promise_to_pay", {"amount": None, "date": "the 15th"}, 0.9, SAID), "incomplete"),
        (
            Finding("promise_to_pay", {"amount": "$9000", "date": "the 15th"}, 0.9, SAID),
            "incomplete",
        ),
        (
            Finding(
                "attorney_represented",
                {"detail": "I have a lawyer"},
                0.99,
                "x",
                "attorney_mentioned",
            ),
            "attorney_mentioned",
        ),
    ],
)
@pytest.mark.usefixtures("account")
async def test_unsure_or_sensitive_findings_wait_for_review(
    settings: Settings, finding: Finding, reason: str
) -> None:
    after = await _settle(settings, await _recording(settings), [finding])
    assert await select_rows(settings.database_url, select(account_updates)) == []
    (review,) = await select_rows(settings.database_url, select(reviews))
    assert (review.kind, review.reason, review.status) == (finding.kind, reason, "pending")
    assert review.data == finding.raw
    assert after.updates == []


@pytest.mark.usefixtures("account")
async def test_an_unverified_callers_promise_waits_for_review(settings: Settings) -> None:
    recording = await _recording(settings)
    # A voicemail whose caller never verified in the IVR.
    caller = SimpleNamespace(**(dict(recording._mapping) | {"provider": "twilio"}))
    await _settle(settings, caller, [PROMISE])
    (review,) = await select_rows(settings.database_url, select(reviews))
    assert review.reason == "identity_not_verified"


@pytest.mark.usefixtures("account")
async def test_stop_calling_me_revokes_every_number_for_calls_only(settings: Settings) -> None:
    said = Finding("opt_out", {"channel": "voice"}, 0.95, "Stop calling me.")
    after = await _settle(settings, await _recording(settings), [said])
    points = {
        (p.channel, p.address): (p.consent, p.consent_source)
        for p in await select_rows(settings.database_url, select(contact_points))
    }
    assert points[("voice", PHONE)] == ("revoked", "transcript")
    assert points[("voice", "+13125550199")] == ("revoked", "transcript")
    assert points[("sms", PHONE)][0] == "granted"
    (update,) = await select_rows(settings.database_url, select(account_updates))
    assert (update.kind, update.data) == ("opt_out", {"channel": "voice"})
    assert after.sends == []  # a voicemail is not answered with a text


@pytest.mark.usefixtures("account")
async def test_hardship_hands_the_conversation_to_an_agent(settings: Settings) -> None:
    said = Finding("hardship", {"hardship_type": "job_loss", "detail": "I lost my job"}, 0.9, "x")
    after = await _settle(settings, await _recording(settings), [said])
    (conversation,) = await select_rows(settings.database_url, select(conversations))
    assert conversation.state == "escalated"
    assert [e.event for e in after.events] == ["conversation.waiting"]


@pytest.mark.usefixtures("account")
async def test_settling_twice_records_once(settings: Settings) -> None:
    recording = await _recording(settings)
    unsure = Finding("dispute", {"reason": "not mine"}, 0.2, "That is not my debt.")
    await _settle(settings, recording, [PROMISE, unsure])
    await _settle(settings, recording, [PROMISE, unsure])
    assert len(await select_rows(settings.database_url, select(account_updates))) == 1
    assert len(await select_rows(settings.database_url, select(reviews))) == 1
    assert len(await select_rows(settings.database_url, select(messages))) == 1
