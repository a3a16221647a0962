"""One database's run: accounts and their history, warm-up, then each phase on both targets.

Each phase (single, batch, evaluate) runs against the baseline first and then the gateway, with
the same client and the same kind of bodies (fresh idempotency keys), after waiting for the
machine to be quiet, with the CPU of every process group counted.
"""

from __future__ import annotations

import random
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from redis.asyncio import Redis

from bench.cpu import Cpu, pids_named, pids_of, quiet
from bench.databases import database, sqlite_files
from bench.intake import consistency
from bench.intake.answers import CHECKERS, gateway_imported
from bench.intake.calls import (
    Call,
    account_calls,
    batch_calls,
    evaluate_calls,
    history_calls,
    single_calls,
)
from bench.intake.consistency import Counts, snapshot_counts
from bench.intake.load import put_accounts, run_calls
from bench.intake.options import Options
from bench.intake.profiler import Profiler
from bench.intake.results import DatabaseRun, PhaseResult
from bench.processes import Server
from bench.progress import log

PHASES = ("single", "batch", "evaluate")
WARM_UP_MAX = 500  # requests per kind; a tenth of the phase, at least 50
WARM_UP_BATCHES = 2


@dataclass(frozen=True, slots=True)
class RunContext:
    """One database's run: its client, both servers, the database and Redis, the accounts."""

    db: str
    options: Options
    session: aiohttp.ClientSession
    baseline: Server
    gateway: Server
    redis: Redis
    url: str  # the database's
    refs: list[str]
    run_id: str  # in idempotency keys, so keys of an earlier run never collide


async def run_database(
    db: str, options: Options, session: aiohttp.ClientSession, baseline: Server, redis: Redis
) -> DatabaseRun:
    """A fresh database and gateway: register the accounts, import history, measure, check."""
    rng = random.Random(options.seed)
    refs = [f"BENCH-{i:05d}" for i in range(options.accounts)]
    await redis.flushdb()
    async with database(db, options.postgres_url) as url:
        with tempfile.TemporaryDirectory(prefix="parley-bench-var-") as var_dir:
            gateway = Server(
                "gateway",
                "--database-url",
                url,
                "--redis-url",
                options.redis_url,
                "--var-dir",
                var_dir,
            )
            try:
                await gateway.ready(session, "/healthz")
                log(f"[{db}] gateway pid {gateway.pid} on {gateway.url}; registering accounts")
                accounts = account_calls(refs, rng)
                await put_accounts(session, gateway.url, accounts, options.concurrency)
                context = RunContext(
                    db, options, session, baseline, gateway, redis, url, refs, uuid.uuid4().hex[:8]
                )
                imported = await import_history(context)
                return await measure(context, imported)
            finally:
                gateway.stop()
                await redis.flushdb()


async def import_history(context: RunContext) -> int:
    """Give every account ~30 days of contact history (one import request per account)."""
    options = context.options
    if not options.history:
        return 0
    calls = history_calls(context.refs, random.Random(options.seed + 2), datetime.now(UTC))
    label = f"[{context.db}] importing contact history"
    log(f"{label}: {sum(c.items for c in calls):,} events for {len(context.refs):,} accounts")
    sent = await run_calls(
        context.session,
        context.gateway.url,
        calls,
        options.import_concurrency,
        gateway_imported,
        label,
    )
    if sent.errors:
        raise RuntimeError(f"{label}: {sent.errors} imports failed: {dict(sent.outcomes)}")
    log(f"{label}: {sent.outcomes['imported']:,} events in {sent.seconds:.1f} s")
    return sent.outcomes["imported"]


