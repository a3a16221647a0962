"""Requeue sweeps: work the database says is due but no job is carrying."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from gateway import clock
from gateway.config import Settings
from gateway.conversations.inbound import (
    BOT_TURN,
    RECEIVED,
    ROUTE_INBOUND,
    route_job_id,
    turn_job_id,
)
from gateway.conversations.replies import SEND_MESSAGE, message_job_id
from gateway.db.tables import messages, outreach
from gateway.worker.jobs import SendJob, enqueue_sends

log = logging.getLogger("parley.worker.requeue")
SWEEP_LIMIT = 5000


async def requeue_stale(ctx: dict[str, Any]) -> int:
    """Enqueue sends whose job was lost (Redis down at intake, a crashed worker, expiry).

    Job ids are deterministic, so a send that still has its job is left alone.
    """
    settings: Settings = ctx["settings"]
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    async with ctx["engine"].connect() as conn:
        rows = await conn.execute(
            select(outreach.c.id, outreach.c.not_before)
            .where(
                or_(
                    and_(
                        outreach.c.status.in_(("queued", "sending")), outreach.c.updated_at < cutoff
                    ),
                    and_(outreach.c.status == "deferred", outreach.c.not_before < cutoff),
                )
            )
            .limit(SWEEP_LIMIT)
        )
        jobs = [SendJob(r.id, r.not_before) for r in rows]
    added = await enqueue_sends(ctx["redis"], jobs)
    if added:
        log.warning("requeued %d sends that had no job", added)
    return added


async def requeue_conversations(ctx: dict[str, Any]) -> int:
    """Enqueue routing, bot turns and conversation sends whose job was lost.

    An inbound message still ``received`` or ``pending`` (or a reply still ``queued``) well
    after it was stored has no live job: Redis was down when it arrived, or the job expired.
    """
    settings: Settings = ctx["settings"]
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    async with ctx["engine"].connect() as conn:
        rows = list(
            await conn.execute(
                select(messages.c.id, messages.c.direction, messages.c.status)
                .where(
                    or_(
                        and_(
                            messages.c.direction == "inbound",
                            messages.c.status.in_(("pending", RECEIVED)),
                        ),
                        and_(
                            messages.c.direction == "outbound",
                            messages.c.outreach_id.is_(None),
                            messages.c.status.in_(("queued", "sending")),
                        ),
                    ),
                    messages.c.updated_at < cutoff,
                )
                .limit(SWEEP_LIMIT)
            )
        )
    redis = ctx["redis"]
    added = 0
    for row in rows:
        if row.status == RECEIVED:
            job = await redis.enqueue_job(ROUTE_INBOUND, row.id, _job_id=route_job_id(row.id))
        elif row.direction == "inbound":
            job = await redis.enqueue_job(BOT_TURN, row.id, _job_id=turn_job_id(row.id))
        else:
            job = await redis.enqueue_job(SEND_MESSAGE, row.id, _job_id=message_job_id(row.id))
        added += job is not None
    if added:
        log.warning("requeued %d conversation jobs that had no job", added)
    return added
