"""The queue's contract: every job's name and id, how work is enqueued, and retry backoff.

Every enqueue names its queue: the transcription worker's Redis pool defaults to its own queue,
and an update it records must still reach the worker that delivers it.

Job ids are deterministic, so enqueueing the same work twice is a no-op and a requeue sweep can
enqueue whatever the database says is due without racing a job that still exists. Enqueueing
happens after the work's transaction committed; when Redis fails there, the work is logged and
left to the sweeps (``gateway.worker.requeue``), never lost.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from arq.connections import ArqRedis
from arq.constants import default_queue_name, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.asyncio import Redis

from gateway import clock

SEND_OUTREACH = "send_outreach"
SEND_MESSAGE = "send_message"
BOT_TURN = "bot_turn"
DELIVER_UPDATE = "deliver_update"
TRANSCRIBE_RECORDING = "transcribe_recording"
# Transcription has its own queue and worker process, so a backlog of recordings never delays
# a send or a bot turn.
TRANSCRIPTION_QUEUE = "parley:transcription"

# arq drops a job that has not started this long after its scheduled time; the requeue sweeps
# pick the work up again from the database if that ever happens.
JOB_EXPIRY_MS = 86_400_000
MAX_BACKOFF_SECONDS = 3600.0


def backoff_seconds(base_seconds: float, job_try: int) -> float:
    """Exponential backoff from ``base_seconds`` with 10 % jitter, capped at an hour."""
    base = min(base_seconds * 2 ** (job_try - 1), MAX_BACKOFF_SECONDS)
    return float(base * (1 + random.random() / 10))


def _timed(prefix: str, key: object, not_before: datetime | None) -> str:
    # A deferral is a new job; the same deferral enqueued twice is the same job.
    if not_before is None:
        return f"{prefix}:{key}"
    return f"{prefix}:{key}:{int(not_before.timestamp())}"


def outreach_job_id(outreach_id: str, not_before: datetime | None = None) -> str:
    """The send of an outreach that has no message yet."""
    return _timed("send", outreach_id, not_before)


def message_job_id(message_id: str, not_before: datetime | None = None) -> str:
    """The send of one outbound message."""
    return _timed("msg", message_id, not_before)


def turn_job_id(message_id: str) -> str:
    """One bot turn per inbound message; whichever runs first answers every pending one."""
    return f"turn:{message_id}"


def transcription_job_id(recording_id: str) -> str:
    """The transcription of one recording."""
    return f"transcribe:{recording_id}"


def deliver_job_id(update_id: int) -> str:
    """The delivery of one account update to the core system."""
    return f"deliver:{update_id}"


@dataclass(frozen=True, slots=True)
class SendJob:
    """A send of one outreach, not before the given instant (None: now)."""

    outreach_id: str
    not_before: datetime | None = None

    @property
    def job_id(self) -> str:
        """Its deterministic arq job id."""
        return outreach_job_id(self.outreach_id, self.not_before)


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


async def enqueue_sends(redis: Redis, jobs: Sequence[SendJob]) -> int:
    """Put outreach sends on the queue (existing job ids are left alone); returns how many
    were new. Raises when Redis fails: intake logs it and the sweep catches up."""
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


async def enqueue_message(
    redis: ArqRedis,
    message_id: str,
    not_before: datetime | None = None,
    *,
    retry_in: float | None = None,
) -> bool:
    """Enqueue the send of one outbound message: deferred to ``not_before``, or a retry in
    ``retry_in`` seconds; True if it was new."""
    # arq schedules by the real clock and refuses a time long past (a sweep after an outage).
    due = not_before if not_before is not None and not_before > datetime.now(UTC) else None
    job = await redis.enqueue_job(
        SEND_MESSAGE,
        message_id,
        _job_id=message_job_id(message_id, not_before),
        _defer_until=due,
        _defer_by=retry_in,
        _queue_name=default_queue_name,
    )
    return job is not None


async def enqueue_turn(redis: ArqRedis, message_id: str) -> bool:
    """Enqueue the bot turn of an inbound message; True if it was new."""
    job = await redis.enqueue_job(
        BOT_TURN, message_id, _job_id=turn_job_id(message_id), _queue_name=default_queue_name
    )
    return job is not None


async def enqueue_delivery(redis: ArqRedis, update_id: int) -> bool:
    """Enqueue the delivery of an account update; True if it was new."""
    job = await redis.enqueue_job(
        DELIVER_UPDATE, update_id, _job_id=deliver_job_id(update_id), _queue_name=default_queue_name
    )
    return job is not None


async def enqueue_transcription(
    redis: ArqRedis, recording_id: str, *, retry_in: float | None = None
) -> bool:
    """Enqueue the transcription of a recording on its own queue; True if it was new."""
    job = await redis.enqueue_job(
        TRANSCRIBE_RECORDING,
        recording_id,
        _job_id=transcription_job_id(recording_id),
        _queue_name=TRANSCRIPTION_QUEUE,
        _defer_by=retry_in,
    )
    return job is not None
