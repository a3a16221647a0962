"""Twilio's inbound SMS webhook at fixed request rates, against a bare aiohttp handler.

    .venv/bin/python -m bench.twilio_inbound                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.twilio_inbound --databases postgres --seconds 5
    .venv/bin/python -m bench.twilio_inbound --smoke         # seconds: proves it runs

The gateway runs in its own process (``python -m bench._server twilio-gateway``: ``init_app`` as
``parley serve`` builds it, SMS through Twilio) and so does the baseline (``sms-baseline``: the
same route, ``await request.post()``, empty TwiML). This process is the load generator: an
open-loop schedule (request ``i`` is due at ``start + i / rate`` whether or not earlier ones have
answered), so a saturated server shows up as growing latency instead of a politely slower client.
Latency is measured from the due time, which counts the wait behind a saturated server.

Every request is what Twilio sends for an SMS from a debtor: a fresh MessageSid, the From number
of one of the registered accounts, a body that is not a keyword, and ``X-Twilio-Signature``
computed over the public URL (signed before the clock starts). So each request in the gateway
is the webhook's whole path: the signature check, one transaction with the atomic dedupe insert
of the message, and its bot-turn job enqueued in Redis (no worker runs, so nothing is routed).
Printed per rate: achieved requests/s, p50/p99/max latency, errors, and the gateway/baseline p99
ratio; then, per database, whether every webhook the gateway answered is one stored inbound
message (the exit status is 1 if not). Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench._server import TOKEN
from bench.cpu import quiet
from bench.databases import KINDS, REDIS_URL, SMOKE_REDIS_URL, add_database_options, database
from bench.open_loop import Request, Step, open_loop
from bench.portfolio import account_document
from bench.processes import Server
from bench.progress import log
from bench.stats import median
from bench.twilio_sms import SMS_PATH, inbound_sms
from gateway.db.engine import create_engine
from gateway.db.tables import messages

TEXTS = ["can I pay next week", "how much do I owe", "I lost my job", "call me tomorrow", "hi"]
WARM_UP_RATE = 100


@dataclass
class DatabaseRun:
    """Every step on one database, and whether the gateway stored what it answered."""

    steps: list[Step]
    answered: int  # webhooks the gateway answered 200, warm-up included
    stored: int  # inbound messages in its database afterwards

    @property
    def consistent(self) -> bool:
        """Every answered webhook is exactly one stored message."""
        return self.stored == self.answered


def webhook(phone: str, rng: random.Random) -> Request:
    """The form Twilio posts for an SMS from ``phone``, signed over the public URL."""
    return Request(*inbound_sms(phone, rng.choice(TEXTS)))


async def register(
    session: aiohttp.ClientSession, url: str, accounts: int, rng: random.Random
) -> list[str]:
    """Create the accounts; returns their SMS numbers."""
    phones = []
    semaphore = asyncio.Semaphore(16)

    async def put(i: int) -> None:
        document = account_document(i, rng)
        phones.append(document["contacts"][0]["address"])
        async with (
            semaphore,
            session.put(
                f"{url}/v1/accounts/B-{i:05d}",
                json=document,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response,
        ):
            assert response.status in (200, 201), await response.text()

    await asyncio.gather(*(put(i) for i in range(accounts)))
    return phones


async def inbound_messages(url: str) -> int:
    """Inbound messages stored in the database at ``url``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).where(messages.c.direction == "inbound")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def measure(
    kind: str, args: argparse.Namespace, gateway: Server, baseline: Server, redis: Redis
) -> tuple[list[Step], int]:
    """Register the accounts, warm both servers up, then every rate on the baseline and then
    the gateway; returns the steps and the webhooks the gateway answered (warm-up included)."""
    rng = random.Random(7)
    steps: list[Step] = []
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        await gateway.ready(session, "/healthz")
        await baseline.ready(session, SMS_PATH)
        phones = await register(session, gateway.url, args.accounts, rng)
        log(f"{kind}: {len(phones)} accounts registered")
        warm = [webhook(rng.choice(phones), rng) for _ in range(args.warm_up)]
        await open_loop(session, baseline.url + SMS_PATH, warm, WARM_UP_RATE, "warm-up")
        warmed = await open_loop(session, gateway.url + SMS_PATH, warm, WARM_UP_RATE, "warm-up")
        for rate in args.rates:
            count = int(rate * args.seconds)
            for name, server in (("baseline", baseline), ("gateway", gateway)):
                requests = [webhook(rng.choice(phones), rng) for _ in range(count)]
                await quiet(args.quiet_wait, sample_seconds=args.idle_sample_seconds)
                step = await open_loop(session, server.url + SMS_PATH, requests, rate, name)
                steps.append(step)
                log(
                    f"{kind} {name} {rate}/s: {step.throughput:.0f}/s, "
                    f"p50 {step.percentile(0.5):.1f} ms, p99 {step.percentile(0.99):.1f} ms"
                )
            await redis.flushdb()  # the enqueued bot-turn jobs, which no worker takes
    answered = len(warmed.latencies) + sum(len(s.latencies) for s in steps if s.server == "gateway")
    return steps, answered


