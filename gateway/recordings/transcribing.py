"""The transcription job of one recording, resumable at every step.

1. Claim: ``queued`` (or a ``transcribing`` left by a crashed worker) becomes ``transcribing``.
2. Unless a transcript is already stored: fetch, decode, transcribe and redact off the event
   loop, and store the redacted transcript in its own short transaction.
3. Read it (spaCy, then Rasa's NLU per sentence) and settle it: updates, review entries, the
   conversation's message, status ``transcribed``; then the after-commit work.
4. Delete the recording at Twilio when asked to (``PARLEY_TWILIO_DELETE_RECORDINGS``).

No transaction is open while the audio is fetched, the model runs or Rasa answers. Fetch
failures and an absent Rasa are retried with backoff; audio that is not audio, or gone, ends
the recording as ``failed`` with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from arq import Retry
from arq.connections import ArqRedis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.rest import Client

from channels.downloads import RecordingFetchError, RecordingGone
from channels.twilio_recordings import delete_recording
from gateway import clock
from gateway.config import Settings
from gateway.conversations.rasa import AssistantUnavailable, RasaClient
from gateway.db.tables import recordings
from gateway.recordings.audio_source import fetcher
from gateway.recordings.outcomes import save_transcript, settle
from gateway.recordings.understanding import Finding, understand
from gateway.worker.jobs import backoff_seconds
from transcription.errors import TranscriptionError
from transcription.pipeline import Pipeline, transcribe
from transcription.transcript import Transcript, TranscriptSegment

if TYPE_CHECKING:
    from transcription.entities import EntityReader

log = logging.getLogger("parley.transcription")
FETCH_TRIES = 8
RETRY_BASE_SECONDS = 5.0
# A recording may take this long to fetch and transcribe: half a minute plus twice its length
# (tiny.en runs at about a tenth of real time on two cores, so only a stuck job reaches it).
BASE_SECONDS = 30
REAL_TIME_ALLOWANCE = 2.0


def time_allowed(duration_seconds: float) -> float:
    """How long the transcription of a recording of this length may take."""
    return BASE_SECONDS + REAL_TIME_ALLOWANCE * duration_seconds


@dataclass(frozen=True, slots=True)
class Transcribing:
    """What the job needs; one per transcription worker process (the models load once)."""

    settings: Settings
    engine: AsyncEngine
    redis: ArqRedis
    http: aiohttp.ClientSession
    pipeline: Pipeline
    reader: EntityReader
    rasa: RasaClient
    twilio: Client | None
    # Where the models run (threads of lower priority); None: the event loop's default.
    executor: Executor | None = None

    async def run(self, recording_id: str, job_try: int) -> str:
        """Transcribe one recording; returns what became of it (for arq's result)."""
        recording = await self._claim(recording_id)
        if recording is None:
            return "done"
        if recording.transcript is None:
            length = recording.duration_seconds or self.settings.recording_max_seconds
            try:
                transcript = await asyncio.wait_for(
                    transcribe(
                        fetcher(recording, self.engine, self.http, self.settings),
                        self.pipeline,
                        self.executor,
                    ),
                    time_allowed(length),
                )
            except TimeoutError:
                return await self._fail(recording_id, "transcription took too long")
            except RecordingFetchError as exc:
                if job_try >= FETCH_TRIES:
                    return await self._fail(recording_id, f"fetch failed: {exc}")
                raise Retry(defer=backoff_seconds(RETRY_BASE_SECONDS, job_try)) from exc
            except (RecordingGone, TranscriptionError) as exc:
                return await self._fail(recording_id, str(exc))
            async with self.engine.begin() as conn:
                await save_transcript(conn, recording_id, transcript, clock.utcnow())
            recording = await self._load(recording_id)
        try:
            findings = await self._understand(recording)
        except AssistantUnavailable as exc:
            log.warning("Rasa could not read a transcript; retrying: %s", exc)
            raise Retry(defer=backoff_seconds(RETRY_BASE_SECONDS, job_try)) from exc
        async with self.engine.begin() as conn:
            recording = await self._load_in(conn, recording_id)
            if recording.status != "transcribing":
                return "done"
            after = await settle(conn, recording, findings, self.settings, clock.utcnow())
        await after.flush(self.redis, self.settings)
        await self._delete_at_provider(recording)
        log.info("recording transcribed (%d updates or reviews)", len(findings))
        return "transcribed"

    async def _understand(self, recording: Any) -> list[Finding]:
        transcript = stored_transcript(recording)
        loop = asyncio.get_running_loop()
        reading = await loop.run_in_executor(self.executor, self.reader.read, transcript.text)
        return await understand(transcript, reading, self.rasa.parse)

    async def _claim(self, recording_id: str) -> Any:
        async with self.engine.begin() as conn:
            claimed = await conn.execute(
                update(recordings)
                .where(
                    recordings.c.id == recording_id,
                    recordings.c.status.in_(("queued", "transcribing")),
                )
                .values(
                    status="transcribing",
                    attempts=recordings.c.attempts + 1,
                    updated_at=clock.utcnow(),
                )
            )
            if not claimed.rowcount:
                return None
            return await self._load_in(conn, recording_id)

    async def _load(self, recording_id: str) -> Any:
        async with self.engine.connect() as conn:
            return await self._load_in(conn, recording_id)

    @staticmethod
    async def _load_in(conn: Any, recording_id: str) -> Any:
        return (await conn.execute(select(recordings).where(recordings.c.id == recording_id))).one()

    async def _fail(self, recording_id: str, reason: str) -> str:
        log.warning("recording not transcribed: %s", reason)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(recordings)
                .where(recordings.c.id == recording_id)
                .values(status="failed", error=reason[:200], updated_at=clock.utcnow())
            )
        return "failed"

    async def _delete_at_provider(self, recording: Any) -> None:
        if recording.provider != "twilio" or self.twilio is None:
            return
        if not self.settings.twilio_delete_recordings:
            return
        try:
            await delete_recording(self.twilio, recording.provider_id)
        except Exception:
            # The transcript is safe; the audio stays at Twilio (provider_deleted_at unset).
            log.exception("could not delete a recording at Twilio")
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(recordings)
                .where(recordings.c.id == recording.id)
                .values(provider_deleted_at=clock.utcnow())
            )


def stored_transcript(recording: Any) -> Transcript:
    """The transcript as stored (redacted) with its segments."""
    segments = tuple(
        TranscriptSegment(s["start"], s["end"], s["text"], s["confidence"])
        for s in recording.segments or ()
    )
    return Transcript(segments, float(recording.duration_seconds or 0))
