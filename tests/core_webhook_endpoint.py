"""A core system's webhook endpoint for the delivery tests: a real HTTP server on 127.0.0.1
that checks signatures like a core system would and answers a script, and the settings that
point the gateway at it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import HttpUrl, SecretStr

from gateway.config import Settings
from gateway.records.core_webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

SECRET = "core-webhook-test-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """A core system's webhook endpoint: checks signatures, keeps requests, answers a script."""

    answers: list[int] = field(default_factory=list)  # then 200 for every later request
    delay: float = 0.0  # seconds the first request waits before its answer
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = verify(
            SECRET.encode(),
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            now=int(time.time()),
        )
        self.requests.append(Received(dict(request.headers), body, ok))
        if self.delay and len(self.requests) == 1:
            await asyncio.sleep(self.delay)
        if not ok:
            return web.Response(status=403, text="bad signature")
        status = self.answers.pop(0) if self.answers else 200
        return web.Response(status=status, text="ok" if status < 300 else "refused here")


async def serve(aiohttp_server: Any, receiver: Receiver, port: int | None = None) -> Any:
    """The core system's webhook endpoint, on ``port`` (a free one by default)."""
    app = web.Application()
    app.router.add_post("/hooks/parley", receiver.handle)
    server = await aiohttp_server(app, host="127.0.0.1", port=port)
    receiver.url = str(server.make_url("/hooks/parley"))
    return server


def hooked(settings: Settings, url: str, **more: Any) -> Settings:
    """The test's settings with a core webhook at ``url``."""
    return settings.model_copy(
        update={
            "core_webhook_url": HttpUrl(url),
            "core_webhook_secret": SecretStr(SECRET),
            "core_webhook_max_tries": 5,
        }
        | more
    )
