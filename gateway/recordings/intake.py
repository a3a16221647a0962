"""Recordings coming in: a voicemail the IVR recorded, or a call recording a core system sends.

Each is stored once (Twilio's RecordingSid, the dialer's external id) with status ``queued``;
the caller enqueues its transcription after the transaction commits (``AfterCommit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import RecordingReport
from gateway.db.tables import calls, recording_audio, recordings
from gateway.db.upsert import dialect_insert
from gateway.errors import Conflict
from gateway.ids import new_id
from gateway.records import audit
from gateway.records.accounts import find_account_id
from gateway.records.audit import AuditEntry, account_chain

DIALER = "dialer"


@dataclass(frozen=True, slots=True)
class DialerRecording:
    """A recording a core system sent: where its audio is (a URL) or the audio itself."""

    account_ref: str
    external_id: str
    direction: str
    recorded_at: datetime
    url: str | None = None
    audio: bytes | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """The stored recording's id and status; ``created`` is False for a repeat."""

    id: str
    status: str
    created: bool


async def keep_voicemail(
    conn: AsyncConnection, call_id: str, report: RecordingReport
) -> str | None:
    """Keep a voicemail's reference (once per RecordingSid); its id when it is new and has
    audio to transcribe (Twilio says ``absent`` when the caller left silence)."""
    call = (
        await conn.execute(
            select(calls.c.account_id, calls.c.conversation_id).where(calls.c.id == call_id)
        )
    ).first()
    problem = None
    if report.status != "completed":
        problem = f"not transcribed: the recording is {report.status}"
    elif call is None or call.account_id is None:
        problem = "not transcribed: the call belongs to no account"
    recording_id = new_id("rec")
    result = await conn.execute(
        dialect_insert(conn, recordings)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=recording_id,
            provider=report.provider,
            provider_id=report.recording_id,
            call_id=call_id if call is not None else None,
            account_id=call.account_id if call is not None else None,
            conversation_id=call.conversation_id if call is not None else None,
            url=report.url,
            direction="inbound",
            recorded_at=report.at,
            duration_seconds=report.duration,
            status="failed" if problem else "queued",
            error=problem,
            created_at=report.at,
            updated_at=report.at,
        )
    )
    return recording_id if result.rowcount and problem is None else None


async def accept_dialer_recording(
    conn: AsyncConnection, recording: DialerRecording, now: datetime
) -> Accepted:
    """Store a core system's recording once per external id; a repeat returns the first one,
    and the same external id for another account is a Conflict."""
    account_id = await find_account_id(conn, recording.account_ref)
    recording_id = new_id("rec")
    result = await conn.execute(
        dialect_insert(conn, recordings)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=recording_id,
            provider=DIALER,
            provider_id=recording.external_id,
            account_id=account_id,
            url=recording.url,
            direction=recording.direction,
            recorded_at=recording.recorded_at,
            status="queued",
            created_at=now,
            updated_at=now,
        )
    )
    if not result.rowcount:
        return await _existing(conn, account_id, recording.external_id)
    if recording.audio is not None:
        await conn.execute(
            recording_audio.insert().values(
                recording_id=recording_id,
                content_type=recording.content_type or "application/octet-stream",
                data=recording.audio,
            )
        )
    await audit.append(conn, [_received(recording_id, recording, now)])
    return Accepted(recording_id, "queued", True)


def _received(recording_id: str, recording: DialerRecording, now: datetime) -> AuditEntry:
    payload: dict[str, Any] = {
        "recording_id": recording_id,
        "provider": DIALER,
        "direction": recording.direction,
        "upload": recording.audio is not None,
    }
    return AuditEntry(
        account_chain(recording.account_ref), "recording.received", now, payload, recording_id
    )


async def _existing(conn: AsyncConnection, account_id: int, external_id: str) -> Accepted:
    row = (
        await conn.execute(
            select(recordings.c.id, recordings.c.status, recordings.c.account_id).where(
                recordings.c.provider == DIALER, recordings.c.provider_id == external_id
            )
        )
    ).one()
    if row.account_id != account_id:
        raise Conflict(
            "this external_id was already used for another account",
            code="external_id_conflict",
            details=[{"field": "external_id", "message": "already used for another account"}],
        )
    return Accepted(row.id, row.status, False)