async def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    """Baseline and gateway at every rate on a fresh database, and what the gateway stored."""
    redis = Redis.from_url(args.redis_url)
    await redis.flushdb()
    try:
        async with database(kind, args.postgres_url) as url:
            with tempfile.TemporaryDirectory(prefix="parley-bench-var-") as var_dir:
                gateway = Server(
                    "twilio-gateway",
                    *("--database-url", url, "--redis-url", args.redis_url, "--var-dir", var_dir),
                )
                baseline = Server("sms-baseline")
                try:
                    steps, answered = await measure(kind, args, gateway, baseline, redis)
                finally:
                    gateway.stop()
                    baseline.stop()
            return DatabaseRun(steps, answered, await inbound_messages(url))
    finally:
        await redis.flushdb()
        await redis.aclose()


def report(results: dict[str, DatabaseRun]) -> str:
    """A Markdown table per database, and the consistency check's verdict."""
    lines = []
    for kind, run in results.items():
        lines += [
            f"### {kind}",
            "",
            "| rate/s | server | achieved/s | p50 ms | p99 ms | max ms | errors | p99 ratio |",
            "|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        baseline_p99: dict[int, float] = {}
        for step in run.steps:
            p99 = step.percentile(0.99)
            ratio = ""
            if step.server == "baseline":
                baseline_p99[step.rate] = p99
            elif baseline_p99.get(step.rate):
                ratio = f"{p99 / baseline_p99[step.rate]:.1f}x"
            lines.append(
                f"| {step.rate} | {step.server} | {step.throughput:.0f} | "
                f"{median(step.latencies) * 1000:.1f} | "
                f"{p99:.1f} | {max(step.latencies, default=0) * 1000:.1f} | {step.errors} | "
                f"{ratio} |"
            )
        verdict = "ok" if run.consistent else "MISMATCH"
        lines += [
            "",
            f"{kind}: consistency {verdict} — {run.answered:,} webhooks answered by the gateway "
            f"(warm-up included), {run.stored:,} inbound messages stored",
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(prog="python -m bench.twilio_inbound")
    parser.add_argument("--databases", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--rates", nargs="+", type=int, default=[50, 100, 200, 300, 400, 600, 800])
    parser.add_argument("--seconds", type=float, default=10.0, help="per rate and server")
    parser.add_argument("--quiet-wait", type=float, default=10.0)
    parser.add_argument("--accounts", type=int, default=1000, help="registered debtors")
    parser.add_argument("--warm-up", type=int, default=300, help="webhooks per server first")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds: 20 accounts, 10 warm-up webhooks, 20/s for 0.5 s, no waiting for "
        f"a quiet machine; proves it runs, times nothing (Redis {SMOKE_REDIS_URL} unless "
        "--redis-url)",
    )
    add_database_options(parser)
    args = parser.parse_args(argv)
    args.idle_sample_seconds = 1.0  # how long the quiet-machine check measures the load
    if args.smoke:
        args.accounts, args.warm_up, args.rates, args.seconds = 20, 10, [20], 0.5
        args.quiet_wait, args.idle_sample_seconds = 0.0, 0.1
    args.redis_url = args.redis_url or (SMOKE_REDIS_URL if args.smoke else REDIS_URL)
    return args


async def main_async(args: argparse.Namespace) -> int:
    """Every database in turn; 0 if the gateway stored exactly what it answered."""
    results: dict[str, DatabaseRun] = {}
    for kind in args.databases:
        results[kind] = await run_database(kind, args)
    print(report(results))
    return 0 if all(run.consistent for run in results.values()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
