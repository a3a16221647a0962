"""The one writer of an outbound message's status: each change goes on the message's timeline,
and a message of an outreach brings the outreach along (``gateway.outreach.progress``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import messages, timeline
from gateway.messages.statuses import OutboundStatus
from gateway.outreach import progress


class MessageRef(Protocol):
    """What a transition needs of a message row."""

    @property
    def id(self) -> str: ...

    @property
    def outreach_id(self) -> str | None: ...


async def move(
    conn: AsyncConnection,
    message: MessageRef,
    status: OutboundStatus,
    at: datetime,
    *,
    step: str | None = None,
    detail: dict[str, Any] | None = None,
    only_from: Collection[OutboundStatus] | None = None,
    **columns: Any,
) -> bool:
    """Set a message's status (and ``columns``) and record the step on its timeline.

    With ``only_from`` the status changes only from those statuses (a status report may have
    moved the message further already); the step is recorded either way, since it happened.
    A ``decision`` or ``not_before`` among ``columns`` is copied to the outreach. Returns
    whether the status changed.
    """
    query = update(messages).where(messages.c.id == message.id)
    if only_from is not None:
        query = query.where(messages.c.status.in_([str(s) for s in only_from]))
    changed = bool(
        (await conn.execute(query.values(status=status, updated_at=at, **columns))).rowcount
    )
    await record_step(conn, message, step or status, at, detail)
    if changed and message.outreach_id is not None:
        copied = {k: v for k, v in columns.items() if k in {"decision", "not_before"}}
        await progress.follow(conn, message.outreach_id, status, at, **copied)
    return changed


async def record_step(
    conn: AsyncConnection,
    message: MessageRef,
    step: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add a step to the message's timeline (and its outreach's) without changing its status."""
    await conn.execute(
        timeline.insert().values(
            outreach_id=message.outreach_id,
            message_id=message.id,
            status=step,
            at=at,
            detail=detail,
        )
    )
