"""Every change of an outreach's status after intake: it follows its message, or fails to render.

Intake inserts an outreach as queued, deferred or blocked; from then on this module is the only
writer of ``outreach.status``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import outreach, timeline
from gateway.messages.statuses import OutboundStatus
from gateway.outreach.statuses import OutreachStatus

# The outreach contract knows no "undelivered": the message did not reach the consumer.
FOR_MESSAGE = {
    OutboundStatus.QUEUED: OutreachStatus.QUEUED,
    OutboundStatus.DEFERRED: OutreachStatus.DEFERRED,
    OutboundStatus.SENDING: OutreachStatus.SENDING,
    OutboundStatus.SENT: OutreachStatus.SENT,
    OutboundStatus.DELIVERED: OutreachStatus.DELIVERED,
    OutboundStatus.UNDELIVERED: OutreachStatus.FAILED,
    OutboundStatus.FAILED: OutreachStatus.FAILED,
    OutboundStatus.BLOCKED: OutreachStatus.BLOCKED,
    OutboundStatus.UNKNOWN: OutreachStatus.UNKNOWN,
}


async def follow(
    conn: AsyncConnection,
    outreach_id: str,
    message_status: OutboundStatus,
    at: datetime,
    **columns: Any,
) -> None:
    """Bring the outreach to where its message is (``decision``/``not_before`` when decided)."""
    await conn.execute(
        update(outreach)
        .where(outreach.c.id == outreach_id)
        .values(status=FOR_MESSAGE[message_status], updated_at=at, **columns)
    )


async def fail_unrendered(
    conn: AsyncConnection, outreach_id: str, at: datetime, code: str, message: str
) -> None:
    """The template could not be rendered for this account: the outreach fails, no message."""
    await conn.execute(
        update(outreach)
        .where(outreach.c.id == outreach_id)
        .values(status=OutreachStatus.FAILED, updated_at=at)
    )
    await conn.execute(
        timeline.insert().values(
            outreach_id=outreach_id,
            status=OutreachStatus.FAILED,
            at=at,
            detail={"code": code, "message": message},
        )
    )
