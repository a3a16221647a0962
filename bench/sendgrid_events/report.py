"""The report: a table per database, the headline at 50 batches/s, and the checks."""

from __future__ import annotations

import argparse

from bench.sendgrid_events.results import DatabaseRun
from bench.stats import median

HEADLINE_RATE = 50  # batches/s; the highest rate run when it is not one of them


def report(runs: list[DatabaseRun], args: argparse.Namespace) -> str:
    """Markdown: per database, each rate on both servers; then the headline and the checks."""
    lines = [
        f"Batches of {args.batch_size} events ({round(args.batch_size * args.duplicates)} of them "
        f"repeats), {args.seconds:g} s per rate and server.",
        "",
    ]
    headlines = []
    headline_rate = HEADLINE_RATE if HEADLINE_RATE in args.rates else max(args.rates)
    for run in runs:
        lines += [
            f"### {run.kind}",
            "",
            "| rate/s | server | achieved/s | p50 ms | p99 ms | max ms | errors | p99 ratio "
            "| server CPU ms/batch | PostgreSQL CPU s | other load, cores |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        baseline_p99: dict[int, float] = {}
        for measured in run.steps:
            step = measured.step
            p99 = step.percentile(0.99)
            ratio = ""
            if step.server == "baseline":
                baseline_p99[step.rate] = p99
            elif baseline_p99.get(step.rate):
                ratio = f"{p99 / baseline_p99[step.rate]:.1f}x"
                if step.rate == headline_rate:
                    headlines.append(f"{run.kind} {p99:.1f} ms ({ratio} the bare handler's)")
            per_batch = measured.cpu["server"] * 1000 / max(1, len(step.latencies))
            postgres = f"{measured.cpu['postgres']:.1f}" if run.kind == "postgres" else "-"
            # Everything but the server, the client (and PostgreSQL, on its own database).
            other = measured.cpu["other"] + (
                0 if run.kind == "postgres" else measured.cpu["postgres"]
            )
            lines.append(
                f"| {step.rate} | {step.server} | {step.throughput:.1f} | "
                f"{median(step.latencies) * 1000:.1f} | {p99:.1f} | "
                f"{max(step.latencies, default=0) * 1000:.1f} | {step.errors} | {ratio} | "
                f"{per_batch:.1f} | {postgres} | {other / step.seconds:.2f} |"
            )
        facts = ", ".join(f"{value:,} {name}" for name, value in run.facts.items())
        outcomes = ", ".join(f"{n:,} {k}" for k, n in sorted(run.outcomes.items()))
        lines += [
            "",
            f"{run.kind}: {run.emails:,} sent emails to {run.accounts:,} accounts set up; {facts}.",
        ]
        lines.append(f"{run.kind}: the gateway's answers: {outcomes}.")
        for name, passed in run.checks.items():
            lines.append(f"{run.kind}: {'ok' if passed else 'FAILED'} — {name}")
        lines.append("")
    if headlines:
        lines.append(f"p99 at {headline_rate} batches/s: " + "; ".join(headlines) + ".")
    return "\n".join(lines)
