"""A stand-in for Rasa that answers every turn at once, for measuring what the gateway adds.

Rasa's own time varies by tens of milliseconds from turn to turn, more than the gateway adds;
against this stub both paths do the same (nothing), so their difference is the gateway's work.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from bench.processes import free_port

ANSWER = "Thank you, a stub answered."


class RasaStub:
    """Rasa's REST channel on 127.0.0.1, in a thread of its own (the stack outlives loops)."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        """Serve until ``stop``."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(30)

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", _turn)
        app.router.add_get("/status", _status)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = int(self.url.rsplit(":", 1)[1])
        await web.TCPSite(self._runner, "127.0.0.1", port).start()


async def _turn(request: web.Request) -> web.Response:
    sender = (await request.json())["sender"]
    return web.json_response([{"recipient_id": sender, "text": ANSWER}])


async def _status(_request: web.Request) -> web.Response:
    return web.json_response({"model_file": "stub"})
