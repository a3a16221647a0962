"""Live updates for debtors' chat pages: one Redis subscriber per gateway replica, fanned out to
the chat sockets connected to that replica, by conversation.

The subscriber listens on the agents' channel (``agent_events.agent_channel``): every event
there names its conversation, and the ones a chat page cares about (a reply sent, the
conversation escalated, claimed, resolved or returned to the bot) are published there already.
Events only say that a conversation changed; each socket reads the database again (the record)
and pushes what its page has not had, so an event lost while Redis was down costs latency,
never a message: the page reads everything again when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

log = logging.getLogger("parley.portal.chat_hub")
# Each event makes its socket read the database again, so a full queue already holds a re-read
# that will see whatever a dropped event announced: dropping loses nothing.
QUEUE_SIZE = 16
# Tabs of one conversation on one replica; more are refused (each holds a task and a queue).
MAX_SOCKETS_PER_CONVERSATION = 8
RESUBSCRIBED = '{"event": "chat.resubscribed"}'


class ChatHub:
    """This replica's chat sockets by conversation id, fed by its subscriber
    (``gateway.conversations.event_subscriber``)."""

    def __init__(self, max_sockets: int = MAX_SOCKETS_PER_CONVERSATION) -> None:
        self.rooms: dict[str, dict[web.WebSocketResponse, asyncio.Queue[str]]] = {}
        self.subscribed = asyncio.Event()
        self.max_sockets = max_sockets
        self.closing = False

    def join(self, conversation_id: str, ws: web.WebSocketResponse) -> asyncio.Queue[str] | None:
        """The queue of events for a socket of this conversation; None when it may not join
        (the conversation has too many sockets here, or the replica is stopping)."""
        room = self.rooms.setdefault(conversation_id, {})
        if self.closing or len(room) >= self.max_sockets:
            if not room:
                del self.rooms[conversation_id]
            return None
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        room[ws] = queue
        return queue

    def leave(self, conversation_id: str, ws: web.WebSocketResponse) -> None:
        """Forget a socket that closed."""
        room = self.rooms.get(conversation_id)
        if room is None:
            return
        room.pop(ws, None)
        if not room:
            del self.rooms[conversation_id]

    def notify(self, conversation_id: str, payload: str) -> None:
        """Queue an event for every socket of the conversation on this replica."""
        for queue in list(self.rooms.get(conversation_id, {}).values()):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(payload)

    def dispatch(self, payload: str) -> None:
        """An event from Redis: to the sockets of its conversation, if any are here."""
        if not self.rooms:
            return  # most replicas, most of the time: not worth parsing
        try:
            event = json.loads(payload)
        except ValueError:
            return
        conversation_id = event.get("conversation_id") if isinstance(event, dict) else None
        if isinstance(conversation_id, str) and conversation_id in self.rooms:
            self.notify(conversation_id, payload)

    def resubscribed(self) -> None:
        """Events published while the subscriber was away are lost: every socket reads its
        conversation again."""
        for conversation_id in list(self.rooms):
            self.notify(conversation_id, RESUBSCRIBED)

    async def close(self) -> None:
        """Close every chat socket (the replica is stopping); pages reconnect elsewhere."""
        self.closing = True
        sockets = [ws for room in self.rooms.values() for ws in room]
        self.rooms.clear()
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")
