"""The requeue sweep: outreach that the database says is due but no job is carrying."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from gateway import clock
from gateway.db.tables import outreach
from gateway.queue import SendJob, enqueue_sends
from gateway.settings import Settings

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
