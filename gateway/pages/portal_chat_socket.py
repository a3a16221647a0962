"""``/portal/chat`` and ``/portal/ws``: the debtor's web chat (session cookie, Origin checked).

The socket speaks JSON text frames. The server sends ``history`` on connect, then ``message``
for every message the page has not had (deduplicated by message id), ``state`` when the
conversation changes hands, ``typing`` while the assistant works on a reply, ``ack`` for each
message stored and ``error`` for each frame refused. The page sends ``message`` frames with
its own id for each message, so a resend after a reconnect is stored once.

The database is the record: every event (``chat_hub``) only makes the socket read it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.helpers import ChainMapProxy

from channels.events import InboundText
from channels.web_chat import PROVIDER
from gateway import clock
from gateway.appkeys import CHAT, ENGINE, PORTAL_SESSIONS, REDIS, SETTINGS
from gateway.auth import PORTAL_SESSION
from gateway.conversations.agent_events import TYPING
from gateway.conversations.inbound import receive
from gateway.db.engine import reading
from gateway.errors import Forbidden
from gateway.pages.origin import origin_allowed
from gateway.pages.portal_rendering import page
from gateway.portal.chat_frames import MAX_BODY, ClientMessage, FrameError, RateLimit, parse_frame
from gateway.portal.chat_history import ChatView, chat_view
from gateway.portal.sessions import PortalSession

log = logging.getLogger("parley.portal.chat")
routes = web.RouteTableDef()
# How often an open socket checks that its session still exists (signed out, expired);
# module-level so tests can shorten it.
SESSION_CHECK_SECONDS = 30.0
# While the assistant is typing, how often the socket looks again: a turn that ends without a
# reply publishes nothing.
TYPING_RECHECK_SECONDS = 5.0
HEARTBEAT_SECONDS = 25.0  # below the idle timeouts of common proxies (60 s)
SEND_TIMEOUT_SECONDS = 5.0
MAX_FRAME_BYTES = 64 * 1024  # a message frame is far smaller; larger ones close the socket
# How long the page says an agent is typing after the console's last note (sent every 4 s).
AGENT_TYPING_SECONDS = 8
SESSION_ENDED = 4401
TOO_MANY = 4429
CHANGED = '{"event": "chat.local"}'  # a message stored through this replica


@routes.get("/chat")
async def chat_page(request: web.Request) -> web.Response:
    """The chat page; its script opens ``/portal/ws``."""
    session = request[PORTAL_SESSION]
    return page(request, "portal_chat.j2", csrf_token=session.csrf_token, max_body=MAX_BODY)


@routes.get("/ws")
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """The debtor's chat until the page goes away or the session ends."""
    if not origin_allowed(request):
        raise Forbidden("this page's origin may not open the chat", code="bad_origin")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    await ChatConnection(ws, request.config_dict, request[PORTAL_SESSION]).run()
    return ws


