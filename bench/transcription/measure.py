"""The three parts: real-time factor against faster-whisper alone, word error rate, and the
decoding variants on the card-number voicemails."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TypeVar

from bench.progress import log
from bench.transcription.corpus import Clip
from bench.transcription.results import Results, Variant
from transcription.audio import decode
from transcription.errors import TranscriptionError
from transcription.pipeline import Pipeline
from transcription.speech import Decoding, Transcriber

T = TypeVar("T")
DEFAULT = Decoding()
# faster-whisper as the issue first ran it, each bound alone, then all of them (the default).
UNBOUNDED = replace(
    DEFAULT,
    repetition_penalty=1.0,
    max_new_tokens=None,
    compression_ratio_threshold=None,
    max_chars_per_second=None,
)
VARIANTS = (
    UNBOUNDED,
    replace(UNBOUNDED, max_chars_per_second=DEFAULT.max_chars_per_second),
    replace(UNBOUNDED, compression_ratio_threshold=DEFAULT.compression_ratio_threshold),
    replace(UNBOUNDED, max_new_tokens=DEFAULT.max_new_tokens),
    replace(UNBOUNDED, repetition_penalty=DEFAULT.repetition_penalty),
    DEFAULT,
    replace(DEFAULT, repetition_penalty=1.2),
)


def job(pipeline: Pipeline, clip: Clip) -> tuple[str, int]:
    """The worker's job on one recording: fetch (its file's bytes), then the pipeline (decode,
    transcribe, redact); the redacted text and its number of segments."""
    transcript = pipeline.run(clip.path.read_bytes())
    return transcript.text, len(transcript.segments)


def unredacted(transcriber: Transcriber, clip: Clip) -> tuple[str, int]:
    """What the model itself wrote (redaction would hide a runaway loop of digits)."""
    segments = transcriber.transcribe(decode(clip.path.read_bytes()))
    return " ".join(s.text for s in segments), len(segments)


def direct(transcriber: Transcriber, clip: Clip) -> str:
    """faster-whisper alone on the file, with the job's options, every segment consumed."""
    segments, _ = transcriber.model.transcribe(str(clip.path), **transcriber.options)
    return "".join(segment.text for segment in segments).strip()


def timed(clip: Clip, work: Callable[[], T]) -> tuple[float, T]:
    """``work()``'s real-time factor on ``clip`` (seconds taken per second of audio), and its
    result."""
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) / clip.seconds, result


def variant_name(decoding: Decoding) -> str:
    """A decoding setting in a few words."""
    bounds = [
        f"penalty {decoding.repetition_penalty:g}",
        f"max_new_tokens {decoding.max_new_tokens or 'off'}",
        f"loop filter {'on' if decoding.compression_ratio_threshold else 'off'}",
        f"cap {f'{decoding.max_chars_per_second:g}/s' if decoding.max_chars_per_second else 'off'}",
    ]
    return ", ".join(bounds) + (" (default)" if decoding == DEFAULT else "")


def speed(pipeline: Pipeline, clips: list[Clip], results: Results) -> None:
    """Each voicemail through the job and through faster-whisper alone, alternating which goes
    first."""
    for i, clip in enumerate(clips):
        try:
            job_first = i % 2 == 0
            if not job_first:
                results.direct.append(timed(clip, partial(direct, pipeline.transcriber, clip))[0])
            job_rtf, (text, _) = timed(clip, partial(job, pipeline, clip))
            results.job.append(job_rtf)
            if job_first:
                results.direct.append(timed(clip, partial(direct, pipeline.transcriber, clip))[0])
        except TranscriptionError as error:
            results.failures.append(f"{clip.name}: {error}")
            continue
        results.seconds.append(clip.seconds)
        check_cap(clip, text, results)
        log(
            f"  {clip.name}: {clip.seconds:.1f} s, RTF job {job_rtf:.3f}, direct "
            f"{results.direct[-1]:.3f}"
        )


def accuracy(pipeline: Pipeline, clips: list[Clip], results: Results) -> None:
    """The job on each utterance: its transcript against its script."""
    for clip in clips:
        try:
            rtf, (text, _) = timed(clip, partial(job, pipeline, clip))
        except TranscriptionError as error:
            results.failures.append(f"{clip.name}: {error}")
            continue
        results.utterance_rtf.append(rtf)
        results.pairs.append((clip.script, text))
        check_cap(clip, text, results)
    log(
        f"  {len(results.pairs)} utterances: WER {results.wer(False):.3f} raw, "
        f"{results.wer(True):.3f} normalised"
    )


def variants(
    transcriber: Transcriber, cards: list[Clip], utterances: list[Clip], results: Results
) -> None:
    """Each decoding variant on the card voicemails, and on ``utterances`` (may be none)."""
    for decoding in VARIANTS:
        tuned = transcriber.tuned(decoding)
        variant = Variant(variant_name(decoding))
        for clip in cards:
            rtf, (text, segments) = timed(clip, partial(unredacted, tuned, clip))
            variant.chars.append(len(text))
            variant.chars_per_second.append(len(text) / clip.seconds)
            variant.segments.append(segments)
            variant.rtf.append(rtf)
            variant.texts.append(text)
        variant.pairs = [(c.script, unredacted(tuned, c)[0]) for c in utterances]
        results.variants.append(variant)
        log(f"  {variant.name}: {variant.chars} characters")


def check_cap(clip: Clip, text: str, results: Results) -> None:
    """Note a default-decoding transcript longer than the default's own cap allows."""
    per_second = DEFAULT.max_chars_per_second or float("inf")
    if len(text) > max(DEFAULT.min_chars, per_second * clip.seconds):
        results.over_cap.append(f"{clip.name}: {len(text)} characters in {clip.seconds:.1f} s")
