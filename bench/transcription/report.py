"""The Markdown report: real-time factors with their ratio, word error rates, the variants."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime

import ctranslate2
import faster_whisper

from bench.stats import median, percentile
from bench.transcription.results import Results
from bench.transcription.wer import normal_words, wer

SHOWN = 110  # characters of a transcript shown


def ratio(value: float, base: float) -> str:
    """``value / base`` as "1.23x" ("-" without a base)."""
    return f"{value / base:.2f}x" if base else "-"


def rtf_row(name: str, values: Sequence[float], base: Sequence[float] | None) -> str:
    """One RTF row: n, median, p95, max and the ratios to ``base``."""
    mid, p95 = median(values), percentile(values, 0.95)
    ratios = "1 | 1"
    if base is not None:
        ratios = f"{ratio(mid, median(base))} | {ratio(p95, percentile(base, 0.95))}"
    top = max(values, default=0.0)
    return f"| {name} | {len(values)} | {mid:.3f} | {p95:.3f} | {top:.3f} | {ratios} |"


def worst(pairs: Sequence[tuple[str, str]], count: int) -> list[str]:
    """The ``count`` utterances with the most normalised errors, as "script → transcript"."""
    ranked = sorted(pairs, key=lambda pair: -wer([pair], True) * len(normal_words(pair[0])))
    return [f"- {script} → {text[:SHOWN]}" for script, text in ranked[:count]]


def report(r: Results) -> str:
    """The Markdown report."""
    audio = sum(r.seconds)
    lines = [
        f"## Voicemail transcription, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, faster-whisper "
        f"{faster_whisper.__version__}, CTranslate2 {ctranslate2.__version__}; tiny.en int8 on "
        f"{r.threads} threads, loaded in {r.load_seconds:.1f} s. Audio: espeak-ng, 8 kHz μ-law "
        "WAV.",
        "",
        f"### Real-time factor: {len(r.seconds)} voicemails, "
        f"{min(r.seconds, default=0):.0f}-{max(r.seconds, default=0):.0f} s, {audio:.0f} s in all",
        "",
        "| path | n | median RTF | p95 RTF | max RTF | median / direct | p95 / direct |",
        "|---|---:|---:|---:|---:|---:|---:|",
        rtf_row("faster-whisper directly on the file (baseline)", r.direct, None),
        rtf_row("the job: fetch, decode, transcribe, redact", r.job, r.direct),
        "",
        f"The job takes {median(r.job) * audio:.1f} s per {audio:.0f} s of voicemail at the "
        "median rate (RTF: seconds of processing per second of audio).",
        "",
        f"### Word error rate: {len(r.pairs)} utterances (median RTF "
        f"{median(r.utterance_rtf):.3f}; a short clip still costs a 30 s window)",
        "",
        "| words | WER |",
        "|---|---:|",
        f"| raw (lower case, no punctuation) | {r.wer(False):.3f} |",
        f"| normalised (numbers and symbols in one form) | {r.wer(True):.3f} |",
        "",
        "Most errors (normalised):",
        *worst(r.pairs, 3),
        "",
        "### Decoding variants on the card-number voicemails (against loops)",
        "",
        "| variant | characters | characters / s | segments | RTF | WER normalised |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {v.name} | {' / '.join(map(str, v.chars))} | "
            f"{' / '.join(f'{c:.1f}' for c in v.chars_per_second)} | "
            f"{' / '.join(map(str, v.segments))} | {' / '.join(f'{x:.3f}' for x in v.rtf)} | "
            f"{f'{wer(v.pairs, True):.3f}' if v.pairs else '-'} |"
            for v in r.variants
        ),
        "",
        "Per variant, the card voicemails' transcripts (first "
        f"{SHOWN} characters; the figures above are the test card / the realistic one):",
        *(f"- {v.name}: {' ‖ '.join(t[:SHOWN] for t in v.texts)}" for v in r.variants),
        "",
        f"RSS of this process with the model loaded: {r.rss_loaded_kb / 1024:.0f} MB; peak: "
        f"{r.peak_rss_kb / 1024:.0f} MB.",
        "",
        "Result: " + ("ok" if not r.problems else "FAILED — " + "; ".join(r.problems)),
    ]
    return "\n".join(lines)
