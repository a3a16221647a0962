"""The transcription benchmark's core on a tiny corpus (one voicemail, two utterances): every
part measures and the report renders. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.transcription.__main__ import measure  # noqa: E402
from bench.transcription.measure import VARIANTS  # noqa: E402
from bench.transcription.options import parse_args  # noqa: E402
from bench.transcription.report import report  # noqa: E402


def test_the_transcription_bench_measures_and_reports() -> None:
    results = measure(parse_args(["--quick", "--voicemails", "1", "--utterances", "2"]))

    assert results.problems == []
    assert len(results.job) == len(results.direct) == 1
    assert all(rtf > 0 for rtf in [*results.job, *results.direct, *results.utterance_rtf])
    assert len(results.pairs) == 2
    assert 0 <= results.wer(normalise=False) <= 1
    assert 0 <= results.wer(normalise=True) <= 1
    assert [len(v.chars) for v in results.variants] == [2] * len(VARIANTS)
    assert results.peak_rss_kb >= results.rss_loaded_kb > 0
    text = report(results)
    assert "the job: fetch, decode, transcribe, redact" in text
    assert "Result: ok" in text
