"""Telling agent consoles, on any gateway replica, that a conversation needs a person."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

log = logging.getLogger("parley.agent_events")
AGENT_CHANNEL = "parley:agent"


@dataclass(frozen=True, slots=True)
class AgentEvent:
    """Something agents should see now: a message for them, an escalated conversation."""

    event: str
    conversation_id: str
    fields: dict[str, Any] = field(default_factory=dict)


async def publish(redis: Redis, event: AgentEvent) -> None:
    """Publish an event; the database stays the record, so a lost event costs only latency."""
    payload = json.dumps(
        {"event": event.event, "conversation_id": event.conversation_id, **event.fields}
    )
    try:
        await redis.publish(AGENT_CHANNEL, payload)
    except Exception:
        log.exception("could not publish %s for %s", event.event, event.conversation_id)
