"""A replica's one Redis subscription to the agent-events channel, kept alive for its sockets.

Both live audiences of a replica, agent consoles (``gateway.agents.live``) and debtors' chat
pages (``gateway.portal.chat_hub``), follow the same channel through it: each listener takes
every event and is told when the subscription is back after a failure (events published
meanwhile are lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from redis.asyncio import Redis

from gateway.conversations.agent_events import agent_channel

log = logging.getLogger("parley.event_subscriber")
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


class Listener(Protocol):
    """What follows the channel: its events, and whether it is subscribed now."""

    subscribed: asyncio.Event

    def dispatch(self, payload: str) -> None:
        """Take one event (JSON text)."""

    def resubscribed(self) -> None:
        """The subscription is back after a failure: events may have been missed."""


async def listen(listeners: Sequence[Listener], redis_url: str, name: str) -> None:
    """Forward every event of the channel to each listener, reconnecting after failures."""
    failures = 0
    while True:
        client = Redis.from_url(redis_url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(agent_channel(client))
                for listener in listeners:
                    listener.subscribed.set()
                    if failures:
                        listener.resubscribed()
                failures = 0
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        data = message["data"]
                        payload = data.decode() if isinstance(data, bytes) else str(data)
                        for listener in listeners:
                            listener.dispatch(payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            for listener in listeners:
                listener.subscribed.clear()
            delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
            failures += 1
            log.warning("%s lost Redis (%s); again in %.1fs", name, type(exc).__name__, delay)
            await asyncio.sleep(delay)
        finally:
            await client.aclose()


async def running(listeners: Sequence[Listener], redis_url: str, name: str) -> AsyncIterator[None]:
    """The subscription as a resource: started with the replica, stopped with it (the sockets
    it feeds are closed earlier, on shutdown)."""
    task = asyncio.create_task(listen(listeners, redis_url, name), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
