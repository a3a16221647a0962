"""Running a benchmark so that SIGTERM and Ctrl-C clean up alike.

SIGTERM cancels the benchmark's task, so its ``finally`` blocks and context managers run:
child processes stopped, throwaway databases dropped, Redis dbs flushed.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any

from bench.progress import log

CANCELLED_EXIT_STATUS = 143  # as if killed by SIGTERM
INTERRUPTED_EXIT_STATUS = 130  # as if killed by SIGINT


async def _cancelled_by_sigterm(benchmark: Coroutine[Any, Any, int]) -> int:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await benchmark


def run_cancellable(benchmark: Coroutine[Any, Any, int], cleaned_up: str) -> int:
    """Run ``benchmark`` and return its exit status; when SIGTERM cancelled it or Ctrl-C
    interrupted it, say so with what was ``cleaned_up`` and return 143 or 130."""
    try:
        return asyncio.run(_cancelled_by_sigterm(benchmark))
    except asyncio.CancelledError:
        log(f"cancelled; {cleaned_up}")
        return CANCELLED_EXIT_STATUS
    except KeyboardInterrupt:
        log(f"interrupted; {cleaned_up}")
        return INTERRUPTED_EXIT_STATUS
