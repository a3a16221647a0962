"""Bot turns: the pending inbound text of one conversation goes to Rasa, strictly in order.

A per-conversation Redis lock (``redis.asyncio.lock.Lock``: a random token and a TTL, so a
crashed worker's lock expires by itself) keeps workers from interleaving turns; whoever holds it
answers the oldest pending message, so order holds even when jobs run out of order. A job that
finds the lock taken just ends: the holder looks again after every turn, once it let go, so a
message stored meanwhile is never left behind and no job spins on a busy lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import clock
from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.disclosure import disclose_once
from gateway.conversations.handoff import hand_off
from gateway.conversations.inbound import route_received
from gateway.conversations.rasa import AssistantUnavailable, RasaClient
from gateway.conversations.replies import queue_replies, reply_to
from gateway.conversations.store import has_pending, load_conversation, oldest_pending
from gateway.db.engine import reading
from gateway.db.tables import conversations, messages
from gateway.messages.send import Sender
from gateway.messages.send_decision import Prepared
from gateway.messages.statuses import InboundStatus
from gateway.worker.jobs import backoff_seconds

log = logging.getLogger("parley.bot_turns")
# Longer than one turn can take (a Rasa call is at most PARLEY_RASA_TIMEOUT_SECONDS).
LOCK_TTL_SECONDS = 120.0
MAX_RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class BotTurns:
    """Answers conversations through Rasa; one per worker."""

    engine: AsyncEngine
    redis: ArqRedis
    settings: Settings
    rasa: RasaClient
    sender: Sender

    async def answer(self, message_id: str, *, job_try: int = 1) -> str:
        """Answer the conversation of ``message_id``: every pending message, oldest first.

        A text still ``received`` is routed first (keywords were dealt with when it came in).
        """
        async with reading(self.engine) as conn:
            found = (
                await conn.execute(
                    select(messages.c.status, messages.c.conversation_id).where(
                        messages.c.id == message_id
                    )
                )
            ).first()
        conversation_id = found.conversation_id if found is not None else None
        if found is not None and found.status == InboundStatus.RECEIVED:
            async with self.engine.begin() as conn:
                routed = await route_received(conn, message_id, self.settings)
            if routed is not None:
                conversation_id = routed.conversation_id
                routed.after.turns.clear()  # this job is their turn
                await routed.after.flush(self.redis, self.settings)
        if conversation_id is None:
            return "no conversation"
        answered = 0
        while True:
            lock = conversation_lock(self.redis, conversation_id)
            if not await lock.acquire(blocking=False):
                return f"answered {answered}; another turn holds the conversation"
            try:
                pending = await self._oldest_pending(conversation_id)
                if pending is not None and not await self._answer_one(pending, job_try):
                    return f"answered {answered}; a person takes over"
            finally:
                try:
                    await lock.release()
                except LockError:
                    log.warning("a turn outlived its lock on conversation %s", conversation_id)
            # Looked at after letting go: a text stored meanwhile, whose own job found the lock
            # taken and ended, is answered here.
            if pending is None:
                return f"answered {answered}"
            answered += 1
            if not await self._any_pending(conversation_id):
                return f"answered {answered}"

    async def _answer_one(self, pending: Any, job_try: int) -> bool:
        """One turn: the text to Rasa, the answer recorded and sent, in order. False when Rasa
        stayed away too long and a person took the conversation over."""
        metadata = {
            "channel": pending.channel,
            "account_ref": pending.account_ref,
            "message_id": pending.message_id,
        }
        try:
            replies = await self.rasa.turn(pending.id, pending.message_body, metadata)
        except AssistantUnavailable as exc:
            await self._assistant_down(pending, exc, job_try)
            return False
        for prepared in await self._record_turn(pending, replies):
            await self.sender.hand_over_now(prepared)
        return True

    async def _any_pending(self, conversation_id: str) -> bool:
        async with reading(self.engine) as conn:
            return await has_pending(conn, conversation_id)

    async def _oldest_pending(self, conversation_id: str) -> Any:
        async with reading(self.engine) as conn:
            return await oldest_pending(conn, conversation_id)

    async def _record_turn(self, pending: Any, replies: list[str]) -> list[Prepared]:
        """Mark the message answered, queue the replies and decide on them, in one
        transaction: each reply is recorded before it goes to the provider."""
        now = clock.utcnow()
        async with self.engine.begin() as conn:
            holder = await conn.scalar(
                select(conversations.c.assigned_agent).where(conversations.c.id == pending.id)
            )
            if holder is not None:
                return []  # an agent took the conversation during the turn: theirs to answer
            # "for_agent" too: a handoff this very turn made (hardship, an agent request) moved
            # the message, and the assistant's answer to it ("connecting you...") must still go.
            await conn.execute(
                update(messages)
                .where(
                    messages.c.id == pending.message_id,
                    messages.c.status.in_((InboundStatus.PENDING, InboundStatus.FOR_AGENT)),
                )
                .values(status=InboundStatus.ANSWERED, updated_at=now)
            )
            answers = [reply_to(pending, text, "reply", self.settings) for text in replies]
            answers = await disclose_once(conn, pending, answers, self.settings, now)
            sends = await queue_replies(conn, answers, now, self.settings)
            return [await self.sender.prepare(conn, message_id) for message_id in sends]

    async def _assistant_down(self, pending: Any, exc: AssistantUnavailable, job_try: int) -> None:
        """Keep the message; retry with backoff, and after the configured wait hand it to a
        person with a short holding reply."""
        settings = self.settings
        now = clock.utcnow()
        if now - pending.message_created_at < timedelta(
            seconds=settings.bot_unavailable_escalate_seconds
        ):
            log.warning("assistant unavailable (try %d): %s", job_try, exc)
            delay = backoff_seconds(settings.send_retry_base_seconds, job_try)
            raise Retry(defer=min(delay, MAX_RETRY_SECONDS))
        reason = f"assistant_unavailable: {exc}"
        async with self.engine.begin() as conn:
            before = await load_conversation(conn, pending.id, lock=True)
            updates = await hand_off(
                conn, before, reason=reason, now=now, message_id=pending.message_id
            )
            # Already with a person when the assistant handed over earlier in this very turn
            # and then failed to answer: the message is theirs too.
            await conn.execute(
                update(messages)
                .where(messages.c.id == pending.message_id)
                .where(messages.c.status == InboundStatus.PENDING)
                .values(status=InboundStatus.FOR_AGENT, updated_at=now)
            )
            holding = texts.assistant_unavailable(settings.collector_name)
            holding_reply = reply_to(before, holding, "reply", settings)
            sends = await queue_replies(conn, [holding_reply], now, settings)
            after = await load_conversation(conn, pending.id)
        await (
            AfterCommit(sends=sends, updates=updates)
            .escalation(before, after)
            .flush(self.redis, settings)
        )


def conversation_lock(redis: ArqRedis, conversation_id: str) -> Lock:
    """The lock whose holder answers the conversation's pending messages."""
    return Lock(redis, f"parley:lock:conversation:{conversation_id}", timeout=LOCK_TTL_SECONDS)
