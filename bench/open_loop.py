"""An open-loop load generator: form POSTs sent on a fixed schedule, whatever the server does.

Request ``i`` is due at ``start + i / rate`` whether or not earlier ones have answered, and its
latency counts from that due time, so a saturated server shows up as latency growing without
bound instead of as a client that politely slows down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bench.stats import percentile

START_DELAY_SECONDS = 0.05  # lets the first requests be scheduled before they are due


@dataclass(frozen=True)
class Request:
    """One form POST, ready to send (bodies and signatures are built before the clock starts)."""

    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Step:
    """The outcome of one rate on one server: a request answered 200 has a latency."""

    server: str
    rate: int
    sent: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        """The q-quantile (0..1) of the latencies, in milliseconds."""
        return percentile(self.latencies, q) * 1000


async def open_loop(
    session: aiohttp.ClientSession, url: str, requests: Sequence[Request], rate: int, name: str
) -> Step:
    """POST ``requests`` to ``url`` at ``rate`` per second on schedule; ``name`` labels the step."""
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
    start = time.perf_counter() + START_DELAY_SECONDS
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    return Step(name, rate, len(requests), time.perf_counter() - start, latencies, errors)
