"""The Markdown report: latencies with their ratios to the baseline, the idle sockets, the
checks, and the verdict against the aim."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime

from bench.agent_events.results import Idle, Run
from bench.stats import median

AIM_P99_MS = 250.0  # webhook on B → event on A


def report(run: Run, args: argparse.Namespace) -> str:
    """The Markdown report: latencies with ratios, the idle sockets, the checks and the aim."""
    return "\n".join([*latency_section(run, args), *idle_section(run.idle), *checks_section(run)])


def latency_section(run: Run, args: argparse.Namespace) -> list[str]:
    """The heading, then every measurement of the rounds and the CPU they took."""
    lat = run.latency
    base = lat.redis
    lines = [
        f"## Agent events across two replicas ({run.database}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, Redis {run.redis_version} "
        f"(the run's own), {args.messages} sequential rounds after {args.warm_up} warm-up, "
        f"{args.conversations} conversations held by an agent.",
        "",
        "| measurement | n | median ms | p99 ms | max ms | lost | errors "
        "| median / baseline | p99 / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for series in lat.all():
        lines.append(
            f"| {series.name} | {len(series.latencies)} | {series.median:.2f} | "
            f"{series.p99:.2f} | {series.max:.2f} | {series.lost} | {series.errors} | "
            f"{ratio(series.median, base.median)} | {ratio(series.p99, base.p99)} |"
        )
    lines += [
        "",
        "The baseline is a bare Redis publish to the bench's own subscriber on the same Redis.",
        f"CPU seconds during the rounds ({run.rounds_seconds:.1f} s of wall time; other work "
        f"used {run.machine_busy:.2f} cores just before): "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.rounds_cpu.items())
        + ".",
        f"Event / B's own answer: Twilio path median "
        f"{ratio(lat.twilio_event.median, lat.twilio_answer.median)}, p99 "
        f"{ratio(lat.twilio_event.p99, lat.twilio_answer.p99)}; core API path median "
        f"{ratio(lat.api_event.median, lat.api_answer.median)}, p99 "
        f"{ratio(lat.api_event.p99, lat.api_answer.p99)}.",
        "",
    ]
    return lines


def idle_section(idle: Idle) -> list[str]:
    """Replica A at rest before and after the idle sockets, and the broadcasts to them."""
    per_socket = (idle.rss_after_kb - idle.rss_before_kb) / idle.sockets if idle.sockets else 0.0
    return [
        f"### {idle.sockets} idle agent sockets on replica A "
        f"(at rest over {idle.seconds:g} s each)",
        "",
        "| replica A | sockets | RSS MB | CPU % of a core |",
        "|---|---:|---:|---:|",
        f"| before | 1 | {idle.rss_before_kb / 1024:.1f} | {idle.cpu_before * 100:.2f} |",
        f"| after | {1 + idle.opened} | {idle.rss_after_kb / 1024:.1f} | "
        f"{idle.cpu_after * 100:.2f} |",
        f"| difference | {idle.opened} | {(idle.rss_after_kb - idle.rss_before_kb) / 1024:.1f} | "
        f"{(idle.cpu_after - idle.cpu_before) * 100:.2f} |",
        "",
        f"RSS per idle socket: {per_socket:.1f} KB. Sockets still open after the idle window "
        f"and the broadcasts: {idle.still_open} of {idle.sockets}.",
        f"Broadcasts (Twilio webhook on B, every socket on A): {idle.fanout_complete} of "
        f"{idle.fanout_sent} reached all {1 + idle.opened} sockets; from the webhook to the first "
        f"socket median {median(idle.first_socket):.1f} ms, to the last median "
        f"{median(idle.last_socket):.1f} ms, max {max(idle.last_socket, default=0.0):.1f} ms.",
        "",
    ]


def checks_section(run: Run) -> list[str]:
    """The checks on the logs and frames, the verdict against the aim, and the result."""
    event = run.latency.twilio_event
    met = event.p99 < AIM_P99_MS and not event.lost
    problems = run.problems
    return [
        f"Checks: {run.log_lines} log lines from the replicas and the worker, "
        f"{run.log_warnings} warnings, {len(run.log_errors)} errors, {run.log_leaks} with a "
        f"phone number or message body; {run.unexpected_frames} socket frames nobody waited for.",
        *(f"  error: {line}" for line in run.log_errors[:5]),
        "",
        f"**Aim (webhook on B → event on A, p99 under {AIM_P99_MS:.0f} ms): "
        f"{'met' if met else 'NOT met'}** — p99 {event.p99:.1f} ms over "
        f"{len(event.latencies)} messages.",
        "Result: " + ("ok" if not problems else "FAILED — " + "; ".join(problems)),
    ]


def ratio(value: float, base: float) -> str:
    """``value / base`` as "12.3x"; "-" without a baseline."""
    return f"{value / base:.1f}x" if base > 0 else "-"
