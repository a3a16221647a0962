"""One recording's whole job, as a pure function of its bytes: decode, transcribe, redact.

The gateway hands over a ``fetch`` callable, so this package does no provider I/O; the CPU-bound
part runs in a thread (CTranslate2 releases the GIL), so the worker's event loop stays free.
Redaction happens here, before any text leaves the package: nothing downstream (database,
logs, Rasa) ever sees what was removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from transcription.audio import decode
from transcription.redaction import redact_parts
from transcription.transcript import SEPARATOR, Transcript, TranscriptSegment

if TYPE_CHECKING:
    from transcription.speech import Transcriber

__all__ = ["Pipeline", "Transcript", "TranscriptSegment", "transcribe"]


class Pipeline:
    """Decode, transcribe and redact with one loaded model (one per worker process)."""

    def __init__(self, transcriber: Transcriber, max_seconds: float) -> None:
        self.transcriber = transcriber
        self._max_seconds = max_seconds

    def run(self, data: bytes) -> Transcript:
        """The redacted transcript of one recording's bytes; AudioError when they are not
        audio or last longer than allowed. CPU-bound: call it in a thread."""
        audio = decode(data, max_seconds=self._max_seconds)
        heard = [s for s in self.transcriber.transcribe(audio) if s.text.strip()]
        texts = redact_parts([s.text.strip() for s in heard], SEPARATOR)
        segments = tuple(
            TranscriptSegment(round(s.start, 2), round(s.end, 2), text, round(s.confidence, 4))
            for s, text in zip(heard, texts, strict=True)
        )
        return Transcript(segments, round(audio.duration_seconds, 2))


async def transcribe(
    fetch: Callable[[], Awaitable[bytes]], pipeline: Pipeline, executor: Executor | None = None
) -> Transcript:
    """Fetch a recording with the caller's ``fetch`` and run the pipeline off the event loop,
    in ``executor`` (default: the loop's)."""
    data = await fetch()
    return await asyncio.get_running_loop().run_in_executor(executor, pipeline.run, data)
