"""CPU accounting from /proc: seconds used per process group, and waiting for a quiet machine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

from bench.progress import log

CLK_TCK = os.sysconf("SC_CLK_TCK")
PidFinder = Callable[[], list[int]]


def process_seconds(pid: int) -> float:
    """CPU seconds (user+system, all threads, reaped children included) of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime stime cutime cstime (fields 14-17 of proc(5); fields[0] is field 3)
    return sum(int(t) for t in fields[11:15]) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; idle and iowait excluded)."""
    # user nice system idle iowait irq softirq steal
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK


class Cpu:
    """CPU seconds of process groups between ``begin()`` and ``end()``, read from /proc.

    A process's reaped children count too (cutime+cstime): PostgreSQL backends come and go
    (SQLAlchemy closes a connection returned to a full pool), and an exited backend's CPU
    moves to the postmaster's children times instead of vanishing from the sum. Besides the
    groups, ``end()`` reports "client" (this process) and "other" (the rest of the machine).
    """

    def __init__(self, groups: dict[str, PidFinder]) -> None:
        self.groups = groups
        self.start: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        out = {name: sum(process_seconds(p) for p in pids()) for name, pids in self.groups.items()}
        own = resource.getrusage(resource.RUSAGE_SELF)
        out["client"] = own.ru_utime + own.ru_stime
        out["machine"] = machine_busy_seconds()
        return out

    def begin(self) -> None:
        """Take the starting sample."""
        self.start = self._sample()

    def end(self) -> dict[str, float]:
        """CPU seconds per group since ``begin()``, plus "client" and "other"."""
        now = self._sample()
        used = {k: now[k] - self.start.get(k, 0.0) for k in now}
        used["other"] = max(0.0, used.pop("machine") - sum(used.values()))
        return used


async def quiet(max_wait: float, threshold: float = 0.3, sample_seconds: float = 1.0) -> float:
    """Wait (up to max_wait s) until other work uses < threshold cores; return that load.

    The load is measured over ``sample_seconds``, so this takes at least that long.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before = machine_busy_seconds()
        await asyncio.sleep(sample_seconds)
        busy = (machine_busy_seconds() - before) / sample_seconds
        if busy < threshold or time.monotonic() >= deadline:
            return busy
        log(f"  waiting for the machine to quieten: {busy:.2f} cores busy elsewhere")


def pids_of(*pids: int) -> PidFinder:
    """A group of known processes."""
    return lambda: list(pids)


def pids_named(*names: str) -> PidFinder:
    """A group of every process whose command name is one of ``names``, found when sampled."""

    def find() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if (entry / "comm").read_text().strip() in names:
                        found.append(int(entry.name))
        return found

    return find
