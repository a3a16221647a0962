"""Telling agent consoles, on any gateway replica, that a conversation needs a person."""

from __future__ import annotations

import json
import logging

from redis.asyncio import Redis

log = logging.getLogger("parley.agent_events")
AGENT_CHANNEL = "parley:agent"


async def publish(redis: Redis, event: str, conversation_id: str, **fields: object) -> None:
    """Publish an event; the database stays the record, so a lost event costs only latency."""
    payload = json.dumps({"event": event, "conversation_id": conversation_id, **fields})
    try:
        await redis.publish(AGENT_CHANNEL, payload)
    except Exception:
        log.exception("could not publish %s for %s", event, conversation_id)
