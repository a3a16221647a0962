"""Live events for agent consoles: one Redis subscriber per gateway replica, fanned out to the
sockets connected to that replica.

Events only say that something changed; the API is the record. A console that reconnects reads
the API again, so an event lost while Redis or a socket was down costs latency, never data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from gateway.conversations.agent_events import agent_channel

log = logging.getLogger("parley.agents.live")
SEND_TIMEOUT_SECONDS = 5.0
QUEUE_SIZE = 256  # events a console may fall behind before it is closed
SLOW_CONSUMER = 4408
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


class LiveHub:
    """The agent sockets of this replica, and the subscriber that feeds them.

    Each socket has a bounded queue and a writer of its own, so a console that stops reading
    slows nobody else: when its queue is full it is closed, and it catches up from the API
    when it reconnects.
    """

    def __init__(self) -> None:
        self.sockets: dict[web.WebSocketResponse, asyncio.Queue[str]] = {}
        self.subscribed = asyncio.Event()

    def broadcast(self, payload: str) -> None:
        """Queue an event for every socket; one that is too far behind is dropped."""
        for ws, queue in list(self.sockets.items()):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # Its writer sees it gone after the send it is stuck in, and closes it.
                log.warning("an agent socket fell %d events behind; closing it", QUEUE_SIZE)
                self.sockets.pop(ws, None)

    async def serve(self, ws: web.WebSocketResponse) -> None:
        """Write this socket's events until it closes (run beside its reader)."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self.sockets[ws] = queue
        try:
            while ws in self.sockets and not ws.closed:
                payload = await queue.get()
                await asyncio.wait_for(ws.send_str(payload), SEND_TIMEOUT_SECONDS)
        except (ConnectionError, TimeoutError, RuntimeError):
            pass  # a socket that cannot take an event is closed below
        finally:
            dropped = self.sockets.pop(ws, None) is None
            with contextlib.suppress(Exception):
                await ws.close(code=SLOW_CONSUMER if dropped else 1000)

    async def listen(self, redis_url: str) -> None:
        """Forward every event published on the agent channel, reconnecting after failures."""
        failures = 0
        while True:
            client = Redis.from_url(redis_url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(agent_channel(client))
                    self.subscribed.set()
                    failures = 0
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            data = message["data"]
                            self.broadcast(data.decode() if isinstance(data, bytes) else str(data))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.clear()
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning(
                    "agent event subscriber lost Redis (%s); again in %.1fs",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
            finally:
                await client.aclose()

    async def close(self) -> None:
        """Close every socket (the replica is stopping)."""
        for ws in list(self.sockets):  # their writers end with them
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")
        self.sockets.clear()


async def running(hub: LiveHub, redis_url: str) -> AsyncIterator[None]:
    """The subscriber as a resource: started with the replica, stopped with it (its sockets
    are closed earlier, on shutdown: ``LiveHub.close``)."""
    task = asyncio.create_task(hub.listen(redis_url), name="agent-events")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
