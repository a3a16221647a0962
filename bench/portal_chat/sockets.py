"""The chat sockets: one debtor's ``/portal/ws`` read as it arrives, and one chat turn timed
from the frames that come back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.portal_chat.debtors import Debtor
from gateway.portal.sessions import COOKIE


@dataclass(frozen=True)
class Turn:
    """One chat message's way back, in seconds from sending it; None: that frame never came.
    ``sent`` is the wall-clock time it was sent (the processes' logs use that clock) and
    ``message_id`` the id the gateway stored it under."""

    sent: float
    message_id: str
    ack: float | None
    typing: float | None
    reply: float | None
    body: str | None
    error: str | None = None


class ChatSocket:
    """One debtor's ``/portal/ws``, read by a task of its own (which also answers the server's
    heartbeat pings), its frames queued with their arrival time."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[tuple[float, dict[str, Any]] | None] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls, http: aiohttp.ClientSession, base_url: str, debtor: Debtor, seconds: float
    ) -> ChatSocket:
        """Connect with the session cookie and the gateway's own Origin; wait for the history
        and state frames the server sends first."""
        ws = await http.ws_connect(
            base_url + "/portal/ws",
            headers={"Origin": base_url, "Cookie": f"{COOKIE}={debtor.cookie}"},
        )
        socket = cls(ws)
        for kind in ("history", "state"):
            got = await socket.next_frame(time.perf_counter() + seconds)
            if got is None or got[1].get("type") != kind:
                await socket.close()
                raise RuntimeError(f"the chat socket sent {got and got[1]} instead of {kind}")
        return socket

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.frames.put_nowait((time.perf_counter(), json.loads(message.data)))
        self.frames.put_nowait(None)  # closed

    @property
    def closed(self) -> bool:
        """Whether the server (or we) closed the socket."""
        return self.ws.closed

    async def next_frame(self, deadline: float) -> tuple[float, dict[str, Any]] | None:
        """The next frame and its arrival time; None when the socket closed or time ran out."""
        try:
            return await asyncio.wait_for(self.frames.get(), deadline - time.perf_counter())
        except TimeoutError:
            return None

    async def turn(self, text: str, seconds: float) -> Turn:
        """Send ``text`` as the debtor; time the ack, the assistant typing and its answer
        (waiting up to ``seconds`` for it)."""
        client_id = uuid.uuid4().hex
        frame = json.dumps({"type": "message", "id": client_id, "body": text})
        ack = typing = None
        stored = ""  # the message id of ours; the answer's id sorts after it
        sent, started = time.time(), time.perf_counter()
        await self.ws.send_str(frame)
        while (got := await self.next_frame(started + seconds)) is not None:
            at, frame_ = got
            kind = frame_.get("type")
            if kind == "ack" and frame_.get("id") == client_id:
                ack, stored = at - started, str(frame_.get("message_id"))
            elif kind == "error" and frame_.get("id") in (client_id, None):
                return Turn(sent, stored, ack, typing, None, None, str(frame_.get("code")))
            elif kind == "typing" and frame_.get("on") and typing is None:
                typing = at - started
            elif (
                kind == "message"
                and frame_.get("from") == "assistant"
                and stored
                and str(frame_.get("id")) > stored
            ):
                return Turn(sent, stored, ack, typing, at - started, str(frame_.get("body")))
        error = "closed" if self.closed else "timeout"
        return Turn(sent, stored, ack, typing, None, None, error)

    async def close(self) -> None:
        """Close the socket and stop its reader."""
        with contextlib.suppress(Exception):
            await self.ws.close()
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
