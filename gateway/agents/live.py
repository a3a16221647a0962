"""Live events for agent consoles: the replica's subscriber to the agent channel
(``gateway.conversations.event_subscriber``) fanned out to the sockets connected to it.

Events only say that something changed; the API is the record. A console that reconnects reads
the API again, so an event lost while Redis or a socket was down costs latency, never data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

log = logging.getLogger("parley.agents.live")
SEND_TIMEOUT_SECONDS = 5.0
QUEUE_SIZE = 256  # events a console may fall behind before it is closed
SLOW_CONSUMER = 4408


class LiveHub:
    """The agent sockets of this replica, fed by its subscriber.

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

    def dispatch(self, payload: str) -> None:
        """An event from Redis: for every console here."""
        self.broadcast(payload)

    def resubscribed(self) -> None:
        """Nothing to do: a console reads the API again when its socket reconnects."""

    async def close(self) -> None:
        """Close every socket (the replica is stopping)."""
        for ws in list(self.sockets):  # their writers end with them
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")
        self.sockets.clear()
