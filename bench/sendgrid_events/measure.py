"""One database's run: the servers, the setup, then every rate on the baseline and the gateway."""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from redis.asyncio import Redis

from bench.cpu import Cpu, pids_named, pids_of, quiet
from bench.databases import database
from bench.processes import Server
from bench.progress import log
from bench.sendgrid_events.batches import AFTER, Batcher, EventStream, Signer, sign
from bench.sendgrid_events.consistency import check
from bench.sendgrid_events.load import post_batches
from bench.sendgrid_events.mails import insert_sent, register_accounts
from bench.sendgrid_events.results import DatabaseRun, Measured
from bench.sendgrid_events.webhook import EVENTS_PATH

MIN_SPACING_SECONDS = 0.25  # between two emails' sends
WARM_UP_RATE = 10


async def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    """Baseline and gateway at every rate on a fresh database, then the checks."""
    redis = Redis.from_url(args.redis_url)
    await redis.flushdb()
    try:
        async with database(kind, args.postgres_url) as url:
            with tempfile.TemporaryDirectory(prefix="parley-bench-var-") as var_dir:
                signer = Signer()
                gateway = Server(
                    "sendgrid-gateway",
                    *("--database-url", url, "--redis-url", args.redis_url, "--var-dir", var_dir),
                    *("--sendgrid-public-key", signer.public_key_b64),
                )
                baseline = Server("events-baseline")
                try:
                    run = await measure(kind, args, url, signer, gateway, baseline)
                finally:
                    gateway.stop()
                    baseline.stop()
            run.checks = await check(url, run)
            return run
    finally:
        await redis.flushdb()
        await redis.aclose()


def emails_needed(args: argparse.Namespace) -> tuple[int, float]:
    """Enough emails for every distinct event the gateway gets (five events each), plus those
    whose late events (open, click) the stream has not reached by then; and the seconds between
    two emails' sends (at least a quarter of a second, more for a small run so that the late
    ones are at most a tenth of the emails)."""
    batches: int = args.warm_up + sum(int(rate * args.seconds) for rate in args.rates)
    size: int = args.batch_size
    share: float = args.duplicates
    reached = math.ceil(batches * (size - round(size * share)) / len(AFTER))
    latest = max(after for _, after, _ in AFTER)
    spacing = max(MIN_SPACING_SECONDS, latest / (0.1 * reached))
    return reached + math.ceil(latest / spacing) + 1, spacing


async def measure(
    kind: str,
    args: argparse.Namespace,
    url: str,
    signer: Signer,
    gateway: Server,
    baseline: Server,
) -> DatabaseRun:
    """Set up, warm both servers up, then each rate on the baseline and then the gateway."""
    rng = random.Random(11)
    run = DatabaseRun(kind)
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        await gateway.ready(session, "/healthz")
        await baseline.ready(session, EVENTS_PATH)
        count, spacing = emails_needed(args)
        started = time.monotonic()
        accounts = math.ceil(count / args.emails_per_account)
        await register_accounts(session, gateway.url, accounts, rng)
        # All sent in the past, and every event too (the click 150 s after its email).
        first = datetime.now(UTC) - timedelta(seconds=count * spacing + 3600)
        mails = await insert_sent(url, count, first, spacing)
        run.emails, run.accounts = len(mails), accounts
        log(
            f"{kind}: {accounts:,} accounts registered, {len(mails):,} sent emails written "
            f"({time.monotonic() - started:.0f} s)"
        )
        batcher = Batcher(
            EventStream(mails), args.batch_size, args.duplicates, args.repeat_lag, rng
        )
        warm = batcher.batches(args.warm_up)
        for name, server in (("baseline", baseline), ("gateway", gateway)):
            posted = await post_batches(
                session, server.url + EVENTS_PATH, warm, sign(signer, warm), WARM_UP_RATE, "warm-up"
            )
            if name == "gateway":
                run.add_gateway(posted, warm)
        for rate in args.rates:
            batches = batcher.batches(int(rate * args.seconds))
            for name, server in (("baseline", baseline), ("gateway", gateway)):
                await quiet(args.quiet_wait, sample_seconds=args.idle_sample_seconds)
                headers = sign(signer, batches)
                cpu = Cpu({"server": pids_of(server.pid), "postgres": pids_named("postgres")})
                cpu.begin()
                posted = await post_batches(
                    session, server.url + EVENTS_PATH, batches, headers, rate, name
                )
                used = cpu.end()
                run.steps.append(Measured(posted.step, used))
                if name == "gateway":
                    run.add_gateway(posted, batches)
                step = posted.step
                log(
                    f"{kind} {name} {rate}/s: {step.throughput:.1f}/s, "
                    f"p50 {step.percentile(0.5):.1f} ms, p99 {step.percentile(0.99):.1f} ms, "
                    f"{step.errors} errors" + (f" ({posted.first_error})" if step.errors else "")
                )
    return run
