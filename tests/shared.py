"""What tests import by name (conftest modules are pytest's, not the tests', and a folder's
own conftest would shadow this one's module name): the core token, the PostgreSQL server the
tests create their databases on, and the worker that drains jobs."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from arq.constants import default_queue_name
from redis.asyncio import Redis

from gateway.config import Settings
from gateway.worker.service import create_worker

TOKEN = "test-token"
POSTGRES_ADMIN_URL = os.environ.get(
    "PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class Drainer:
    """Runs a real arq worker until every job that is due has finished."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis

    async def __call__(self, limit: float = 30.0, **overrides: Any) -> None:
        options = {"handle_signals": False, "poll_delay": 0.02, "cron_jobs": ()} | overrides
        worker = create_worker(self.settings, **options)
        task = asyncio.create_task(worker.async_run())
        deadline = time.monotonic() + limit
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                # Jobs due within a second count too: a retry is re-queued a little later.
                soon = (time.time() + 1) * 1000
                due = await self.redis.zcount(default_queue_name, "-inf", soon)
                if due == 0 and not worker.tasks and worker.ctx.get("deps") is not None:
                    return
                if task.done():
                    task.result()
            raise AssertionError("jobs still due after the drain timeout")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.close()


T = TypeVar("T")
# No new message for this long after a reply: the assistant is done answering.
QUIET_SECONDS = 1.5


async def answers_after(
    received: Callable[[], Awaitable[Sequence[T]]], before: int, what: str, limit: float = 90
) -> list[T]:
    """What ``received()`` gained past its first ``before`` items once it stopped growing."""
    deadline = time.monotonic() + limit
    seen, quiet_since = before, time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        count = len(await received())
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif count > before and time.monotonic() - quiet_since > QUIET_SECONDS:
            return list((await received())[before:])
    raise AssertionError(f"no answer to {what!r}")
