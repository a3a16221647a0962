"""One run in order: Redis, agents, replicas, the setup, the worker, the warm-up, the measured
rounds, then the idle sockets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import time

import aiohttp
from redis.asyncio import Redis

from bench.agent_events.conversations import open_conversations
from bench.agent_events.idle import idle_sockets
from bench.agent_events.listener import Listener
from bench.agent_events.results import Latency, Run
from bench.agent_events.rounds import Rounds, hub_ready, read_pubsub
from bench.agent_events.sockets import Sockets, login
from bench.agent_events.stack import Stack, start_replica
from bench.cpu import Cpu, PidFinder, pids_named, pids_of, quiet
from bench.processes import START_TIMEOUT_SECONDS, Child
from bench.progress import log

PROGRESS_EVERY = 100  # rounds


async def measure(args: argparse.Namespace, stack: Stack, run: Run) -> None:
    """Start the processes, set up, run the rounds, then the idle sockets."""
    await stack.start_redis()
    redis = Redis.from_url(stack.redis_url)
    info = await redis.info("server")
    run.redis_version = str(info.get("redis_version", "?"))
    agents = [
        (f"agent{i}@bench.test", f"Agent {i}", secrets.token_urlsafe(18))
        for i in range(args.agents)
    ]
    await asyncio.gather(*(stack.add_agent(*agent) for agent in agents))
    log(f"{len(agents)} agents added (parley agent add)")
    a, b = start_replica(stack, "replica-a"), start_replica(stack, "replica-b")
    listener = Listener()
    sockets = Sockets(a.url, listener)
    subscribed = asyncio.Event()
    pubsub_reader = asyncio.create_task(read_pubsub(redis, listener, subscribed))
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        await asyncio.gather(a.ready(http), b.ready(http))
        logins = [await login(http, a.url, email, password) for email, _, password in agents]
        conversations = await open_conversations(http, a, b, logins[0], args.conversations)
        log(f"{len(conversations)} conversations opened on B and claimed on A")
        # Started now: the setup texts' bot turns find their conversations with an agent.
        worker = stack.parley("worker", "worker")
        await sockets.connect(logins[0])
        await hub_ready(redis, listener)
        await asyncio.wait_for(subscribed.wait(), START_TIMEOUT_SECONDS)
        rounds = Rounds(http, redis, listener, b, conversations)
        await warm_up(rounds, worker, args.warm_up)
        run.machine_busy = await quiet(args.quiet_wait)
        groups = {
            "replica A": pids_of(a.child.pid),
            "replica B": pids_of(b.child.pid),
            "worker": pids_of(worker.pid),
            "Redis": pids_of(stack.redis_process.pid),
        }
        if args.database == "postgres":
            groups["PostgreSQL"] = pids_named("postgres")  # the server's, whoever's work
        await measured_rounds(args, rounds, run, groups)
        for child in stack.children:
            child.check()
        await idle_sockets(args, run.idle, a, sockets, logins, rounds)
        run.unexpected_frames = listener.unexpected
    finally:
        await sockets.close()
        await http.close()
        pubsub_reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pubsub_reader
        await redis.aclose()


async def warm_up(rounds: Rounds, worker: Child, count: int) -> None:
    """``count`` rounds not kept; RuntimeError if any lost an event or had a failed request."""
    warm = Latency()
    for _ in range(count):
        await rounds.one(warm, START_TIMEOUT_SECONDS)  # the first waits for the worker to start
        worker.check()
    if any(series.lost or series.errors for series in warm.all()):
        raise RuntimeError("the warm-up lost events or had failed requests")
    log(f"warm-up: {count} rounds")


async def measured_rounds(
    args: argparse.Namespace, rounds: Rounds, run: Run, groups: dict[str, PidFinder]
) -> None:
    """``--messages`` rounds into ``run``, with the CPU each process group used meanwhile."""
    cpu = Cpu(groups)
    cpu.begin()
    started = time.monotonic()
    for i in range(args.messages):
        await rounds.one(run.latency, args.timeout)
        if (i + 1) % PROGRESS_EVERY == 0 or i + 1 == args.messages:
            event = run.latency.twilio_event
            log(
                f"rounds: {i + 1}/{args.messages}; webhook → event median "
                f"{event.median:.1f} ms, max {event.max:.1f} ms, lost {event.lost}"
            )
    run.rounds_seconds = time.monotonic() - started
    run.rounds_cpu = cpu.end()
