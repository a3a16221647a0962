"""The two phases: chat turns against Rasa alone, then the gateway at rest without and with the
idle chat sockets."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import aiohttp

from bench.agent_events.idle import at_rest, rss_kb
from bench.bot_turns import TEXT
from bench.cpu import quiet
from bench.portal_chat.debtors import Debtor, Portal, conversation_of
from bench.portal_chat.results import Results
from bench.portal_chat.sockets import ChatSocket
from bench.progress import log
from bench.stats import median
from bench.turn_probe import TurnProbe

# tests/stack.py: only its type is needed here, and it imports only once bench.portal_chat.stack
# has put tests/ on sys.path.
if TYPE_CHECKING:
    from stack import BotStack

HANDSHAKES_AT_ONCE = 20
PROGRESS_EVERY = 100
T = TypeVar("T")


async def bounded(
    count: int, at_once: int, one: Callable[[int], Awaitable[T]], what: str
) -> list[T | BaseException]:
    """``one(i)`` for i < count, ``at_once`` at a time, with progress; results or exceptions."""
    semaphore = asyncio.Semaphore(at_once)
    done = 0

    async def guarded(i: int) -> T:
        nonlocal done
        async with semaphore:
            result = await one(i)
        done += 1
        if done % PROGRESS_EVERY == 0 or done == count:
            log(f"  {what}: {done}/{count}")
        return result

    return await asyncio.gather(*(guarded(i) for i in range(count)), return_exceptions=True)


async def latency(
    args: argparse.Namespace,
    stack: BotStack,
    portal: Portal,
    sockets_http: aiohttp.ClientSession,
    probe: TurnProbe,
    results: Results,
) -> None:
    """Chat turns and direct Rasa turns, interleaved, over ``--conversations`` debtors."""
    debtors = [await portal.sign_in(f"CHAT-LAT-{i}", i) for i in range(args.conversations)]
    senders = [await conversation_of(probe, debtor.ref) for debtor in debtors]
    sockets = [
        await ChatSocket.open(sockets_http, stack.gateway_url, debtor, args.timeout)
        for debtor in debtors
    ]
    try:
        # Each conversation's first turn starts Rasa's session (slower); then the warm-up.
        warm = [*range(len(sockets)), *(i % len(sockets) for i in range(args.warm_up))]
        for c in warm:
            await probe.direct(senders[c], TEXT)
            turn = await sockets[c].turn(TEXT, args.timeout)
            if turn.reply is None:
                raise RuntimeError(f"a warm-up chat turn got no answer ({turn.error})")
        log(f"warm-up: {len(warm)} turns on each path; measuring {args.turns} ...")
        results.turns = args.turns
        started = time.monotonic()
        for i in range(args.turns):
            c = i % len(sockets)
            results.direct.append(await probe.direct(senders[c], TEXT) * 1000)
            turn = await sockets[c].turn(TEXT, args.timeout)
            if turn.reply is None:
                results.lost.append(turn.error or "?")
            else:
                results.chat.append(turn.reply * 1000)
                results.answered.append(turn)
                results.bodies.add(turn.body or "")
            if turn.ack is not None:
                results.ack.append(turn.ack * 1000)
            if turn.typing is not None:
                results.typing.append(turn.typing * 1000)
            if (i + 1) % 10 == 0 or i + 1 == args.turns:
                log(
                    f"  turns: {i + 1}/{args.turns}; median direct {median(results.direct):.0f}"
                    f" ms, chat {median(results.chat):.0f} ms, lost {len(results.lost)}"
                )
        results.latency_seconds = time.monotonic() - started
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))


async def idle(
    args: argparse.Namespace,
    stack: BotStack,
    portal: Portal,
    sockets_http: aiohttp.ClientSession,
    pid: int,
    results: Results,
) -> None:
    """The gateway at rest without sockets, then with ``--sockets`` open; a round trip meanwhile."""
    results.sockets, results.idle_seconds = args.sockets, args.idle_seconds
    log(f"signing in {args.sockets} debtors over HTTP, {args.concurrency} at a time ...")
    started = time.monotonic()
    signed = await bounded(
        args.sockets,
        args.concurrency,
        lambda i: portal.sign_in(f"CHAT-IDLE-{i}", 1000 + i),
        "sessions",
    )
    results.sessions_seconds = time.monotonic() - started
    debtors = [d for d in signed if isinstance(d, Debtor)]
    results.signed_in = len(debtors)
    results.failures += [repr(e) for e in signed if not isinstance(e, Debtor)]
    await asyncio.sleep(args.settle_seconds)
    results.machine_busy = await quiet(args.quiet_wait)
    results.rss_before_kb = rss_kb(pid)
    log(f"the gateway at rest without sockets, {args.idle_seconds:g} s ...")
    results.cpu_without = await at_rest(pid, args.idle_seconds)
    log(f"  {results.cpu_without * 100:.2f}% of a core, RSS {results.rss_before_kb / 1024:.1f} MB")

    async def connect(i: int) -> ChatSocket:
        began = time.perf_counter()
        socket = await ChatSocket.open(sockets_http, stack.gateway_url, debtors[i], args.timeout)
        results.connect_ms.append((time.perf_counter() - began) * 1000)
        return socket

    started = time.monotonic()
    connected = await bounded(len(debtors), HANDSHAKES_AT_ONCE, connect, "sockets")
    results.connect_seconds = time.monotonic() - started
    sockets = [s for s in connected if isinstance(s, ChatSocket)]
    results.failures += [repr(e) for e in connected if not isinstance(e, ChatSocket)]
    results.opened = len(sockets)
    try:
        await asyncio.sleep(args.settle_seconds)
        log(f"the gateway at rest with {len(sockets)} sockets, {args.idle_seconds:g} s ...")
        results.cpu_with = await at_rest(pid, args.idle_seconds)
        results.rss_after_kb = rss_kb(pid)
        results.open_after_idle = sum(not s.closed for s in sockets)
        log(
            f"  {results.cpu_with * 100:.2f}% of a core, RSS {results.rss_after_kb / 1024:.1f} MB,"
            f" {results.open_after_idle} open"
        )
        for _ in range(args.live_turns if sockets else 0):
            results.live.append(await sockets[0].turn(TEXT, args.timeout))
        results.open_at_end = sum(not s.closed for s in sockets)
        for s in sockets:
            if s.closed:
                code = str(s.ws.close_code)
                results.close_codes[code] = results.close_codes.get(code, 0) + 1
    finally:
        await asyncio.gather(*(s.close() for s in sockets))
    await asyncio.sleep(args.settle_seconds)
    results.rss_closed_kb = rss_kb(pid)
