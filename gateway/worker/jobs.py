"""Enqueueing send jobs on arq's queue, one at a time or thousands in one round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from arq.constants import default_queue_name, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.asyncio import Redis

from gateway import clock

SEND_OUTREACH = "send_outreach"
# arq drops a job that has not started this long after its scheduled time; the worker's
# requeue sweep picks the outreach up again from the database if that ever happens.
JOB_EXPIRY_MS = 86_400_000

# Same semantics as ArqRedis.enqueue_job (an existing job or result with that id wins),
# but for a whole batch in one atomic round trip instead of two per job.
_ENQUEUE_MANY = """
local added = 0
for i = 1, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('EXISTS', KEYS[2] .. id, KEYS[3] .. id) == 0 then
    redis.call('PSETEX', KEYS[2] .. id, ARGV[i + 2], ARGV[i + 3])
    redis.call('ZADD', KEYS[1], ARGV[i + 1], id)
    added = added + 1
  end
end
return added
"""


@dataclass(frozen=True, slots=True)
class SendJob:
    """A send of one outreach, not before the given instant (None: now)."""

    outreach_id: str
    not_before: datetime | None = None

    @property
    def job_id(self) -> str:
        # Deterministic: re-enqueueing the same send is a no-op, a new deferral is a new job.
        if self.not_before is None:
            return f"send:{self.outreach_id}"
        return f"send:{self.outreach_id}:{int(self.not_before.timestamp())}"


async def enqueue_sends(redis: Redis, jobs: Sequence[SendJob]) -> int:
    """Put send jobs on the queue (existing job ids are left alone); returns how many were new."""
    if not jobs:
        return 0
    now_ms = int(clock.utcnow().timestamp() * 1000)
    argv: list[str | int | bytes] = []
    for job in jobs:
        score = int(job.not_before.timestamp() * 1000) if job.not_before else now_ms
        payload = serialize_job(SEND_OUTREACH, (job.outreach_id,), {}, None, now_ms)
        argv += [job.job_id, score, max(score - now_ms, 0) + JOB_EXPIRY_MS, payload]
    keys = [default_queue_name, job_key_prefix, result_key_prefix]
    return int(await redis.eval(_ENQUEUE_MANY, len(keys), *keys, *argv))  # type: ignore[arg-type,misc]