def _warm_up_size(measured: int) -> int:
    return min(WARM_UP_MAX, max(measured // 10, 50))


async def warm_up(context: RunContext, rng: random.Random) -> int:
    """Warm both servers up; returns the outreach requests the gateway got."""
    options, refs = context.options, context.refs
    singles = _warm_up_size(options.singles)
    evaluations = _warm_up_size(options.evaluations) if options.evaluations else 0
    batches = WARM_UP_BATCHES if options.batch_items else 0
    log(f"[{context.db}] warm-up: {singles} singles, {batches} batches, {evaluations} evaluations")
    for target in (context.baseline, context.gateway):
        kind, url = target.kind, target.url
        prefix = f"{context.run_id}-{kind}"
        calls = single_calls(f"warm-{prefix}", refs, singles, rng)
        check = CHECKERS["single", kind]
        await run_calls(context.session, url, calls, options.concurrency, check, "warm-up")
        calls = evaluate_calls(refs, evaluations, rng)
        check = CHECKERS["evaluate", kind]
        await run_calls(context.session, url, calls, options.concurrency, check, "warm-up")
        size = options.batch_size
        calls = batch_calls(f"warmb-{prefix}", refs, batches * size, size, rng)
        check = CHECKERS["batch", kind]
        await run_calls(context.session, url, calls, options.batch_concurrency, check, "warm-up")
    return singles + batches * options.batch_size


def _phase_calls(
    phase: str, prefix: str, refs: Sequence[str], size: int, options: Options, rng: random.Random
) -> list[Call]:
    if phase == "single":
        return single_calls(prefix, refs, size, rng)
    if phase == "batch":
        return batch_calls(prefix, refs, size, options.batch_size, rng)
    return evaluate_calls(refs, size, rng)


async def run_phase(
    context: RunContext,
    phase: str,
    target: Server,
    size: int,
    concurrency: int,
    rng: random.Random,
    profiler: Profiler | None = None,
) -> PhaseResult:
    """One phase against one target, with the CPU every process group used meanwhile.

    ``profiler``, if given, records the target during the phase (not while waiting for quiet).
    """
    options = context.options
    prefix = f"{phase}-{context.run_id}-{target.kind}"
    calls = _phase_calls(phase, prefix, context.refs, size, options, rng)
    check = CHECKERS[phase, target.kind]
    label = f"[{context.db}] {target.kind} {phase}"
    log(f"{label}: {len(calls):,} requests, {size:,} items, concurrency {concurrency}")
    background = await quiet(options.quiet_wait, sample_seconds=options.idle_sample_seconds)
    if profiler is not None:
        profiler.start(target.pid, f"{context.db}-{phase}")
    cpu = Cpu(
        {
            "server": pids_of(target.pid),
            "postgres": pids_named("postgres"),
            "redis": pids_named("redis-server"),
        }
    )
    cpu.begin()
    sent = await run_calls(context.session, target.url, calls, concurrency, check, label)
    rounds = 1
    # The baseline is fast: repeat its requests (the bare handler keeps nothing) until it has
    # run long enough to give a stable rate.
    while target is context.baseline and sent.seconds < options.baseline_seconds:
        more = await run_calls(context.session, target.url, calls, concurrency, check, label)
        sent.seconds += more.seconds
        sent.latencies += more.latencies
        sent.errors += more.errors
        sent.outcomes += more.outcomes
        rounds += 1
    used = cpu.end()
    used["before"] = background
    result = PhaseResult(
        target.kind,
        phase,
        len(calls) * rounds,
        size * rounds,
        sent.seconds,
        sent.latencies,
        sent.errors,
        sent.outcomes,
        used,
    )
    log(
        f"{label}: {result.rps:,.1f} req/s, {result.ips:,.1f} items/s, "
        f"p50 {result.percentile(0.5):.1f} ms, p99 {result.percentile(0.99):.1f} ms"
    )
    return result


async def measure(context: RunContext, imported: int) -> DatabaseRun:
    """Warm up, run every phase on the baseline and the gateway, then check the database."""
    options = context.options
    rng = random.Random(options.seed + 1)
    profiler = Profiler(options.py_spy, options.profile_dir)
    sent = await warm_up(context, rng)
    results: list[PhaseResult] = []
    profiles: dict[str, str] = {}
    evaluate_counts: tuple[Counts, Counts] | None = None
    sizes = {
        "single": (options.singles, options.concurrency),
        "batch": (options.batch_items, options.batch_concurrency),
        "evaluate": (options.evaluations, options.concurrency),
    }
    for phase in PHASES:
        size, concurrency = sizes[phase]
        if not size:
            continue
        results.append(await run_phase(context, phase, context.baseline, size, concurrency, rng))
        # A dry run must change nothing: compare the counts around the gateway's phase.
        before = await snapshot_counts(context.url, context.redis) if phase == "evaluate" else None
        results.append(
            await run_phase(context, phase, context.gateway, size, concurrency, rng, profiler)
        )
        if summary := profiler.stop():
            profiles[phase] = summary
        if before is not None:
            evaluate_counts = (before, await snapshot_counts(context.url, context.redis))
        else:
            sent += size  # a dry run creates no outreach
        if files := sqlite_files(context.url):
            log(f"[{context.db}] gateway {phase}: SQLite files now {files}")
    verifying = " and verifying audit chains" if options.verify_audit else ""
    log(f"[{context.db}] counting rows{verifying}")
    checked = await consistency.check(
        context.url, context.redis, sent, imported, evaluate_counts, options.verify_audit
    )
    return DatabaseRun(context.db, results, checked, profiles)
