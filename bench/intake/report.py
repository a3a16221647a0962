"""The report on stdout (Markdown tables) and the same figures as JSON."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any

import aiohttp

from bench.intake.options import Options
from bench.intake.results import DatabaseRun


def _header(options: Options, started: datetime) -> list[str]:
    history = ", each with ~40 contact events over 30 days" if options.history else ""
    return [
        f"# Parley intake benchmark — {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}",
        f"singles: {options.singles:,} at concurrency {options.concurrency}; batch: "
        f"{options.batch_items:,} items in requests of {options.batch_size:,} at concurrency "
        f"{options.batch_concurrency}; evaluate: {options.evaluations:,} POST /v1/policy/evaluate "
        f"at concurrency {options.concurrency}; {options.accounts:,} accounts{history}; the "
        f"baseline repeats its requests until it has run {options.baseline_seconds:g} s; load "
        f"average at the end {os.getloadavg()[0]:.2f} (other work on the machine shows up here)",
    ]


def _throughput(runs: list[DatabaseRun]) -> list[str]:
    lines = [
        "| database | phase | target | requests/s | items/s | p50 ms | p99 ms "
        "| ratio gateway/baseline | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        base = {r.phase: r for r in run.results if r.target == "baseline"}
        for r in run.results:
            ratio = f"{r.ips / base[r.phase].ips:.3f}" if r.target == "gateway" else "1"
            lines.append(
                f"| {run.db} | {r.phase} | {r.target} | {r.rps:,.1f} | {r.ips:,.0f} "
                f"| {r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {ratio} | {r.errors} |"
            )
    return lines


def _cpu(runs: list[DatabaseRun]) -> list[str]:
    lines = [
        f"CPU seconds used during each phase ({os.cpu_count()} cores: {os.cpu_count()} x wall "
        "seconds available; 'other' is the rest of the machine, i.e. noise; 'idle check' is the "
        "load elsewhere, in cores, just before the phase started):",
        "",
        "| database | phase | target | wall s | server process | server ms/item | postgres "
        "| redis | client | other | idle check |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for r in run.results:
            c = r.cpu
            lines.append(
                f"| {run.db} | {r.phase} | {r.target} | {r.seconds:.1f} | {c['server']:.1f} "
                f"| {c['server'] * 1000 / r.items:.2f} "
                f"| {c['postgres']:.1f} | {c['redis']:.1f} | {c['client']:.1f} | {c['other']:.1f} "
                f"| {c['before']:.2f} |"
            )
    return lines


def _consistency(runs: list[DatabaseRun]) -> list[str]:
    lines = []
    for run in runs:
        s = run.consistency
        answers = "; ".join(
            f"{r.phase} {dict(r.outcomes)}" for r in run.results if r.target == "gateway"
        )
        verdict = "ok" if s.ok else "MISMATCH"
        lines.append(
            f"{run.db}: sanity {verdict} — {s.expected:,} outreach requests sent (warm-up "
            f"included), {s.imported_events:,} contact events imported, rows {s.rows}, "
            f"outreach by status {s.by_status}, {s.jobs:,} jobs queued; "
            f"measured answers: {answers}"
        )
        if s.evaluate_counts is not None:
            before, after = s.evaluate_counts
            lines.append(f"  rows and jobs before the evaluate phase {before}, after {after}")
        for name, ok in s.checks.items():
            if not ok:
                lines.append(f"  FAILED: {name}")
    return lines


def report(runs: list[DatabaseRun], options: Options, started: datetime) -> str:
    """The whole report: throughput and ratios, CPU per phase, checks, py-spy summaries."""
    lines = [*_header(options, started), "", *_throughput(runs), "", *_cpu(runs), ""]
    lines += _consistency(runs)
    for run in runs:
        for phase, summary in run.profiles.items():
            lines += ["", f"## py-spy: gateway process, {run.db}, {phase}", "", summary]
    return "\n".join(lines)


def to_json(runs: list[DatabaseRun]) -> list[dict[str, Any]]:
    """The figures of every phase, and the checks, per database."""
    return [
        {
            "db": run.db,
            "phases": [
                {
                    "target": r.target,
                    "phase": r.phase,
                    "requests": r.requests,
                    "items": r.items,
                    "seconds": r.seconds,
                    "rps": r.rps,
                    "ips": r.ips,
                    "p50_ms": r.percentile(0.5),
                    "p99_ms": r.percentile(0.99),
                    "errors": r.errors,
                    "outcomes": dict(r.outcomes),
                    "cpu": r.cpu,
                }
                for r in run.results
            ],
            "sanity": run.consistency.as_json(),
        }
        for run in runs
    ]
