"""The transcription worker: its own arq queue and process (``parley worker --queue
transcription``), so sends and bot turns never wait behind a recording.

It runs few jobs at once (``PARLEY_TRANSCRIPTION_MAX_JOBS``, default 1, on
``PARLEY_TRANSCRIPTION_THREADS`` threads, default 1), loads faster-whisper and spaCy once per
process on start-up in threads of lower CPU priority (``PARLEY_TRANSCRIPTION_NICE``, see
``speech_threads``), and sweeps recordings whose job was lost (Redis down when they arrived, a
worker killed mid-job) back onto the queue.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from arq import Worker, cron, func
from arq.connections import ArqRedis, RedisSettings
from sqlalchemy import select

from gateway import clock
from gateway.config import Settings
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine, reading
from gateway.db.migrate import ensure_migrated
from gateway.db.tables import recordings
from gateway.messages.providers import twilio_client
from gateway.recordings.transcribing import Transcribing, time_allowed
from gateway.worker import jobs
from gateway.worker.deps import job_try

log = logging.getLogger("parley.transcription")
SWEEP_LIMIT = 500


async def transcribe_recording(ctx: dict[str, Any], recording_id: str) -> str:
    """Transcribe one recording and record what it said."""
    transcribing = ctx["transcribing"]
    assert isinstance(transcribing, Transcribing)
    return await transcribing.run(recording_id, job_try(ctx))


async def sweep_recordings(ctx: dict[str, Any]) -> int:
    """Enqueue recordings waiting (or stuck mid-job) longer than ``requeue_after_seconds``."""
    transcribing = ctx["transcribing"]
    assert isinstance(transcribing, Transcribing)
    settings = transcribing.settings
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    async with reading(transcribing.engine) as conn:
        due = await conn.scalars(
            select(recordings.c.id)
            .where(
                recordings.c.status.in_(("queued", "transcribing")),
                recordings.c.updated_at < cutoff,
            )
            .limit(SWEEP_LIMIT)
        )
        ids = list(due)
    added = 0
    for recording_id in ids:
        added += await jobs.enqueue_transcription(transcribing.redis, recording_id)
    if added:
        log.warning("requeued %d recordings that had no job", added)
    return added


async def on_startup(ctx: dict[str, Any]) -> None:
    """Load the models and open the database, the HTTP session and the Twilio client."""
    ctx["transcribing"] = await open_transcribing(ctx["settings"], ctx["redis"])


async def on_shutdown(ctx: dict[str, Any]) -> None:
    """Close what on_startup opened."""
    transcribing = ctx.get("transcribing")
    if isinstance(transcribing, Transcribing):
        await transcribing.http.close()
        await transcribing.engine.dispose()
        if transcribing.executor is not None:
            transcribing.executor.shutdown(wait=False, cancel_futures=True)


async def open_transcribing(settings: Settings, redis: ArqRedis) -> Transcribing:
    """The job's dependencies, with the models loaded (once per process)."""
    # Imported here: only this worker loads the speech stack (and its memory).
    from gateway.recordings.speech_models import load_speech_models, speech_threads

    engine = create_engine(settings.database_url)
    await ensure_migrated(engine)
    executor = speech_threads(settings.transcription_max_jobs, settings.transcription_nice)
    loop = asyncio.get_running_loop()
    pipeline, reader = await loop.run_in_executor(executor, load_speech_models, settings)
    http = ClientSession()
    twilio = None
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = twilio_client(settings, http)
    return Transcribing(
        settings=settings,
        engine=engine,
        redis=redis,
        http=http,
        pipeline=pipeline,
        reader=reader,
        rasa=RasaClient(http, str(settings.rasa_url), settings.rasa_timeout_seconds),
        twilio=twilio,
        executor=executor,
    )


def transcription_options(settings: Settings) -> dict[str, Any]:
    """Everything arq's ``Worker`` takes for the transcription queue."""
    return {
        "functions": (func(transcribe_recording, name=jobs.TRANSCRIBE_RECORDING, max_tries=1000),),
        "cron_jobs": (cron(sweep_recordings, second={10, 40}, run_at_startup=True, unique=True),),
        "queue_name": jobs.TRANSCRIPTION_QUEUE,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "keep_result": 60,
        # The longest recording's allowance (each job also has its own): a worker killed mid-job
        # leaves its job to run again once this has passed, so it is kept no longer than that.
        "job_timeout": time_allowed(settings.recording_max_seconds),
        "max_jobs": settings.transcription_max_jobs,
        "poll_delay": 0.2,
        "redis_settings": RedisSettings.from_dsn(settings.redis_dsn),
        "ctx": {"settings": settings},
    }


def create_transcription_worker(settings: Settings, **overrides: Any) -> Worker:
    """A transcription worker for these settings (tests pass ``burst=True``)."""
    return Worker(**(transcription_options(settings) | overrides))
