"""Batches posted on a fixed schedule (open loop), whatever the server does.

Batch ``i`` is due at ``start + i / rate`` whether or not earlier ones have answered, and its
latency counts from that due time, so a saturated server shows up as growing latency instead of
a politely slower client (``bench.open_loop`` does the same for forms). The gateway's answers
say what happened to each event (advanced, recorded, duplicate, unknown_message): summed here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.open_loop import START_DELAY_SECONDS, Step
from bench.sendgrid_events.batches import Batch


@dataclass
class Posted:
    """One rate on one server: the step, the batches answered 200 and what their answers said."""

    step: Step
    answered: list[Batch] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None


async def post_batches(
    session: aiohttp.ClientSession,
    url: str,
    batches: Sequence[Batch],
    headers: Sequence[dict[str, str]],
    rate: int,
    name: str,
) -> Posted:
    """POST ``batches`` (with their ``headers``) to ``url`` at ``rate`` per second on schedule."""
    latencies: list[float] = []
    posted = Posted(Step(name, rate, len(batches), 0.0, latencies, 0))

    async def one(batch: Batch, batch_headers: dict[str, str], due: float) -> None:
        try:
            async with session.post(url, data=batch.body, headers=batch_headers) as response:
                answer = await response.read()
                status = response.status
        except aiohttp.ClientError as exc:
            posted.step.errors += 1
            posted.first_error = posted.first_error or repr(exc)
            return
        if status != 200:
            posted.step.errors += 1
            posted.first_error = posted.first_error or f"HTTP {status}: {answer[:300]!r}"
            return
        latencies.append(time.perf_counter() - due)
        posted.answered.append(batch)
        posted.outcomes.update(_outcomes(answer))

    tasks = []
    start = time.perf_counter() + START_DELAY_SECONDS
    for i, (batch, batch_headers) in enumerate(zip(batches, headers, strict=True)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(batch, batch_headers, due)))
    await asyncio.gather(*tasks)
    posted.step.seconds = time.perf_counter() - start
    return posted


def _outcomes(answer: bytes) -> dict[str, int]:
    """The gateway's ``{"outcomes": {...}}`` (the baseline answers without one)."""
    document = json.loads(answer)
    outcomes = document.get("outcomes", {}) if isinstance(document, dict) else {}
    return {str(k): int(v) for k, v in outcomes.items()}
