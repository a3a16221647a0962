"""The Markdown report: the chat against Rasa alone with ratios, where a turn's time goes, the
idle sockets, the logs, and the verdict."""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime

import aiohttp

from bench.agent_events.report import ratio
from bench.portal_chat.measure import HANDSHAKES_AT_ONCE
from bench.portal_chat.results import Results
from bench.stats import median, percentile


def row(name: str, values: Sequence[float], base: Sequence[float] | None, lost: int = 0) -> str:
    """One latency row: n, median, p95, max, lost, and the ratios to ``base``."""
    mid, p95 = median(values), percentile(values, 0.95)
    ratios = "1 | 1"
    if base is not None:
        ratios = f"{ratio(mid, median(base))} | {ratio(p95, percentile(base, 0.95))}"
    return (
        f"| {name} | {len(values)} | {mid:.1f} | {p95:.1f} | {max(values, default=0.0):.1f} | "
        f"{lost} | {ratios} |"
    )


def report(r: Results, args: argparse.Namespace) -> str:
    """The Markdown report."""
    per_socket = (r.rss_after_kb - r.rss_before_kb) / r.opened if r.opened else 0.0
    added = (
        median(r.chat) - median(r.direct),
        percentile(r.chat, 0.95) - percentile(r.direct, 0.95),
    )
    lines = [
        f"## Portal chat ({r.database}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, aiohttp "
        f"{aiohttp.__version__}; gateway, two workers, Rasa and the action server as processes.",
        "",
        f"### A chat turn against Rasa alone ({r.turns} turns each, interleaved, over "
        f"{args.conversations} conversations, after {args.conversations + args.warm_up} warm-up)",
        "",
        "| path | n | median ms | p95 ms | max ms | lost | median / Rasa | p95 / Rasa |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("Rasa's REST webhook (baseline)", r.direct, None),
        row("chat: message → assistant's answer", r.chat, r.direct, len(r.lost)),
        row("chat: message → ack (stored, routed)", r.ack, r.direct),
        row("chat: message → typing on", r.typing, r.direct),
        "",
        f"The chat adds {added[0]:.1f} ms at the median and {added[1]:.1f} ms at p95 "
        f"({r.latency_seconds:.0f} s of turns). Distinct answers: {len(r.bodies)}.",
        "",
        "Where a chat turn's time goes (medians; the workers' log has milliseconds):",
        "",
        "| stage | n | median ms | p95 ms |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {len(ms)} | {median(ms):.1f} | {percentile(ms, 0.95):.1f} |"
            for name, ms in r.stages.items()
        ),
        "",
        f"### {r.sockets} idle chat sockets on one gateway process "
        f"(at rest over {r.idle_seconds:g} s each)",
        "",
        "| gateway process | sockets | RSS MB | CPU % of a core |",
        "|---|---:|---:|---:|",
        f"| without sockets (baseline) | 0 | {r.rss_before_kb / 1024:.1f} | "
        f"{r.cpu_without * 100:.2f} |",
        f"| with the sockets | {r.opened} | {r.rss_after_kb / 1024:.1f} | {r.cpu_with * 100:.2f} |",
        f"| difference | {r.opened} | {(r.rss_after_kb - r.rss_before_kb) / 1024:+.1f} | "
        f"{(r.cpu_with - r.cpu_without) * 100:+.2f} |",
        f"| ratio with / without | | {ratio(r.rss_after_kb, r.rss_before_kb)} | "
        f"{ratio(r.cpu_with, r.cpu_without)} |",
        "",
        f"RSS per socket: **{per_socket:.1f} KiB**; after closing them all: "
        f"{r.rss_closed_kb / 1024:.1f} MB. Other work used {r.machine_busy:.2f} cores just "
        "before the baseline.",
        f"{r.signed_in} sessions signed in over HTTP in "
        f"{r.sessions_seconds:.1f} s ({r.signed_in / max(r.sessions_seconds, 1e-9):.1f}/s, "
        f"{args.concurrency} at a time); {r.opened} sockets connected in "
        f"{r.connect_seconds:.1f} s ({HANDSHAKES_AT_ONCE} at a time; handshake to state frame "
        f"median {median(r.connect_ms):.1f} ms, max {max(r.connect_ms, default=0.0):.1f} ms).",
        f"Open after the idle window: {r.open_after_idle} of {r.opened}; at the end: "
        f"{r.open_at_end} of {r.opened}"
        + (f" (close codes {r.close_codes})" if r.close_codes else "")
        + ".",
        "Round trips on one socket with all open: "
        + ", ".join(
            f"{t.reply * 1000:.0f} ms" if t.reply is not None else f"LOST ({t.error})"
            for t in r.live
        )
        + " (the first is its conversation's first turn: Rasa starts a session).",
        "",
        f"The gateway's and workers' logs: {r.log_lines} lines, {len(r.log_warnings)} warnings, "
        f"{len(r.log_errors)} errors.",
        *(f"  warning: {text}" for text in sorted(set(r.log_warnings))[:5]),
        *(f"  error: {text}" for text in sorted(set(r.log_errors))[:5]),
        *(f"  failure: {text[:200]}" for text in r.failures[:5]),
        "",
        "Result: " + ("ok" if not r.problems else "FAILED — " + "; ".join(r.problems)),
    ]
    return "\n".join(lines)
