"""Outbound messages that are not outreach: assistant replies and keyword confirmations.

They are recorded as ``queued`` in the same transaction as what caused them and sent by the
send core (``gateway.messages.send``), which asks the policy layer again at send time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.email_thread import email_parts
from gateway.db.tables import messages
from gateway.ids import new_id
from gateway.messages.statuses import OutboundStatus


@dataclass(frozen=True, slots=True)
class Reply:
    """Text to send on a conversation's channel to the address the consumer wrote from."""

    channel: str
    address: str | None
    body: str
    purpose: str
    account_id: int | None
    conversation_id: str | None
    provider: str
    agent_id: str | None = None
    # Set on the one reply that carries the conversation's disclosure (see ``disclosure``).
    kind: str | None = None


def reply_to(
    conversation: Any, body: str, purpose: str, settings: Settings, agent_id: str | None = None
) -> Reply:
    """A message back to where the consumer wrote from in this conversation (``agent_id``: an
    agent wrote it)."""
    return Reply(
        channel=conversation.channel,
        address=conversation.address,
        body=body,
        purpose=purpose,
        account_id=conversation.account_id,
        conversation_id=conversation.id,
        provider=settings.provider_name(conversation.channel),
        agent_id=agent_id,
    )


async def queue_replies(
    conn: AsyncConnection, replies: Sequence[Reply], now: datetime, settings: Settings
) -> list[str]:
    """Record replies as queued; returns their message ids, to send once committed.

    A reply by email is an email like any other: subject, HTML part and unsubscribe link, in
    the thread the consumer wrote in (``email_thread``).
    """
    ids = []
    for reply in replies:
        message_id = new_id("msg")
        parts: dict[str, Any] = {"body": reply.body}
        if reply.channel == "email":
            parts = await email_parts(conn, reply.conversation_id, reply.body, message_id, settings)
        await conn.execute(
            messages.insert().values(
                id=message_id,
                conversation_id=reply.conversation_id,
                account_id=reply.account_id,
                channel=reply.channel,
                direction="outbound",
                address=reply.address,
                provider=reply.provider,
                purpose=reply.purpose,
                agent_id=reply.agent_id,
                kind=reply.kind,
                status=OutboundStatus.QUEUED,
                created_at=now,
                updated_at=now,
                **parts,
            )
        )
        ids.append(message_id)
    return ids
