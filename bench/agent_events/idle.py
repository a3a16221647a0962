"""The idle sockets: replica A at rest before and after opening them, then broadcasts to all."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from bench.agent_events.results import Idle
from bench.agent_events.rounds import Rounds
from bench.agent_events.sockets import Login, Sockets
from bench.agent_events.stack import Replica
from bench.cpu import process_seconds
from bench.progress import log


def rss_kb(pid: int) -> int:
    """Resident memory of a process in kB (``VmRSS`` of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def at_rest(pid: int, seconds: float) -> float:
    """CPU used by a process over ``seconds`` of wall time, as a fraction of one core."""
    cpu, wall = process_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (process_seconds(pid) - cpu) / (time.monotonic() - wall)


async def idle_sockets(
    args: argparse.Namespace,
    idle: Idle,
    a: Replica,
    sockets: Sockets,
    logins: list[Login],
    rounds: Rounds,
) -> None:
    """Replica A at rest with one socket, then with ``--sockets`` more; then broadcasts."""
    idle.sockets, idle.seconds = args.sockets, args.idle_seconds
    await asyncio.sleep(args.settle_seconds)
    idle.rss_before_kb = rss_kb(a.child.pid)
    idle.cpu_before = await at_rest(a.child.pid, args.idle_seconds)
    log(f"A at rest with 1 socket: {idle.cpu_before * 100:.2f}% of a core")
    before = len(sockets.open)
    await sockets.connect_many(logins, args.sockets)
    idle.opened = len(sockets.open) - before
    log(f"{idle.opened} idle sockets open on A ({len(logins)} sessions)")
    await asyncio.sleep(args.settle_seconds)
    idle.cpu_after = await at_rest(a.child.pid, args.idle_seconds)
    idle.rss_after_kb = rss_kb(a.child.pid)
    log(f"A at rest with {len(sockets.open)} sockets: {idle.cpu_after * 100:.2f}% of a core")
    idle.still_open = sockets.still_open - before
    for _ in range(args.fanout):
        sent, got = await rounds.broadcast(args.timeout, len(sockets.open))
        idle.fanout_sent += 1
        if got.done.is_set():
            idle.fanout_complete += 1
            idle.first_socket.append((min(got.arrivals) - sent) * 1000)
            idle.last_socket.append((max(got.arrivals) - sent) * 1000)
    idle.still_open = min(idle.still_open, sockets.still_open - before)
    log(f"broadcasts to {len(sockets.open)} sockets: {idle.fanout_complete}/{idle.fanout_sent}")
