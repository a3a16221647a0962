"""The transcription-load benchmark's core with tiny numbers, against the session's bot stack (a
second Rasa would cost a minute): turns are answered in both phases, every recording is
transcribed, the processes' memory is read and the report renders. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

from stack import BotStack

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.transcription_load.measure import measure  # noqa: E402
from bench.transcription_load.options import Workload  # noqa: E402
from bench.transcription_load.report import report  # noqa: E402


async def test_the_transcription_load_bench_measures_on_a_running_stack(
    bot_stack: BotStack,
) -> None:
    # Accounts and numbers of our own: the stack is shared with the other end-to-end tests.
    workload = Workload(
        turns=10,
        rate=2.0,
        recordings=5,
        conversations=3,
        quiet_wait=0.0,
        account_prefix="TLSMOKE-",
        phone_prefix="+16465559",
    )

    results = await measure(bot_stack, workload)

    for phase in (results.baseline, results.load):
        assert len(phase.turns) == workload.turns
        assert phase.lost == 0
        assert all(ms > 0 for ms in phase.latencies), phase.latencies
        assert 0 < phase.p(0.5) <= phase.p(0.95) <= phase.p(0.99)
        assert phase.stages
        assert phase.cpu
    transcription = results.transcription
    assert transcription.posted == transcription.transcribed == workload.recordings
    assert transcription.statuses == {"transcribed": workload.recordings}
    assert 5 * workload.recordings <= transcription.audio_seconds <= 15 * workload.recordings
    assert transcription.per_second > 0
    assert transcription.audio_per_second > 0
    assert len(transcription.queued_ms) == workload.recordings
    for name in ("transcriber", "worker-1", "gateway"):
        assert results.rss_start_kb[name] > 0
        assert results.peak_kb[name] >= results.rss_max_kb["under load"][name] > 0
    assert results.exited == []
    assert results.problems == []
    assert "p99" in report(results, workload)
