"""The load generator: prepared calls sent by a fixed number of concurrent workers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bench.intake.answers import Checker
from bench.intake.calls import Call
from bench.progress import log

PROGRESS_SECONDS = 2
SHOWN_ERRORS = 3


@dataclass(slots=True)
class Sent:
    """What one pass over the calls gave: wall time, latencies, wrong answers, outcomes."""

    seconds: float
    latencies: list[float]
    errors: int
    outcomes: Counter[str]


async def run_calls(
    session: aiohttp.ClientSession,
    base_url: str,
    calls: Sequence[Call],
    concurrency: int,
    check: Checker,
    label: str,
) -> Sent:
    """POST every call with ``concurrency`` workers; progress on stderr every 2 s."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    errors = 0
    done_items = 0
    shown_errors = 0
    queue = iter(calls)
    total_items = sum(c.items for c in calls)

    async def worker() -> None:
        nonlocal errors, done_items, shown_errors
        for call in queue:
            started = time.perf_counter()
            async with session.post(
                base_url + call.path, data=call.body, headers=call.headers
            ) as r:
                body = await r.read()
                status = r.status
            latencies.append(time.perf_counter() - started)
            done_items += call.items
            if not check(status, body, outcomes):
                errors += 1
                if shown_errors < SHOWN_ERRORS:
                    shown_errors += 1
                    log(f"  ! {label}: HTTP {status}: {body[:300]!r}")

    async def progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            elapsed = time.perf_counter() - started
            log(
                f"  {label}: {done_items:,}/{total_items:,} items, "
                f"{done_items / elapsed:,.0f} items/s, {elapsed:.0f} s"
            )

    started = time.perf_counter()
    reporter = asyncio.create_task(progress())
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        reporter.cancel()
    return Sent(time.perf_counter() - started, latencies, errors, outcomes)


async def put_accounts(
    session: aiohttp.ClientSession, base_url: str, calls: Sequence[Call], concurrency: int
) -> None:
    """PUT every account with ``concurrency`` workers; RuntimeError on the first refusal."""
    queue = iter(calls)

    async def worker() -> None:
        for call in queue:
            async with session.put(base_url + call.path, data=call.body) as r:
                if r.status not in {200, 201}:
                    raise RuntimeError(f"PUT {call.path}: {r.status} {await r.text()}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
