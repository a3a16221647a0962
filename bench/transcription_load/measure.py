"""The run in order on a running stack: conversations and accounts, a warm-up recording, the
baseline phase (turns, nothing queued), then the load phase (recordings posted, the same turns
while they are transcribed, and the wait until the last one is done)."""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.cpu import Cpu, quiet
from bench.progress import log
from bench.stats import median
from bench.transcription_load.options import Workload
from bench.transcription_load.processes import Memory, cpu_groups, stack_pids, status_kb
from bench.transcription_load.results import Phase, Results
from bench.transcription_load.turns import open_conversations, steady_turns
from bench.transcription_load.voicemails import (
    DONE,
    SCRIPTS,
    Voicemail,
    finished,
    post_all,
    statuses,
    voicemails,
)
from bench.turn_probe import TurnProbe

if TYPE_CHECKING:  # tests/ is on the path once bench.bot_turns is imported
    from stack import BotStack

POLL_SECONDS = 1.0
PROGRESS_SECONDS = 10.0


async def measure(stack: BotStack, workload: Workload) -> Results:
    """Both phases on a running stack, whose transcription worker nothing else keeps busy."""
    results = Results("sqlite" if stack.database_url.startswith("sqlite") else "postgres")
    pids = stack_pids(stack)
    memory, cpu = Memory(pids), cpu_groups(pids)
    log(f"speaking the voicemails ({len(SCRIPTS)} scripts) ...")
    clips = voicemails(workload.recordings)
    results.transcription.kinds = dict(collections.Counter(clip.kind for clip in clips))
    async with aiohttp.ClientSession() as http:
        probe = TurnProbe(
            http, stack.gateway_url, stack.rasa_url, stack.database_url, stack.api_token
        )
        try:
            n = workload.conversations
            log(f"opening {2 * n} conversations (one set for each phase) ...")
            quiet_phones = await open_conversations(probe, workload, 0)
            load_phones = await open_conversations(probe, workload, n)
            # Each recording on an account of its own; external ids unique to the run, so a
            # rerun on the same database posts new recordings.
            run = uuid.uuid4().hex[:8]
            refs = [f"{workload.account_prefix}VM-{i}" for i in range(workload.recordings)]
            warm_up = f"{workload.account_prefix}VM-WARM-UP"
            await asyncio.gather(
                *(
                    probe.account(ref, workload.phone(2 * n + i))
                    for i, ref in enumerate([*refs, warm_up])
                )
            )
            uploads = [(ref, f"{ref}-{run}", clip) for ref, clip in zip(refs, clips, strict=True)]
            results.warm_up_seconds = await warm_up_transcriber(
                http, stack, probe, (warm_up, f"{warm_up}-{run}", clips[-1]), workload
            )
            results.rss_start_kb = memory.now_kb()
            memory.start("baseline")
            await baseline(probe, quiet_phones, workload, results.baseline, cpu)
            memory.start("under load")
            await under_load(http, stack, probe, load_phones, uploads, workload, results, cpu)
        finally:
            await memory.stop()
            await probe.close()
    results.rss_max_kb = memory.max_kb
    results.peak_kb = memory.peaks_kb()
    # A process that exited (a zombie included) has no VmRSS any more.
    results.exited = [name for name, pid in pids.items() if not status_kb(pid, "VmRSS")]
    return results


async def warm_up_transcriber(
    http: aiohttp.ClientSession,
    stack: BotStack,
    probe: TurnProbe,
    upload: tuple[str, str, Voicemail],
    workload: Workload,
) -> float:
    """One recording through the transcription worker before the clock starts: it has loaded
    its models and paid its first run's lazy set-up. Seconds it took."""
    log("a warm-up recording through the transcription worker ...")
    started = time.monotonic()
    ids = await post_all(http, stack.gateway_url, stack.api_token, [upload], 1)
    counts = await wait_done(probe.engine, ids, workload.transcription_timeout)
    if counts.get("transcribed") != 1:
        raise RuntimeError(f"the warm-up recording was not transcribed: {counts}")
    return time.monotonic() - started


async def baseline(
    probe: TurnProbe, phones: list[str], workload: Workload, phase: Phase, cpu: Cpu
) -> None:
    """The turns with no recording queued."""
    phase.machine_busy = await quiet(workload.quiet_wait)
    log(f"baseline: {workload.turns} turns at {workload.rate:g}/s, no recording queued ...")
    cpu.begin()
    await steady_turns(probe, phones, workload, phase)
    phase.cpu = cpu.end()


async def under_load(
    http: aiohttp.ClientSession,
    stack: BotStack,
    probe: TurnProbe,
    phones: list[str],
    uploads: list[tuple[str, str, Voicemail]],
    workload: Workload,
    results: Results,
    cpu: Cpu,
) -> None:
    """The recordings posted at once, the same turns while they are transcribed, then the wait
    for the last one."""
    phase, t = results.load, results.transcription
    phase.machine_busy = await quiet(workload.quiet_wait)
    log(f"under load: posting {len(uploads)} recordings ...")
    cpu.begin()
    first_post = datetime.now(UTC)
    posting = time.monotonic()
    ids = await post_all(
        http, stack.gateway_url, stack.api_token, uploads, workload.post_concurrency
    )
    t.post_seconds = time.monotonic() - posting
    t.posted = len(ids)
    log(f"  {len(ids)} posted in {t.post_seconds:.1f} s; {workload.turns} turns ...")

    async def recordings_now() -> str:
        return f"recordings {await statuses(probe.engine, ids)}"

    await steady_turns(probe, phones, workload, phase, recordings_now)
    phase.cpu = cpu.end()
    log("waiting for the last recordings ...")
    await wait_done(probe.engine, ids, workload.transcription_timeout)
    rows = await finished(probe.engine, ids)
    t.statuses = dict(collections.Counter(status for status, _, _ in rows.values()))
    seconds = {key: clip.seconds for key, (*_, clip) in zip(ids, uploads, strict=True)}
    t.audio_seconds = sum(seconds.values())
    done = {
        key: (created, at)
        for key, (status, created, at) in rows.items()
        if status == "transcribed" and at is not None
    }
    t.done_audio_seconds = sum(seconds[key] for key in done)
    t.queued_ms = [(at - created).total_seconds() * 1000 for created, at in done.values()]
    last = max((at for _, at in done.values()), default=None)
    if last is not None:
        t.wall_seconds = (last - first_post).total_seconds()
        t.last_done = last.timestamp()
    log(
        f"  {t.transcribed}/{t.posted} transcribed in {t.wall_seconds:.1f} s, median "
        f"{median(t.queued_ms) / 1000:.1f} s from POST to transcribed"
    )


async def wait_done(engine: AsyncEngine, ids: list[str], limit: float) -> dict[str, int]:
    """Wait until every recording of ``ids`` is transcribed or failed (or ``limit`` s have
    passed); their statuses then."""
    deadline = time.monotonic() + limit
    shown = time.monotonic()
    while True:
        counts = await statuses(engine, ids)
        if sum(counts.get(status, 0) for status in DONE) >= len(ids):
            return counts
        if time.monotonic() >= deadline:
            log(f"  gave up after {limit:g} s: {counts}")
            return counts
        if time.monotonic() - shown >= PROGRESS_SECONDS:
            shown = time.monotonic()
            log(f"  recordings {counts}")
        await asyncio.sleep(POLL_SECONDS)
