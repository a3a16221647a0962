"""Bot turns at a steady rate, as ``bench.bot_turns`` times them (``TurnProbe``): inbound SMS
through the gateway until the reply is recorded as sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.bot_turns import TEXT
from bench.progress import log
from bench.stats import median, percentile
from bench.transcription_load.options import Workload
from bench.transcription_load.results import Phase, Turn
from bench.turn_probe import TurnProbe

START_DELAY_SECONDS = 0.05  # lets the first turn be scheduled before it is due
PROGRESS_SECONDS = 10.0


async def open_conversations(probe: TurnProbe, workload: Workload, first: int) -> list[str]:
    """Accounts ``first`` .. ``first + conversations - 1``, each conversation opened ("hello")
    and warmed up with the measured text, so both phases start from trackers of one length (Rasa
    slows down as a tracker grows); their numbers."""

    async def one(i: int) -> str:
        phone = await probe.account(f"{workload.account_prefix}TURN-{i}", workload.phone(i))
        opened = await probe.inbound(phone, "hello")
        await probe.reply_sent_at(opened["message_id"], opened["conversation_id"])
        for _ in range(workload.warm_up_turns):
            await probe.through_gateway(phone, TEXT)
        return phone

    return list(await asyncio.gather(*(one(first + i) for i in range(workload.conversations))))


async def steady_turns(
    probe: TurnProbe,
    phones: list[str],
    workload: Workload,
    phase: Phase,
    status: Callable[[], Awaitable[str]] | None = None,
) -> None:
    """``workload.turns`` turns into ``phase``, one due every ``1 / rate`` s whether or not the
    earlier ones were answered (open loop), each in a conversation with no turn in flight, so
    the reply found is the turn's own. A turn's latency counts from when it was due, so one
    that waited for a free conversation shows it. ``status`` adds to the progress lines."""
    probe.stages.clear()  # the warm-up's and the other phase's are not this one's
    free: asyncio.Queue[str] = asyncio.Queue()
    for phone in phones:
        free.put_nowait(phone)

    async def one(due: float) -> None:
        started = time.time()
        try:
            phone = await asyncio.wait_for(free.get(), workload.turn_timeout)
        except TimeoutError:
            phase.turns.append(Turn(started, None, workload.turn_timeout * 1000))
            return
        waited = time.perf_counter() - due
        try:
            seconds = await asyncio.wait_for(
                probe.through_gateway(phone, TEXT), workload.turn_timeout
            )
        except TimeoutError:
            # Not given back: its late reply would be taken for the next turn's.
            phase.turns.append(Turn(started, None, waited * 1000))
            return
        phase.turns.append(Turn(started, (waited + seconds) * 1000, waited * 1000))
        free.put_nowait(phone)

    tasks = []
    began = time.perf_counter()
    start = began + START_DELAY_SECONDS
    shown = began
    for i in range(workload.turns):
        due = start + i / workload.rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(due)))
        if time.perf_counter() - shown >= PROGRESS_SECONDS:
            shown = time.perf_counter()
            log(await progress(phase, len(tasks), workload.turns, status))
    await asyncio.gather(*tasks)
    phase.seconds = time.perf_counter() - began
    phase.stages = list(probe.stages)
    log(await progress(phase, len(tasks), workload.turns, status))


async def progress(
    phase: Phase, started: int, total: int, status: Callable[[], Awaitable[str]] | None
) -> str:
    """One progress line: turns started and answered, their latency so far, and ``status``."""
    ms = phase.latencies
    line = (
        f"  {phase.name}: {started}/{total} turns started, {len(ms)} answered, {phase.lost} lost;"
        f" median {median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms"
    )
    return line + (f"; {await status()}" if status is not None else "")
