"""Speech to text with faster-whisper (tiny.en, int8, on the CPU), bounded and deterministic.

Whisper's failure modes on voicemail are loops ("1, 1, 1, ..." on a card number, a hundred
times) and words made up from silence or line noise. Against both:

- Silero VAD (faster-whisper's bundled ONNX file) keeps only the speech; audio without any
  decodes nothing.
- Greedy decoding at temperature 0 only, without the previous window's text as a prompt, so the
  same audio gives the same text and one window's loop does not seed the next.
- A repetition penalty, and at most ``max_new_tokens`` per 30-second window.
- A window whose no-speech probability is high and whose words are improbable is dropped, as
  Whisper does (faster-whisper applies the two thresholds).
- A segment whose text compresses too well (Whisper's loop test) has its repeated runs cut
  short; Whisper would retry with sampling, which is not deterministic.
- A hard cap on characters per second of speech: once reached, decoding stops (later windows
  are not decoded at all) and the text is cut at a word.

faster-whisper computes a recording's whole spectrogram at once, about 1 MB per second of audio
at the peak (600 s: 880 MB), so a long recording is transcribed in pieces of at most
``piece_seconds``, each cut at its quietest tenth of a second near the limit.

Nothing logged here holds transcript text: only counts and timings.
"""

from __future__ import annotations

import copy
import logging
import math
import re
import time
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions

from transcription.audio import SAMPLE_RATE, Audio
from transcription.errors import ModelError
from transcription.models import default_whisper_model

# Without them faster-whisper would look the model up on the Hugging Face Hub.
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")

# A loop: one piece (a word, "1, ", "-1") over MAX_REPEATS times in a row. Spoken digits repeat
# too ("one one one one" in a card number), so a run is cut, never dropped.
MAX_REPEATS = 8
_REPEATED = re.compile(rf"(.{{1,24}}?)\1{{{MAX_REPEATS},}}", re.DOTALL)

log = logging.getLogger("parley.transcription")


@dataclass(frozen=True)
class Vad:
    """Silero VAD settings (faster-whisper's ``VadOptions``)."""

    threshold: float = 0.5
    min_speech_duration_ms: int = 250  # a click or a breath is not a word
    min_silence_duration_ms: int = 1000
    speech_pad_ms: int = 300


@dataclass(frozen=True)
class Decoding:
    """How to decode; the defaults are the ones measured by ``python -m bench.transcription``.

    ``repetition_penalty`` 1.1 stops the loops at no cost in word error rate (1.2 does too, and
    drops more digits). None lifts a bound (to measure what it does): ``max_new_tokens``, the
    loop filter (``compression_ratio_threshold``) or the hard cap (``max_chars_per_second``).
    """

    beam_size: int = 1
    repetition_penalty: float = 1.1
    max_new_tokens: int | None = 224  # half of Whisper's 448; a dense 30 s window needs ~150
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float | None = 2.4
    max_chars_per_second: float | None = 25.0  # fast speech is ~20 a second, digits fewer
    min_chars: int = 40  # the cap's floor, so a short clip is never cut
    piece_seconds: float = 120.0  # a 120 s piece peaks at ~390 MB, the model included
    vad: Vad = field(default_factory=Vad)

    def __post_init__(self) -> None:
        if self.piece_seconds < 1:
            raise ValueError(f"piece_seconds must be at least 1, not {self.piece_seconds}")


@dataclass(frozen=True)
class Segment:
    """A stretch of transcript: times in seconds from the start of the recording."""

    start: float
    end: float
    text: str
    confidence: float  # exp(average log-probability of its tokens), 0..1
    no_speech_prob: float


def whisper_options(decoding: Decoding) -> dict[str, Any]:
    """The keyword arguments of faster-whisper's ``WhisperModel.transcribe`` for ``decoding``."""
    return {
        "language": "en",
        "task": "transcribe",
        "beam_size": decoding.beam_size,
        "temperature": [0.0],  # a fallback to sampling would make the text vary between runs
        "repetition_penalty": decoding.repetition_penalty,
        "max_new_tokens": decoding.max_new_tokens,
        "no_speech_threshold": decoding.no_speech_threshold,
        "log_prob_threshold": decoding.log_prob_threshold,
        # Checked per segment in _bounded: with one temperature, faster-whisper's own check
        # has nothing to fall back to.
        "compression_ratio_threshold": None,
        "condition_on_previous_text": False,
        "vad_filter": True,
        "vad_parameters": VadOptions(**asdict(decoding.vad)),
    }


