"""The review queue: what a transcript seemed to say, waiting for an agent to confirm (as heard
or corrected) or discard. Confirming records the account update exactly as a sure finding
would have been, with the agent's id; every decision is audited and the entry is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.agents.directory import Agent
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.store import load_conversation
from gateway.db.tables import accounts, recordings
from gateway.db.tables import transcript_reviews as reviews
from gateway.errors import Conflict, NotFound
from gateway.recordings.heard import record_heard
from gateway.recordings.views import review_view
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain

QUEUE_LIMIT = 200


async def pending_reviews(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Entries waiting for a decision, oldest first, with the account and whole transcript."""
    rows = await conn.execute(
        select(reviews, accounts.c.account_ref, recordings.c.transcript)
        .join(accounts, accounts.c.id == reviews.c.account_id)
        .join(recordings, recordings.c.id == reviews.c.recording_id)
        .where(reviews.c.status == "pending")
        .order_by(reviews.c.created_at, reviews.c.id)
        .limit(QUEUE_LIMIT)
    )
    return [
        review_view(row) | {"account_ref": row.account_ref, "transcript": row.transcript}
        for row in rows
    ]


async def confirm(
    conn: AsyncConnection,
    review_id: int,
    corrections: dict[str, str | None],
    agent: Agent,
    settings: Settings,
    now: datetime,
) -> tuple[dict[str, Any], AfterCommit]:
    """Record the entry's update (its values, with the agent's corrections over them); bad
    values are a ValidationFailed naming the field and change nothing."""
    review = await _pending(conn, review_id)
    conversation = await _conversation(conn, review)
    raw = dict(review.data) | corrections
    status = (
        "corrected" if any(review.data.get(k) != v for k, v in corrections.items()) else "confirmed"
    )
    update_id, after = await record_heard(
        conn,
        conversation,
        recording_id=review.recording_id,
        kind=review.kind,
        raw=raw,
        confidence=review.confidence,
        settings=settings,
        now=now,
        agent_id=agent.id,
    )
    await _decide(conn, review, status, agent, now, update_id)
    return await _view(conn, review_id), after


async def discard(
    conn: AsyncConnection, review_id: int, agent: Agent, now: datetime
) -> dict[str, Any]:
    """Close the entry without recording anything (kept, with who decided)."""
    review = await _pending(conn, review_id)
    await _decide(conn, review, "discarded", agent, now, None)
    return await _view(conn, review_id)


async def _pending(conn: AsyncConnection, review_id: int) -> Any:
    query = select(reviews).where(reviews.c.id == review_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"no review {review_id}", code="review_not_found")
    if row.status != "pending":
        raise Conflict(f"this review was already {row.status}", code="review_decided")
    return row


async def _conversation(conn: AsyncConnection, review: Any) -> Any:
    conversation_id = await conn.scalar(
        select(recordings.c.conversation_id).where(recordings.c.id == review.recording_id)
    )
    if conversation_id is None:
        raise NotFound("the recording has no conversation", code="review_not_found")
    return await load_conversation(conn, conversation_id, lock=True)


async def _decide(
    conn: AsyncConnection,
    review: Any,
    status: str,
    agent: Agent,
    now: datetime,
    update_id: int | None,
) -> None:
    await conn.execute(
        update(reviews)
        .where(reviews.c.id == review.id)
        .values(status=status, agent_id=agent.id, decided_at=now, update_id=update_id)
    )
    ref = await conn.scalar(
        select(accounts.c.account_ref).where(accounts.c.id == review.account_id)
    )
    payload = {
        "review_id": review.id,
        "recording_id": review.recording_id,
        "kind": review.kind,
        "agent_id": agent.id,
        "update_id": update_id,
    }
    entry = AuditEntry(
        account_chain(str(ref)), f"transcript_review.{status}", now, payload, review.recording_id
    )
    await audit.append(conn, [entry])


async def _view(conn: AsyncConnection, review_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(reviews).where(reviews.c.id == review_id))).one()
    return review_view(row)
