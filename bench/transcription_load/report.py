"""The Markdown report: bot turns under load against the baseline with ratios and the goal,
where the turns' time went, the transcription's throughput, memory and CPU, and the verdict."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime

import aiohttp

from bench.stats import median, percentile
from bench.transcription_load.options import Workload
from bench.transcription_load.processes import TRANSCRIBER
from bench.transcription_load.results import Phase, Results

GOAL = 1.2  # p99 under load at most this many times the baseline's
QUANTILES = (0.5, 0.95, 0.99)
MEMORY_ROWS = (
    (TRANSCRIBER, "transcription worker"),
    ("worker-1", "default worker 1"),
    ("worker-2", "default worker 2"),
    ("gateway", "gateway"),
    ("rasa", "Rasa"),
)


def times(value: float, base: float) -> str:
    """``value / base`` as "1.23x"; "-" without a baseline."""
    return f"{value / base:.2f}x" if base > 0 else "-"


def busy(phase: Phase) -> float:
    """Cores the rest of the machine used during ``phase``'s turns, on average."""
    return phase.cpu.get("other", 0.0) / phase.seconds if phase.seconds else 0.0


def mb(kb: int) -> str:
    """kB as MB with one decimal."""
    return f"{kb / 1024:.1f}"


def turn_row(phase: Phase) -> str:
    """One phase's latency row: n, lost, p50, p95, p99, max, late starts."""
    quantiles = " | ".join(f"{phase.p(q):.1f}" for q in QUANTILES)
    late = sum(turn.waited_ms > 100 for turn in phase.turns)
    return (
        f"| {phase.name} | {len(phase.latencies)} | {phase.lost} | {quantiles} | "
        f"{max(phase.latencies, default=0.0):.1f} | {late} |"
    )


def turns(r: Results, workload: Workload) -> list[str]:
    """The bot-turn tables: both phases, their ratio, the goal and the stages."""
    base, load, during = r.baseline, r.load, r.during
    ratios = [" | ".join(times(p.p(q), base.p(q)) for q in QUANTILES) for p in (load, during)]
    stages = dict.fromkeys(name for row in [*base.stages, *load.stages] for name in row)
    met = ["met" if 0 < r.p99_ratio(p) <= GOAL else "NOT met" for p in (load, during)]
    return [
        f"### Bot turns: {workload.turns} per phase at {workload.rate:g}/s, each phase over "
        f"{workload.conversations} conversations of its own",
        "",
        "| phase | answered | lost | p50 ms | p95 ms | p99 ms | max ms | started late |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        turn_row(base),
        turn_row(load),
        turn_row(during),
        f"| ratio under load / baseline | | | {ratios[0]} | | |",
        f"| ratio answered before the last was done / baseline | | | {ratios[1]} | | |",
        "",
        f"Goal, p99 under load ≤ {GOAL:g}x the baseline: **{met[0]}** "
        f"({r.p99_ratio(load):.2f}x; {met[1]}, {r.p99_ratio(during):.2f}x, counting only the "
        f"{len(during.turns)} turns answered before the last recording was transcribed). "
        f"A turn is an inbound SMS to its reply recorded as sent; it counts from when it was due "
        f"(started late: waited over 100 ms for a conversation with no turn in flight). "
        f"Other work on the machine used {base.machine_busy:.2f} and {load.machine_busy:.2f} "
        f"cores just before each phase, {busy(base):.2f} and {busy(load):.2f} during it.",
        "",
        "| stage (ms) | baseline p50 | p95 | under load p50 | p95 |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {median(base.stage(name)):.1f} | {percentile(base.stage(name), 0.95):.1f}"
            f" | {median(load.stage(name)):.1f} | {percentile(load.stage(name), 0.95):.1f} |"
            for name in stages
        ),
    ]


def transcription(r: Results) -> list[str]:
    """The recordings' throughput."""
    t = r.transcription
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(t.kinds.items()))
    return [
        "### Transcription during the load phase",
        "",
        f"{t.posted} voicemails ({kinds}), {t.audio_seconds:.0f} s of 8 kHz μ-law audio "
        f"({t.audio_seconds / max(t.posted, 1):.1f} s each on average), each on an account of "
        f"its own, posted in {t.post_seconds:.1f} s. Statuses at the end: {t.statuses}.",
        "",
        "| first POST → last transcribed | recordings/s | audio s per wall s | POST → "
        "transcribed, median | max |",
        "|---:|---:|---:|---:|---:|",
        f"| {t.wall_seconds:.1f} s | {t.per_second:.3f} | {t.audio_per_second:.2f} | "
        f"{median(t.queued_ms) / 1000:.1f} s | {max(t.queued_ms, default=0.0) / 1000:.1f} s |",
        "",
        f"The warm-up recording (before the phases) took {r.warm_up_seconds:.1f} s.",
    ]


def memory(r: Results) -> list[str]:
    """The processes' resident memory."""
    return [
        "### Resident memory (sampled every 0.5 s; peak = VmHWM over the process's life)",
        "",
        "| process | RSS before the phases MB | max baseline MB | max under load MB | peak MB |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {label} | {mb(r.rss_start_kb.get(name, 0))} | "
            f"{mb(r.rss_max_kb.get('baseline', {}).get(name, 0))} | "
            f"{mb(r.rss_max_kb.get('under load', {}).get(name, 0))} | "
            f"{mb(r.peak_kb.get(name, 0))} |"
            for name, label in MEMORY_ROWS
        ),
    ]


def cpu(r: Results) -> list[str]:
    """CPU seconds per process group in each phase's turns (the load phase's posts included)."""
    groups = list(r.baseline.cpu) or list(r.load.cpu)
    return [
        "### CPU seconds during each phase's turns (each core gives 1 s per wall second)",
        "",
        "| phase | wall s | " + " | ".join(groups) + " |",
        "|---|---:|" + "---:|" * len(groups),
        *(
            f"| {p.name} | {p.seconds:.1f} | "
            + " | ".join(f"{p.cpu.get(g, 0.0):.1f}" for g in groups)
            + " |"
            for p in (r.baseline, r.load)
        ),
    ]


def report(r: Results, workload: Workload) -> str:
    """The Markdown report."""
    lines = [
        f"## Bot turns while voicemails are transcribed ({r.database}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, aiohttp "
        f"{aiohttp.__version__}; gateway, two default workers, the transcription worker, Rasa "
        "and the action server as processes.",
        "",
        *turns(r, workload),
        "",
        *transcription(r),
        "",
        *memory(r),
        "",
        *cpu(r),
        "",
        "Result: " + ("ok" if not r.problems else "FAILED — " + "; ".join(r.problems)),
    ]
    return "\n".join(lines)
