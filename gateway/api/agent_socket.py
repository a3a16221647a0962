"""``/agent/ws``: live events for a logged-in agent's console (session cookie, Origin checked)."""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType, web

from gateway.appkeys import AGENT_SESSIONS, LIVE
from gateway.auth import SESSION
from gateway.errors import Forbidden
from gateway.pages.origin import origin_allowed

routes = web.RouteTableDef()
# How often an open socket checks that its session still exists (logout, expiry elsewhere).
SESSION_CHECK_SECONDS = 30.0
SESSION_ENDED = 4401


@routes.get("/ws")
async def socket(request: web.Request) -> web.WebSocketResponse:
    """Push every agent event to this console until it goes away or its session ends."""
    if not origin_allowed(request):
        raise Forbidden("this page's origin may not open the agent socket", code="bad_origin")
    ws = web.WebSocketResponse(heartbeat=30.0, receive_timeout=SESSION_CHECK_SECONDS)
    await ws.prepare(request)
    hub = request.config_dict[LIVE]
    store = request.config_dict[AGENT_SESSIONS]
    session = request[SESSION]
    writer = asyncio.create_task(hub.serve(ws))
    try:
        while not ws.closed:
            try:
                message = await ws.receive()
            except TimeoutError:
                if not await store.alive(session.session_id):
                    await ws.close(code=SESSION_ENDED, message=b"session ended")
                continue
            if message.type in (
                WSMsgType.CLOSE,
                WSMsgType.CLOSING,
                WSMsgType.CLOSED,
                WSMsgType.ERROR,
            ):
                break
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
    return ws
