"""The stack's processes by name: their resident memory sampled through each phase, their peak,
and their CPU seconds per phase."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cpu import Cpu, pids_named, pids_of

# tests/stack.py: only its type is needed here, and it imports only once bench.bot_turns has put
# tests/ on sys.path.
if TYPE_CHECKING:
    from stack import BotStack

SAMPLE_SECONDS = 0.5
TRANSCRIBER = "transcriber"


def stack_pids(stack: BotStack) -> dict[str, int]:
    """Each process of the stack by its name: gateway, worker-1, worker-2, actions, rasa and
    transcriber (BotStack keeps them to itself; the name is the one its logs have)."""
    running = [*stack._processes, stack._rasa, stack._transcriber]
    return {process.name: process.popen.pid for process in running if process is not None}


def status_kb(pid: int, key: str) -> int:
    """A size from /proc/<pid>/status (``VmRSS``, ``VmHWM``) in kB; 0 once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return 0


def cpu_groups(pids: dict[str, int]) -> Cpu:
    """CPU accounting of the stack's processes, grouped as the report shows them."""
    return Cpu(
        {
            "transcription worker": pids_of(pids[TRANSCRIBER]),
            "default workers": pids_of(pids["worker-1"], pids["worker-2"]),
            "gateway": pids_of(pids["gateway"]),
            "Rasa + actions": pids_of(pids["rasa"], pids["actions"]),
            # The machine's server, which other dbs share.
            "Redis": pids_named("redis-server"),
        }
    )


class Memory:
    """The processes' ``VmRSS`` sampled every half second from ``start`` to ``stop``; the
    largest sample of each phase is kept."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.max_kb: dict[str, dict[str, int]] = {}
        self._phase = ""
        self._task: asyncio.Task[None] | None = None

    def start(self, phase: str) -> None:
        """Sample into ``phase`` from now on (starts sampling on the first call)."""
        self._phase = phase
        self.max_kb[phase] = {}
        self._sample()
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    def now_kb(self) -> dict[str, int]:
        """Each process's ``VmRSS`` now."""
        return {name: status_kb(pid, "VmRSS") for name, pid in self.pids.items()}

    def peaks_kb(self) -> dict[str, int]:
        """Each process's peak resident memory over its life (``VmHWM``, or a larger sample:
        the kernel's RSS counters are per-CPU and summed lazily, so the two differ slightly)."""
        return {
            name: max(status_kb(pid, "VmHWM"), *(kb.get(name, 0) for kb in self.max_kb.values()))
            for name, pid in self.pids.items()
        }

    def _sample(self) -> None:
        largest = self.max_kb[self._phase]
        for name, kb in self.now_kb().items():
            largest[name] = max(largest.get(name, 0), kb)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            self._sample()

    async def stop(self) -> None:
        """Take a last sample and stop sampling."""
        if self._task is not None:
            self._sample()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
