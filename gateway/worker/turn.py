"""The bot-turn job: pending inbound text of one conversation goes to Rasa, strictly in order."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from arq import Retry
from sqlalchemy import select, update

from gateway import clock
from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.agent_events import publish
from gateway.conversations.handoff import hand_off
from gateway.conversations.lock import ConversationLock
from gateway.conversations.rasa import AssistantUnavailable
from gateway.conversations.replies import enqueue_messages, queue_replies, reply_to
from gateway.conversations.store import load_conversation
from gateway.db.tables import messages
from gateway.messages.send import backoff_seconds
from gateway.messages.send_reply import send_now
from gateway.records.updates import enqueue_deliveries

log = logging.getLogger("parley.worker.turn")
# Longer than one Rasa call can take; extended before every message.
LOCK_TTL_MS = 120_000
MAX_RETRY_SECONDS = 30.0


async def bot_turn(ctx: dict[str, Any], message_id: str) -> str:
    """Answer the conversation of ``message_id``: every pending message, oldest first.

    The per-conversation lock keeps several workers from interleaving turns; whoever holds it
    takes the oldest pending message, so order holds even when jobs run out of order. A job
    that finds the lock taken just ends: the holder answers every pending message and looks
    once more after letting go, so a message stored meanwhile is never left behind (and no
    job spins on a busy lock).
    """
    async with ctx["engine"].connect() as conn:
        conversation_id = await conn.scalar(
            select(messages.c.conversation_id).where(messages.c.id == message_id)
        )
    if conversation_id is None:
        return "no conversation"
    answered = 0
    while True:
        lock = ConversationLock(ctx["redis"], conversation_id, LOCK_TTL_MS)
        if not await lock.acquire():
            return f"answered {answered}; another turn holds the conversation"
        try:
            answered += await _answer_pending(ctx, conversation_id, lock)
        finally:
            await lock.release()
        if await _oldest_pending(ctx, conversation_id) is None:
            return f"answered {answered}"


async def _answer_pending(ctx: dict[str, Any], conversation_id: str, lock: ConversationLock) -> int:
    """Answer pending messages in order while the lock is ours; returns how many."""
    answered = 0
    while await lock.extend():
        pending = await _oldest_pending(ctx, conversation_id)
        if pending is None:
            break
        async with ctx["engine"].connect() as conn:
            conversation = await load_conversation(conn, conversation_id)
        metadata = {
            "channel": conversation.channel,
            "account_ref": conversation.account_ref,
            "message_id": pending.id,
        }
        try:
            replies = await ctx["rasa"].turn(conversation_id, pending.body, metadata)
        except AssistantUnavailable as exc:
            await _assistant_down(ctx, conversation, pending, exc)
            break
        for reply_id in await _record_turn(ctx, conversation, pending.id, replies):
            await send_now(ctx, reply_id)
        answered += 1
    return answered


async def _oldest_pending(ctx: dict[str, Any], conversation_id: str) -> Any:
    async with ctx["engine"].connect() as conn:
        return (
            await conn.execute(
                select(messages)
                .where(
                    messages.c.conversation_id == conversation_id,
                    messages.c.direction == "inbound",
                    messages.c.status == "pending",
                )
                .order_by(messages.c.created_at, messages.c.id)
                .limit(1)
            )
        ).first()


async def _record_turn(
    ctx: dict[str, Any], conversation: Any, message_id: str, replies: list[str]
) -> list[str]:
    """Mark the message answered and queue the replies, in one transaction."""
    settings: Settings = ctx["settings"]
    now = clock.utcnow()
    async with ctx["engine"].begin() as conn:
        # "for_agent" too: a handoff this very turn made (hardship, an agent request) moved
        # the message, and the assistant's answer to it ("connecting you...") must still go.
        await conn.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status.in_(("pending", "for_agent")))
            .values(status="answered", updated_at=now)
        )
        return await queue_replies(
            conn,
            [reply_to(conversation, text, "reply", settings) for text in replies],
            now,
        )


async def _assistant_down(
    ctx: dict[str, Any], conversation: Any, pending: Any, exc: AssistantUnavailable
) -> None:
    """Keep the message; retry with backoff, and after the configured wait hand it to a person."""
    settings: Settings = ctx["settings"]
    now = clock.utcnow()
    waited = now - pending.created_at
    if waited < timedelta(seconds=settings.bot_unavailable_escalate_seconds):
        job_try = int(ctx.get("job_try", 1))
        log.warning("assistant unavailable (try %d): %s", job_try, exc)
        raise Retry(defer=min(backoff_seconds(settings, job_try), MAX_RETRY_SECONDS))
    reason = f"assistant_unavailable: {exc}"
    async with ctx["engine"].begin() as conn:
        conversation = await load_conversation(conn, conversation.id, lock=True)
        updates = await hand_off(conn, conversation, reason=reason, now=now, message_id=pending.id)
        sends = await queue_replies(
            conn,
            [
                reply_to(
                    conversation,
                    texts.assistant_unavailable(settings.collector_name),
                    "reply",
                    settings,
                )
            ],
            now,
        )
    await enqueue_messages(ctx["redis"], sends)
    await enqueue_deliveries(ctx["redis"], settings, updates)
    await publish(ctx["redis"], "conversation.escalated", conversation.id, reason=reason)
