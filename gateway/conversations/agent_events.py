"""Telling agent consoles, on any gateway replica, that a conversation needs a person."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

log = logging.getLogger("parley.agent_events")
AGENT_CHANNEL = "parley:agent"
# What agent consoles are told; each names a conversation to read again through the API.
WAITING = "conversation.waiting"
CLAIMED = "conversation.claimed"
RELEASED = "conversation.released"
RESOLVED = "conversation.resolved"
RETURNED = "conversation.returned_to_bot"
UPDATED = "conversation.updated"  # a note or an account update was added
MESSAGE_RECEIVED = "message.received"
MESSAGE_STATUS = "message.status"
# The agent holding a conversation is writing: the debtor's chat says so for a few seconds.
TYPING = "conversation.typing"


@dataclass(frozen=True, slots=True)
class AgentEvent:
    """Something agents should see now: a message for them, an escalated conversation."""

    event: str
    conversation_id: str
    fields: dict[str, Any] = field(default_factory=dict)


def agent_channel(redis: Redis) -> str:
    """The channel of this Redis database's deployment: pub/sub ignores database numbers, so
    deployments sharing a Redis server on different databases would hear each other."""
    return f"{AGENT_CHANNEL}:{redis.connection_pool.connection_kwargs.get('db', 0)}"


async def publish(redis: Redis, event: AgentEvent) -> None:
    """Publish an event; the database stays the record, so a lost event costs only latency."""
    payload = json.dumps(
        {"event": event.event, "conversation_id": event.conversation_id, **event.fields}
    )
    try:
        await redis.publish(agent_channel(redis), payload)
    except Exception:
        log.exception("could not publish %s for %s", event.event, event.conversation_id)


def status_event(message: Any, status: str | None = None) -> AgentEvent | None:
    """``message.status`` for a message row of a conversation (agents watch their replies
    go); ``status`` when the row predates the change."""
    if message is None or message.conversation_id is None:
        return None
    fields = {"message_id": message.id, "status": str(status or message.status)}
    return AgentEvent(MESSAGE_STATUS, message.conversation_id, fields)