class Transcriber:
    """One loaded Whisper model (about 100 MB). ``transcribe`` blocks on the CPU for 0.05 to 0.1 s
    per second of audio on 2 threads: call it from a worker thread or process, one call at a
    time per instance."""

    def __init__(
        self, model: Path | None = None, *, threads: int = 2, decoding: Decoding | None = None
    ) -> None:
        path = model or default_whisper_model()
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise ModelError(f"{path} is not a faster-whisper model: no {', '.join(missing)}")
        started = time.perf_counter()
        self.decoding = decoding or Decoding()
        self.options = whisper_options(self.decoding)
        self.model = WhisperModel(
            str(path), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1
        )
        log.info("whisper model loaded in %.0f ms", (time.perf_counter() - started) * 1000)

    def tuned(self, decoding: Decoding) -> Transcriber:
        """A transcriber on the same loaded model that decodes with ``decoding`` instead."""
        twin = copy.copy(self)
        twin.decoding, twin.options = decoding, whisper_options(decoding)
        return twin

    def transcribe(self, audio: Audio) -> list[Segment]:
        """The speech in ``audio``, as segments in time order; none for silence or noise."""
        started = time.perf_counter()
        segments: list[Segment] = []
        speech, capped = 0.0, 0
        for start, end in _pieces(audio.samples, self.decoding.piece_seconds):
            # Lazy: the VAD has run, but each window is decoded only when _bounded asks for it.
            found, info = self.model.transcribe(audio.samples[start:end], **self.options)
            budget = self._budget(info.duration_after_vad)
            heard, cut = _bounded(found, self.decoding, budget, start / SAMPLE_RATE)
            segments += heard
            speech += info.duration_after_vad
            capped += cut
        log.info(
            "transcribed %.1f s (%.1f s of speech) into %d segments, %d characters%s in %.0f ms",
            audio.duration_seconds,
            speech,
            len(segments),
            sum(len(s.text) for s in segments),
            f", {capped} pieces capped" if capped else "",
            (time.perf_counter() - started) * 1000,
        )
        return segments

    def _budget(self, speech_seconds: float) -> float:
        """How many characters the speech may give."""
        per_second = self.decoding.max_chars_per_second
        if per_second is None:
            return math.inf
        return max(self.decoding.min_chars, per_second * speech_seconds)


def _pieces(samples: npt.NDArray[np.float32], seconds: float) -> list[tuple[int, int]]:
    """Where to cut ``samples`` into pieces of at most ``seconds`` (start, end sample): each cut
    at the quietest tenth of a second of the piece's last few seconds, between words."""
    size, frame = int(seconds * SAMPLE_RATE), SAMPLE_RATE // 10
    search = min(5 * SAMPLE_RATE, size // 2) // frame * frame
    cuts = [0]
    while len(samples) - cuts[-1] > size:
        end = cuts[-1] + size
        energy = np.square(samples[end - search : end].reshape(-1, frame)).sum(axis=1)
        cuts.append(end - search + int(np.argmin(energy)) * frame)
    return list(zip(cuts, [*cuts[1:], len(samples)], strict=True))


def _bounded(
    found: Iterable[Any], decoding: Decoding, budget: float, offset: float
) -> tuple[list[Segment], bool]:
    """faster-whisper's segments of a piece starting at ``offset`` seconds, loops cut, until
    ``budget`` characters; and whether the budget ran out (decoding then stops: the windows
    after it are never decoded)."""
    segments: list[Segment] = []
    used = 0
    for raw in found:
        text = _unloop(str(raw.text).strip(), decoding)
        if not text:
            continue
        if used + len(text) > budget:
            cut = _cut(text, int(budget - used))
            if cut:
                segments.append(_segment(raw, cut, offset))
            return segments, True
        used += len(text) + 1
        segments.append(_segment(raw, text, offset))
    return segments, False


def _unloop(text: str, decoding: Decoding) -> str:
    """``text`` with its loops cut, if it compresses as only a loop does (Whisper's test): each
    run of one piece repeated over ``MAX_REPEATS`` times is cut to ``MAX_REPEATS``; if it still
    compresses that well, nothing ("" drops the segment)."""
    threshold = decoding.compression_ratio_threshold
    if threshold is None or _compression_ratio(text) <= threshold:
        return text
    text = _REPEATED.sub(lambda run: run[1] * MAX_REPEATS, text).strip()
    return "" if _compression_ratio(text) > threshold else text


def _compression_ratio(text: str) -> float:
    """How much zlib shrinks ``text``: about 1.5 for speech, far more for a loop."""
    data = text.encode()
    return len(data) / len(zlib.compress(data))


def _cut(text: str, limit: int) -> str:
    """``text`` (longer than ``limit``) cut to at most ``limit`` characters, at a space when
    there is one."""
    head = text[: max(0, limit)]
    return (head.rsplit(" ", 1)[0] if " " in head else head).strip()


def _segment(raw: Any, text: str, offset: float) -> Segment:
    """Our segment from faster-whisper's, in a piece starting at ``offset`` seconds."""
    return Segment(
        start=offset + float(raw.start),
        end=offset + float(raw.end),
        text=text,
        confidence=min(1.0, max(0.0, math.exp(float(raw.avg_logprob)))),
        no_speech_prob=float(raw.no_speech_prob),
    )
