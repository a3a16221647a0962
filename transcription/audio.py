"""Recordings as Whisper wants them: bytes in any container PyAV (FFmpeg) reads, out as 16 kHz
mono float32 samples.

Telephone audio is the usual input: 8 kHz μ-law WAV from Twilio and the dialers, also 16-bit
PCM WAV and MP3. Whatever cannot be decoded is an ``AudioError``, never a PyAV exception.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt
from faster_whisper import decode_audio

from transcription.errors import AudioError

SAMPLE_RATE = 16_000
# Decoding holds the whole recording in memory (about 200 kB a second at the peak), so a
# compressed file that would expand to hours is refused from its header, before decoding.
MAX_SECONDS = 30 * 60.0

log = logging.getLogger("parley.transcription")


@dataclass(frozen=True, eq=False)
class Audio:
    """A decoded recording: mono float32 samples at 16 kHz, in -1..1 (read-only)."""

    samples: npt.NDArray[np.float32]

    @property
    def duration_seconds(self) -> float:
        """How long the recording lasts."""
        return len(self.samples) / SAMPLE_RATE


def probe(data: bytes) -> str | None:
    """The container's format name (``"wav"``, ``"mp3"``...) if ``data`` holds an audio stream
    PyAV can open, else None. Nothing is decoded."""
    try:
        return _inspect(data)[0]
    except AudioError:
        return None


def decode(data: bytes, *, max_seconds: float = MAX_SECONDS) -> Audio:
    """Decode a recording to 16 kHz mono; ``AudioError`` if it is empty, not audio, holds no
    samples, or lasts longer than ``max_seconds``."""
    started = time.perf_counter()
    name, declared = _inspect(data)
    if declared is not None and declared > max_seconds:
        raise AudioError(f"the {name} audio lasts {declared:.0f} s, over {max_seconds:.0f} s")
    try:
        samples = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except av.FFmpegError as error:
        raise AudioError(f"the {name} audio cannot be decoded: {error}") from None
    samples = np.asarray(samples, dtype=np.float32)
    if samples.size == 0:
        raise AudioError(f"the {name} audio holds no samples")
    if samples.size > max_seconds * SAMPLE_RATE:
        raise AudioError(f"the {name} audio lasts over {max_seconds:.0f} s")
    samples.flags.writeable = False
    log.debug(
        "decoded %s audio: %.1f s in %.0f ms",
        name,
        samples.size / SAMPLE_RATE,
        (time.perf_counter() - started) * 1000,
    )
    return Audio(samples)


def _inspect(data: bytes) -> tuple[str, float | None]:
    """The container's format name and declared duration in seconds (None if it declares
    none); ``AudioError`` unless it opens and holds an audio stream."""
    if not data:
        raise AudioError("the audio is empty")
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"the {container.format.name} data holds no audio stream")
            duration = container.duration
            return container.format.name, None if duration is None else duration / av.time_base
    except av.FFmpegError as error:
        raise AudioError(f"not audio that can be decoded ({error.strerror})") from None
