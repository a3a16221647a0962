"""Outbound messages that are not outreach: assistant replies and keyword confirmations.

They are recorded as ``queued`` in the same transaction as what caused them and sent by the
worker's ``send_message`` job, which asks the policy layer again at send time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.db.tables import messages
from gateway.ids import new_id

log = logging.getLogger("parley.outbox")
SEND_MESSAGE = "send_message"
# A one-time confirmation of what the consumer just asked for (opt-out, opt-in, wrong number,
# help). The FCC allows it after a revocation, so consent rules do not apply; nothing else may
# use this purpose.
CONFIRMATION = "confirmation"


@dataclass(frozen=True, slots=True)
class Reply:
    """Text to send on a conversation's channel to the address the consumer wrote from."""

    channel: str
    address: str
    body: str
    purpose: str
    account_id: int | None
    conversation_id: str | None
    provider: str


def reply_to(conversation: Any, body: str, purpose: str, settings: Settings) -> Reply:
    """A message back to where the consumer wrote from in this conversation."""
    return Reply(
        channel=conversation.channel,
        address=conversation.address,
        body=body,
        purpose=purpose,
        account_id=conversation.account_id,
        conversation_id=conversation.id,
        provider=settings.provider_name(conversation.channel),
    )


async def queue_replies(
    conn: AsyncConnection, replies: Sequence[Reply], now: datetime
) -> list[str]:
    """Record replies as queued; returns their message ids for ``enqueue_messages``."""
    ids = []
    for reply in replies:
        message_id = new_id("msg")
        await conn.execute(
            messages.insert().values(
                id=message_id,
                conversation_id=reply.conversation_id,
                account_id=reply.account_id,
                channel=reply.channel,
                direction="outbound",
                address=reply.address,
                body=reply.body,
                provider=reply.provider,
                purpose=reply.purpose,
                status="queued",
                created_at=now,
                updated_at=now,
            )
        )
        ids.append(message_id)
    return ids


def message_job_id(message_id: str, not_before: datetime | None = None) -> str:
    """Deterministic: enqueueing a send twice is a no-op, a deferral is a new job."""
    if not_before is None:
        return f"msg:{message_id}"
    return f"msg:{message_id}:{int(not_before.timestamp())}"


async def enqueue_messages(redis: ArqRedis, message_ids: Sequence[str]) -> None:
    """Enqueue the send of each message after its transaction committed.

    A failure is logged, not raised: the messages are stored and the requeue sweep finds them.
    """
    try:
        for message_id in message_ids:
            await redis.enqueue_job(SEND_MESSAGE, message_id, _job_id=message_job_id(message_id))
    except Exception:
        log.exception(
            "enqueue of %d messages failed; the requeue sweep will retry", len(message_ids)
        )
