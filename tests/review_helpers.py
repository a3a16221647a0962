"""A pending transcript review, seeded in the database, for the review queue's API and browser
tests (a transcribed dialer recording in a voice conversation of its own, and what it seemed to
say)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.conversations.store import open_conversation
from gateway.db.engine import create_engine
from gateway.db.tables import accounts, recordings
from gateway.db.tables import transcript_reviews as reviews
from gateway.ids import new_id

TRANSCRIPT = "Hi, this is Dana calling back. I can pay $200 on the 25th. Bye."
EXCERPT = "I can pay $200 on the 25th."


async def seed_review(
    database_url: str,
    *,
    at: datetime,
    data: dict[str, Any],
    recording_id: str | None = None,
    ref: str = "A-1",
    kind: str = "promise_to_pay",
    reason: str = "low_confidence",
) -> str:
    """The review's id as the API shows it."""
    recording_id = recording_id or new_id("rec")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            account_id = await conn.scalar(
                select(accounts.c.id).where(accounts.c.account_ref == ref)
            )
            conversation_id = await open_conversation(
                conn,
                account_id=account_id,
                channel="voice",
                address=None,
                now=at,
                last_inbound_at=at,
            )
            await conn.execute(
                recordings.insert().values(
                    id=recording_id,
                    provider="dialer",
                    provider_id=recording_id,
                    account_id=account_id,
                    conversation_id=conversation_id,
                    status="transcribed",
                    transcript=TRANSCRIPT,
                    created_at=at,
                    updated_at=at,
                )
            )
            inserted = await conn.execute(
                reviews.insert()
                .values(
                    recording_id=recording_id,
                    account_id=account_id,
                    kind=kind,
                    data=data,
                    confidence=0.42,
                    reason=reason,
                    excerpt=EXCERPT,
                    status="pending",
                    created_at=at,
                )
                .returning(reviews.c.id)
            )
            return str(inserted.scalar_one())
    finally:
        await engine.dispose()
