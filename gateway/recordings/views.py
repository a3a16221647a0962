"""A recording as the API shows it: status, the redacted transcript with its segments, the
updates it produced and what waits for review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.db.tables import account_updates, accounts, recordings
from gateway.db.tables import transcript_reviews as reviews
from gateway.errors import NotFound
from gateway.records.updates import public_update


async def recording_view(conn: AsyncConnection, recording_id: str) -> dict[str, Any]:
    """The recording's public view; NotFound when there is no such recording."""
    row = (
        await conn.execute(
            select(recordings, accounts.c.account_ref)
            .outerjoin(accounts, accounts.c.id == recordings.c.account_id)
            .where(recordings.c.id == recording_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no recording {recording_id!r}", code="recording_not_found")
    updates = await conn.execute(
        select(account_updates)
        .where(account_updates.c.recording_id == recording_id)
        .order_by(account_updates.c.id)
    )
    pending = await conn.execute(
        select(reviews).where(reviews.c.recording_id == recording_id).order_by(reviews.c.id)
    )
    return {
        "id": row.id,
        "account_ref": row.account_ref,
        "source": "twilio" if row.provider == "twilio" else "dialer",
        "external_id": row.provider_id if row.provider == "dialer" else None,
        "direction": row.direction,
        "recorded_at": iso(row.recorded_at),
        "status": row.status,
        "error": row.error,
        "duration_seconds": row.duration_seconds,
        "confidence": row.confidence,
        "transcript": row.transcript,
        "segments": row.segments or [],
        "conversation_id": row.conversation_id,
        "transcribed_at": iso(row.transcribed_at),
        "updates": [public_update(u, row.account_ref) for u in updates],
        "reviews": [review_view(r) for r in pending],
    }


def review_view(row: Any) -> dict[str, Any]:
    """A review queue entry."""
    return {
        "id": str(row.id),
        "recording_id": row.recording_id,
        "kind": row.kind,
        "data": row.data,
        "confidence": row.confidence,
        "reason": row.reason,
        "excerpt": row.excerpt,
        "status": row.status,
        "update_id": str(row.update_id) if row.update_id is not None else None,
        "agent_id": row.agent_id,
        "created_at": iso(row.created_at),
        "decided_at": iso(row.decided_at),
    }
