"""What a transcribed recording leaves behind, in one transaction: the transcript on the
account's voice conversation, the account updates it is sure of, and the review queue entries
for what a person must confirm.

A finding is recorded like the bot's (``capture``: normalised, audited, delivered) when its
confidence reaches ``PARLEY_TRANSCRIPT_MIN_CONFIDENCE``, the speaker is known to be the debtor
(a caller verified in the IVR, or a recording the core system attributed to the account) and
its values are valid; anything else waits for an agent. Updates carry a dedupe key per
recording and kind, so a job that runs twice records once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.store import close, load_conversation, open_conversation
from gateway.conversations.update_data import NEEDS_IDENTITY, normalise
from gateway.conversations.verification import terms_for
from gateway.db.tables import (
    conversations,
    messages,
    recording_audio,
    recordings,
)
from gateway.db.tables import transcript_reviews as reviews
from gateway.db.upsert import dialect_insert
from gateway.errors import ValidationFailed
from gateway.ids import new_id
from gateway.messages.statuses import InboundStatus
from gateway.recordings.heard import record_heard
from gateway.recordings.understanding import Finding
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from transcription.transcript import Transcript

TRANSCRIPT_PROVIDER = "transcript"


async def save_transcript(
    conn: AsyncConnection, recording_id: str, transcript: Transcript, now: datetime
) -> None:
    """Keep the redacted transcript, so a retried job reads it instead of transcribing again."""
    await conn.execute(
        update(recordings)
        .where(recordings.c.id == recording_id)
        .values(
            transcript=transcript.text,
            segments=[
                {"start": s.start, "end": s.end, "text": s.text, "confidence": s.confidence}
                for s in transcript.segments
            ],
            confidence=transcript.confidence,
            duration_seconds=round(transcript.duration_seconds),
            updated_at=now,
        )
    )


async def settle(
    conn: AsyncConnection,
    recording: Any,
    findings: list[Finding],
    settings: Settings,
    now: datetime,
) -> AfterCommit:
    """Record what the transcript said and mark the recording transcribed; returns the work to
    start after commit (update deliveries, handoffs' agent events, confirmations)."""
    after = AfterCommit()
    conversation = await _conversation(conn, recording, now)
    verified = recording.provider == "dialer" or conversation.verified_at is not None
    recorded, queued = [], []
    for finding in findings:
        reason = _review_reason(finding, verified, settings)
        data = None if reason else _valid(finding, conversation, settings)
        if data is None:
            if await _queue_review(conn, recording, finding, reason or "incomplete", now):
                queued.append(finding.kind)
            continue
        _, done = await record_heard(
            conn,
            conversation,
            recording_id=recording.id,
            kind=finding.kind,
            raw=finding.raw,
            confidence=finding.confidence,
            settings=settings,
            now=now,
        )
        after.add(done)
        recorded.append(finding.kind)
    now_conversation = await load_conversation(conn, conversation.id)
    if now_conversation.state == "bot":
        await close(conn, now_conversation, reason="recording", now=now)
    await _finish(conn, recording, conversation, recorded, queued, settings, now)
    return after


def _valid(finding: Finding, conversation: Any, settings: Settings) -> dict[str, Any] | None:
    """The finding's normalised data; None when its values do not hold (no amount, a date
    past the horizon): an agent completes it."""
    try:
        return normalise(finding.kind, finding.raw, terms_for(conversation, settings))
    except ValidationFailed:
        return None


def _review_reason(finding: Finding, verified: bool, settings: Settings) -> str | None:
    if finding.review_reason is not None:
        return finding.review_reason
    if finding.kind in NEEDS_IDENTITY and not verified:
        return "identity_not_verified"
    if finding.confidence < settings.transcript_min_confidence:
        return "low_confidence"
    return None


async def _queue_review(
    conn: AsyncConnection, recording: Any, finding: Finding, reason: str, now: datetime
) -> bool:
    result = await conn.execute(
        dialect_insert(conn, reviews)
        .on_conflict_do_nothing(index_elements=["recording_id", "kind"])
        .values(
            recording_id=recording.id,
            account_id=recording.account_id,
            kind=finding.kind,
            data=finding.raw,
            confidence=finding.confidence,
            reason=reason,
            excerpt=finding.excerpt,
            status="pending",
            created_at=now,
        )
    )
    return bool(result.rowcount)


async def _conversation(conn: AsyncConnection, recording: Any, now: datetime) -> Any:
    """The voice conversation the transcript belongs to (the call's, or a new one for a
    dialer's recording), with the transcript as its inbound message."""
    heard_at = recording.recorded_at or recording.created_at
    conversation_id = recording.conversation_id
    if conversation_id is None:
        conversation_id = await open_conversation(
            conn,
            account_id=recording.account_id,
            channel="voice",
            address=None,
            now=now,
            last_inbound_at=heard_at,
        )
        await conn.execute(
            update(recordings)
            .where(recordings.c.id == recording.id)
            .values(conversation_id=conversation_id)
        )
    await conn.execute(
        dialect_insert(conn, messages)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=new_id("msg"),
            conversation_id=conversation_id,
            account_id=recording.account_id,
            channel="voice",
            direction="inbound",
            body=recording.transcript or "",
            provider=TRANSCRIPT_PROVIDER,
            provider_id=recording.id,
            status=InboundStatus.FOR_AGENT,
            created_at=heard_at,
            updated_at=now,
        )
    )
    # Dates the debtor spoke ("on the fifteenth") are relative to when they spoke.
    await conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(last_inbound_at=heard_at, updated_at=now)
    )
    return await load_conversation(conn, conversation_id, lock=True)


async def _finish(
    conn: AsyncConnection,
    recording: Any,
    conversation: Any,
    recorded: list[str],
    queued: list[str],
    settings: Settings,
    now: datetime,
) -> None:
    await conn.execute(
        update(recordings)
        .where(recordings.c.id == recording.id)
        .values(status="transcribed", transcribed_at=now, error=None, updated_at=now)
    )
    if not settings.keep_audio:
        await conn.execute(
            recording_audio.delete().where(recording_audio.c.recording_id == recording.id)
        )
    entry = AuditEntry(
        account_chain(conversation.account_ref),
        "recording.transcribed",
        now,
        {
            "recording_id": recording.id,
            "conversation_id": conversation.id,
            "confidence": recording.confidence,
            "recorded": sorted(recorded),
            "for_review": sorted(queued),
        },
        recording.id,
    )
    await audit.append(conn, [entry])
