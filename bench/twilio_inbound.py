"""Twilio's inbound SMS webhook at fixed request rates, against a bare aiohttp handler.

    .venv/bin/python -m bench.twilio_inbound                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.twilio_inbound --databases postgres --seconds 5

The gateway runs in its own process (``python -m bench._server twilio-gateway``: ``init_app`` as
``parley serve`` builds it, SMS through Twilio) and so does the baseline (``sms-baseline``: the
same route, ``await request.post()``, empty TwiML). This process is the load generator: an
open-loop schedule (request ``i`` is due at ``start + i / rate`` whether or not earlier ones have
answered), so a saturated server shows up as growing latency instead of a politely slower client.
Latency is measured from the due time, which counts the wait behind a saturated server.

Every request is what Twilio sends for an SMS from a debtor: a fresh MessageSid, the From number
of one of 1,000 registered accounts, a body that is not a keyword, and ``X-Twilio-Signature``
computed over the public URL (signed before the clock starts). So each request in the gateway
is the whole webhook path: signature check, atomic dedupe insert, the sender's account and
conversation, contact history and audit rows, commit, and the bot turn enqueued in Redis (no
worker runs, so no turn is taken). Printed per rate: achieved requests/s, p50/p99/max latency,
errors, and the gateway/baseline p99 ratio. Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from redis.asyncio import Redis

from bench._server import PUBLIC_URL, TOKEN, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN
from bench.intake import REDIS_URL, Server, account_document, database, log, quiet
from channels.twilio_signature import SIGNATURE_HEADER, compute_signature

PATH = "/webhooks/twilio/sms"
ACCOUNTS = 1000
TEXTS = ["can I pay next week", "how much do I owe", "I lost my job", "call me tomorrow", "hi"]


@dataclass(frozen=True)
class Request:
    """One signed webhook, ready to send."""

    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Step:
    """The outcome of one rate on one server."""

    server: str
    rate: int
    sent: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def webhook(phone: str, rng: random.Random) -> Request:
    """The form Twilio posts for an SMS from ``phone``, signed over the public URL."""
    sid = "SM" + uuid.uuid4().hex
    form = {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": rng.choice(TEXTS),
        "From": phone,
        "FromCountry": "US",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": "+13125550000",
        "ToCountry": "US",
    }
    signature = compute_signature(TWILIO_AUTH_TOKEN, PUBLIC_URL + PATH, form)
    return Request(form, {SIGNATURE_HEADER: signature})


async def open_loop(
    session: aiohttp.ClientSession, url: str, requests: Sequence[Request], rate: int, name: str
) -> Step:
    """Send ``requests`` at ``rate`` per second on schedule; latency counts from the due time."""
    latencies: list[float] = []
    errors = 0

    async def one(request: Request, due: float) -> None:
        nonlocal errors
        try:
            async with session.post(url, data=request.form, headers=request.headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
                    return
        except aiohttp.ClientError:
            errors += 1
            return
        latencies.append(time.perf_counter() - due)

    tasks = []
    start = time.perf_counter() + 0.05
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    return Step(name, rate, len(requests), time.perf_counter() - start, latencies, errors)


async def register(session: aiohttp.ClientSession, url: str, rng: random.Random) -> list[str]:
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

    await asyncio.gather(*(put(i) for i in range(ACCOUNTS)))
    return phones


async def run_database(kind: str, args: argparse.Namespace) -> list[Step]:
    """Baseline and gateway at every rate, on one database."""
    rng = random.Random(7)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    steps: list[Step] = []
    async with database(kind) as url:
        gateway = Server(
            "twilio-gateway",
            "--database-url",
            url,
            "--redis-url",
            REDIS_URL,
            "--var-dir",
            f"/tmp/parley-bench-twilio-{uuid.uuid4().hex[:8]}",  # noqa: S108 - a throwaway dir
        )
        baseline = Server("sms-baseline")
        connector = aiohttp.TCPConnector(limit=256)
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                await gateway.ready(session, "/healthz")
                await baseline.ready(session, PATH)
                phones = await register(session, gateway.url, rng)
                log(f"{kind}: {len(phones)} accounts registered")
                warm = [webhook(rng.choice(phones), rng) for _ in range(300)]
                for server in (baseline, gateway):
                    await open_loop(session, server.url + PATH, warm, 100, "warm-up")
                for rate in args.rates:
                    count = int(rate * args.seconds)
                    for name, server in (("baseline", baseline), ("gateway", gateway)):
                        requests = [webhook(rng.choice(phones), rng) for _ in range(count)]
                        await quiet(args.quiet_wait)
                        step = await open_loop(session, server.url + PATH, requests, rate, name)
                        steps.append(step)
                        log(
                            f"{kind} {name} {rate}/s: {step.throughput:.0f}/s, "
                            f"p50 {step.percentile(0.5):.1f} ms, p99 {step.percentile(0.99):.1f} ms"
                        )
                    await redis.flushdb()  # the enqueued bot turns, which no worker takes
        finally:
            gateway.stop()
            baseline.stop()
            await redis.flushdb()
            await redis.aclose()
    return steps


def report(results: dict[str, list[Step]]) -> str:
    """A Markdown table per database."""
    lines = []
    for kind, steps in results.items():
        lines += [
            f"### {kind}",
            "",
            "| rate/s | server | achieved/s | p50 ms | p99 ms | max ms | errors | p99 ratio |",
            "|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        baseline_p99: dict[int, float] = {}
        for step in steps:
            p99 = step.percentile(0.99)
            ratio = ""
            if step.server == "baseline":
                baseline_p99[step.rate] = p99
            elif baseline_p99.get(step.rate):
                ratio = f"{p99 / baseline_p99[step.rate]:.1f}x"
            lines.append(
                f"| {step.rate} | {step.server} | {step.throughput:.0f} | "
                f"{statistics.median(step.latencies) * 1000 if step.latencies else 0:.1f} | "
                f"{p99:.1f} | {max(step.latencies, default=0) * 1000:.1f} | {step.errors} | "
                f"{ratio} |"
            )
        lines.append("")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.twilio_inbound")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--rates", nargs="+", type=int, default=[50, 100, 200, 300, 400, 600, 800])
    parser.add_argument("--seconds", type=float, default=10.0, help="per rate and server")
    parser.add_argument("--quiet-wait", type=float, default=10.0)
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    results: dict[str, list[Step]] = {}
    for kind in args.databases:
        results[kind] = await run_database(kind, args)
    print(report(results))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
