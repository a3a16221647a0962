"""Handing a conversation to a person: state, a ``handoff`` account update, the agent queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.conversations.store import escalate
from gateway.records.updates import NewUpdate, record_update


async def hand_off(
    conn: AsyncConnection,
    conversation: Any,
    *,
    reason: str,
    now: datetime,
    message_id: str | None = None,
    turn_running: bool = False,
) -> list[int]:
    """Escalate and record the handoff the core system hears about; returns new update ids.

    Nothing is recorded when the conversation is already with a person. ``turn_running`` as
    for ``escalate``.
    """
    if not await escalate(conn, conversation, reason=reason, now=now, turn_running=turn_running):
        return []
    if conversation.account_id is None:
        return []
    stored = await record_update(
        conn,
        account_id=conversation.account_id,
        account_ref=conversation.account_ref,
        update=NewUpdate(
            kind="handoff",
            data={"reason": reason},
            source="bot",
            conversation_id=conversation.id,
            message_id=message_id,
        ),
        now=now,
    )
    return [stored.id] if stored.created else []