class ChatConnection:
    """One open chat socket: its reader, its event follower and its session watch."""

    def __init__(
        self, ws: web.WebSocketResponse, config: ChainMapProxy, session: PortalSession
    ) -> None:
        self.ws = ws
        self.session = session
        self.conversation_id = session.conversation_id
        self.engine = config[ENGINE]
        self.redis = config[REDIS]
        self.settings = config[SETTINGS]
        self.sessions = config[PORTAL_SESSIONS]
        self.hub = config[CHAT]
        self.seen: set[str] = set()  # message ids this page has had
        self.state: str | None = None
        self.typing = False
        self.typing_started = asyncio.Event()  # wakes the watcher to follow a turn
        self.limit = RateLimit()
        self._sync_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        """Serve the socket until it closes."""
        # Joined before the history is read: nothing that changes after it goes unnoticed.
        queue = self.hub.join(self.conversation_id, self.ws)
        if queue is None:
            await self.ws.close(code=TOO_MANY, message=b"too many chat windows open")
            return
        helpers = [asyncio.create_task(self._follow(queue)), asyncio.create_task(self._watch())]
        try:
            await self.sync(initial=True)
            async for message in self.ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_text(message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._send(FrameError("bad_frame", "Send text frames only.").frame())
        except Exception as exc:
            log.warning("chat socket failed (%s)", type(exc).__name__)
        finally:
            self.hub.leave(self.conversation_id, self.ws)
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def sync(self, *, initial: bool = False) -> None:
        """Read the conversation again and send the page what changed."""
        async with self._sync_lock:
            async with reading(self.engine) as conn:
                view = await chat_view(conn, self.conversation_id)
            await self._push(view, initial)

    async def _push(self, view: ChatView, initial: bool) -> None:
        fresh = [m for m in view.messages if m["id"] not in self.seen]
        if len(self.seen) > 4 * len(view.messages) + 100:
            self.seen.clear()  # keep it bounded: what left the window never comes back
        self.seen.update(m["id"] for m in view.messages)
        if initial:
            await self._send({"type": "history", "messages": view.messages})
        else:
            for message in fresh:
                await self._send({"type": "message", **message})
        state = view.state or "closed"
        if state != self.state:
            self.state = state
            await self._send({"type": "state", "state": state})
        if view.assistant_typing != self.typing:
            self.typing = view.assistant_typing
            if self.typing:
                self.typing_started.set()
            await self._send({"type": "typing", "who": "assistant", "on": self.typing})

    async def _on_text(self, data: str) -> None:
        parsed = parse_frame(data)
        wait = self.limit.check()
        if wait is not None:
            client_id = parsed.id if isinstance(parsed, ClientMessage | FrameError) else None
            refused = FrameError(
                "rate_limited",
                "You are sending messages very quickly. Please wait a moment.",
                id=client_id,
                retry_after=wait,
            )
            await self._send(refused.frame())
        elif isinstance(parsed, FrameError):
            await self._send(parsed.frame())
        else:
            await self._store(parsed)

    async def _store(self, message: ClientMessage) -> None:
        # Writing is use of the session: it renews its idle expiry, and an ended one stores
        # nothing.
        if await self.sessions.resume(self.session.session_id) is None:
            await self._end_session()
            return
        text = InboundText(
            channel="chat",
            address=None,
            body=message.body,
            provider=PROVIDER,
            # Per conversation: the page's id is unique only to that page.
            provider_id=f"{self.conversation_id}:{message.id}",
            received_at=clock.utcnow(),
            conversation_id=self.conversation_id,
        )
        try:
            # Routed now: an agent holding the conversation hears of it at once.
            received = await receive(self.engine, self.redis, self.settings, text, route_now=True)
        except Exception as exc:
            # The type only: a database error's text can carry the statement's parameters.
            log.warning("chat message not stored (%s)", type(exc).__name__)
            refused = FrameError(
                "not_stored", "Your message was not sent yet. We will try again.", id=message.id
            )
            await self._send(refused.frame())
            return
        self.seen.add(received.message_id)
        await self._send({"type": "ack", "id": message.id, "message_id": received.message_id})
        if not received.duplicate:
            self.hub.notify(self.conversation_id, CHANGED)  # the page's other tabs here
        await self.sync()

    async def _follow(self, queue: asyncio.Queue[str]) -> None:
        """Read the conversation again whenever an event names it; an agent writing is only
        passed on (nothing about it is stored)."""
        while True:
            payload = await queue.get()
            try:
                if json.loads(payload).get("event") == TYPING:
                    frame = {"type": "typing", "who": "agent", "on": True}
                    await self._send(frame | {"seconds": AGENT_TYPING_SECONDS})
                    continue
                await self.sync()
            except Exception as exc:
                log.warning("chat socket could not catch up (%s)", type(exc).__name__)

    async def _watch(self) -> None:
        """Close the socket when its session ends; look again while the assistant types.

        An idle socket wakes only for the session check: hundreds of open chats would
        otherwise keep the replica busy. ``typing_started`` wakes it early.
        """
        checked = time.monotonic()
        while not self.ws.closed:
            until_check = SESSION_CHECK_SECONDS - (time.monotonic() - checked)
            delay = min(TYPING_RECHECK_SECONDS, until_check) if self.typing else until_check
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.typing_started.wait(), max(0.0, delay))
            self.typing_started.clear()
            try:
                if time.monotonic() - checked >= SESSION_CHECK_SECONDS:
                    checked = time.monotonic()
                    if not await self.sessions.alive(self.session.session_id):
                        await self._end_session()
                        return
                if self.typing:
                    await self.sync()
            except Exception as exc:
                log.warning("chat socket check failed (%s)", type(exc).__name__)

    async def _end_session(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code=SESSION_ENDED, message=b"session ended")

    async def _send(self, frame: dict[str, Any]) -> None:
        """Send one frame; a page that cannot take it within the timeout is closed (it reads
        everything again when it reconnects)."""
        if self.ws.closed:
            return
        async with self._send_lock:
            try:
                await asyncio.wait_for(self.ws.send_json(frame), SEND_TIMEOUT_SECONDS)
            except (ConnectionError, TimeoutError, RuntimeError):
                with contextlib.suppress(Exception):
                    await self.ws.close(code=1011)
