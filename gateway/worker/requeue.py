"""Requeue sweeps: work the database says is due but no job is carrying.

Jobs are lost when Redis was down as the work was recorded, when a worker crashed, or when a job
expired. Every sweep looks only at work older than ``requeue_after_seconds`` (so a fresh job is
not raced) and enqueues under the work's deterministic job id, so work that still has its job is
left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from arq.connections import ArqRedis
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import clock
from gateway.config import Settings
from gateway.db.engine import reading
from gateway.db.tables import messages, outreach
from gateway.messages.statuses import InboundStatus, OutboundStatus
from gateway.outreach.statuses import OutreachStatus
from gateway.worker.jobs import SendJob, enqueue_message, enqueue_sends, enqueue_turn

log = logging.getLogger("parley.requeue")
SWEEP_LIMIT = 5000


async def requeue_outreach(engine: AsyncEngine, redis: ArqRedis, settings: Settings) -> int:
    """Enqueue outreach sends that have no message yet and lost their job."""
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    has_message = exists().where(messages.c.outreach_id == outreach.c.id)
    async with reading(engine) as conn:
        rows = await conn.execute(
            select(outreach.c.id, outreach.c.not_before)
            .where(
                or_(
                    and_(
                        outreach.c.status == OutreachStatus.QUEUED, outreach.c.updated_at < cutoff
                    ),
                    and_(
                        outreach.c.status == OutreachStatus.DEFERRED,
                        outreach.c.not_before < cutoff,
                    ),
                ),
                ~has_message,
            )
            .limit(SWEEP_LIMIT)
        )
        jobs = [SendJob(r.id, r.not_before) for r in rows]
    added = await enqueue_sends(redis, jobs)
    if added:
        log.warning("requeued %d outreach sends that had no job", added)
    return added


async def requeue_messages(engine: AsyncEngine, redis: ArqRedis, settings: Settings) -> int:
    """Enqueue outbound messages due to be sent (or reconciled) and inbound messages waiting
    to be routed or answered (their bot turn does both), whose job was lost."""
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    outbound, inbound = messages.c.direction == "outbound", messages.c.direction == "inbound"
    async with reading(engine) as conn:
        rows = list(
            await conn.execute(
                select(messages.c.id, messages.c.direction, messages.c.not_before)
                .where(
                    or_(
                        and_(
                            outbound,
                            messages.c.status.in_((OutboundStatus.QUEUED, OutboundStatus.SENDING)),
                            messages.c.updated_at < cutoff,
                        ),
                        and_(
                            outbound,
                            messages.c.status == OutboundStatus.DEFERRED,
                            messages.c.not_before < cutoff,
                        ),
                        and_(
                            inbound,
                            messages.c.status.in_((InboundStatus.RECEIVED, InboundStatus.PENDING)),
                            messages.c.updated_at < cutoff,
                        ),
                    )
                )
                .limit(SWEEP_LIMIT)
            )
        )
    added = 0
    for row in rows:
        if row.direction == "inbound":
            added += await enqueue_turn(redis, row.id)
        else:
            added += await enqueue_message(redis, row.id, row.not_before)
    if added:
        log.warning("requeued %d message jobs that had no job", added)
    return added
