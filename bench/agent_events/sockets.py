"""Agents on the console: their logins, and the sockets the bench holds open on a replica."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bench.agent_events.listener import Listener
from gateway.agents.sessions import COOKIE


@dataclass(frozen=True)
class Login:
    """An agent's session on the console: its cookie and the CSRF token changes carry."""

    cookie: str
    csrf_token: str

    def headers(self) -> dict[str, str]:
        """Headers of an API call in this session."""
        return {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf_token}


async def login(session: aiohttp.ClientSession, url: str, email: str, password: str) -> Login:
    """POST /agent/api/login; the session cookie and CSRF token."""
    async with session.post(
        f"{url}/agent/api/login", json={"email": email, "password": password}
    ) as response:
        body = await response.text()
        if response.status != 200:
            raise RuntimeError(f"agent login answered {response.status}: {body[:300]}")
        morsel = response.cookies.get(COOKIE)
        if morsel is None:
            raise RuntimeError(f"agent login set no {COOKIE} cookie")
        return Login(morsel.value, str(json.loads(body)["csrf_token"]))


class Sockets:
    """Agent sockets on one replica, each read by a task of its own."""

    def __init__(self, url: str, listener: Listener) -> None:
        self.url = url
        self.listener = listener
        # No connection limit (aiohttp's default of 100 would queue the 101st socket), and no
        # cookie jar: each socket sends its session's cookie itself.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
        )
        self.open: list[aiohttp.ClientWebSocketResponse] = []
        self.readers: list[asyncio.Task[None]] = []

    async def connect(self, who: Login) -> None:
        """Open one socket in ``who``'s session, with this replica's own Origin."""
        ws = await self.session.ws_connect(
            self.url + "/agent/ws",
            headers={"Origin": self.url, "Cookie": f"{COOKIE}={who.cookie}"},
        )
        self.open.append(ws)
        self.readers.append(asyncio.create_task(read_frames(ws, self.listener)))

    async def connect_many(self, logins: Sequence[Login], count: int) -> None:
        """``count`` sockets spread over the sessions, 20 handshakes at a time."""
        semaphore = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with semaphore:
                await self.connect(logins[i % len(logins)])

        await asyncio.gather(*(one(i) for i in range(count)))

    @property
    def still_open(self) -> int:
        """Sockets the server has not closed."""
        return sum(1 for ws in self.open if not ws.closed)

    async def close(self) -> None:
        """Close every socket and the client session."""
        await asyncio.gather(*(ws.close() for ws in self.open), return_exceptions=True)
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.session.close()


async def read_frames(ws: aiohttp.ClientWebSocketResponse, listener: Listener) -> None:
    """Hand every text frame to the listener until the socket closes (pings are answered by
    aiohttp while this waits)."""
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            listener.deliver(message.data, time.perf_counter())
