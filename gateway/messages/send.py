"""The one send core: every outbound message (an outreach's, a reply, a confirmation) leaves here.

Policy is asked again at send time (``send_decision``: a STOP may have arrived). The message is
recorded as ``sending`` before the provider call and as sent or failed after it, in
transactions that never span the call. A message found in ``sending`` is reconciled through the
provider, never sent twice blindly: found means sent, "never got it" means send again, and
"cannot tell" leaves it ``unknown`` for a person. Outreach and conversation messages differ
only in what a status change brings along (``gateway.messages.transitions``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from channels.base import CANNOT_TELL, LookupVerdict, OutboundMessage, Provider, ProviderError
from gateway import clock
from gateway.config import Settings
from gateway.conversations.agent_events import publish, status_event
from gateway.db.engine import reading
from gateway.db.tables import timeline
from gateway.messages.send_decision import Prepared, load_outbound, prepare
from gateway.messages.send_records import record_failure, record_sent
from gateway.messages.statuses import OutboundStatus
from gateway.messages.transitions import move
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.worker.jobs import backoff_seconds, enqueue_message

log = logging.getLogger("parley.send")
NEVER_SENT = "reconciled: the provider never received the earlier attempt"
CANNOT_TELL_REASON = (
    "the answer to the send was lost and the provider cannot say whether it got the message; "
    "it is not sent again: a person must check"
)


@dataclass(frozen=True, slots=True)
class Sender:
    """Sends outbound messages by id; one per worker (or per test)."""

    engine: AsyncEngine
    redis: ArqRedis
    providers: Mapping[str, Provider]
    settings: Settings

    async def send(self, message_id: str, *, job_try: int = 1) -> str:
        """Send one message if policy allows it now; returns what happened.

        Raises ``Retry`` (with backoff) when the provider may accept it later.
        """
        async with self.engine.begin() as conn:
            prepared = await self.prepare(conn, message_id)
        if prepared.status is OutboundStatus.SENDING and prepared.row is None:
            # Recorded as sending by an earlier try whose answer was lost: ask, never resend.
            verdict = await self._reconcile(message_id, job_try)
            if verdict is not None:
                return verdict
            async with self.engine.begin() as conn:
                prepared = await self.prepare(conn, message_id)
        return await self.hand_over(prepared, job_try=job_try)

    async def prepare(self, conn: AsyncConnection, message_id: str) -> Prepared:
        """``prepare`` with this sender's settings."""
        return await prepare(conn, message_id, self.settings)

    async def hand_over(self, prepared: Prepared, *, job_try: int = 1) -> str:
        """After the prepare's transaction committed: a deferral is enqueued for its time, a
        message recorded as sending goes to the provider and its answer is recorded."""
        row = prepared.row
        if row is None or prepared.status is not OutboundStatus.SENDING:
            if prepared.status is OutboundStatus.DEFERRED:
                try:
                    await enqueue_message(self.redis, prepared.message_id, prepared.not_before)
                except Exception:
                    log.exception("could not enqueue a deferred send; the requeue sweep will")
            return str(prepared.status)
        provider = self.providers[row.channel]
        try:
            result = await provider.send(_outbound(row))
        except ProviderError as exc:
            return await self._failed(row, exc, job_try)
        async with self.engine.begin() as conn:
            await record_sent(conn, row, result.provider_id, provider.name)
        await self._tell_agents(row, OutboundStatus.SENT)
        return "sent"

    async def _tell_agents(self, row: Any, status: OutboundStatus) -> None:
        event = status_event(row, status)
        if event is not None:
            await publish(self.redis, event)

    async def hand_over_now(self, prepared: Prepared) -> None:
        """Hand over from inside another job, so a turn's replies leave in order and without
        queue delay; whatever cannot finish here (a retry, an error) becomes a job of its own."""
        message_id = prepared.message_id
        try:
            await self.hand_over(prepared)
        except Retry as retry:
            await enqueue_message(self.redis, message_id, retry_in=(retry.defer_score or 0) / 1000)
        except Exception:
            log.exception("sending %s failed; handing it to a job", message_id)
            await enqueue_message(self.redis, message_id)

    async def _reconcile(self, message_id: str, job_try: int) -> str | None:
        """A send was recorded but its answer was not: ask the provider instead of resending.

        Returns what happened, or None when the provider never got it and it may go again.
        """
        async with reading(self.engine) as conn:
            row = await load_outbound(conn, message_id)
            since = await conn.scalar(
                select(func.max(timeline.c.at)).where(
                    timeline.c.message_id == row.id, timeline.c.status == OutboundStatus.SENDING
                )
            )
        provider = self.providers[row.channel]
        try:
            lookup = await provider.lookup(_outbound(row), since=since or row.updated_at)
        except ProviderError as exc:
            if exc.retryable:
                raise Retry(defer=self._backoff(job_try)) from exc
            lookup = CANNOT_TELL
        now = clock.utcnow()
        async with self.engine.begin() as conn:
            row = await load_outbound(conn, row.id, lock=True)
            if row is None or row.status != OutboundStatus.SENDING:
                return "raced"
            if lookup.verdict is LookupVerdict.FOUND:
                assert lookup.result is not None
                await record_sent(conn, row, lookup.result.provider_id, provider.name)
                return "reconciled as sent"
            if lookup.verdict is LookupVerdict.NOT_SENT:
                await move(
                    conn,
                    row,
                    OutboundStatus.QUEUED,
                    now,
                    step="reconciled",
                    detail={"reason": NEVER_SENT},
                )
                return None
            await move(
                conn, row, OutboundStatus.UNKNOWN, now, detail={"reason": CANNOT_TELL_REASON}
            )
            if row.account_ref is not None:
                entry = AuditEntry(
                    account_chain(row.account_ref),
                    "message.outcome_unknown",
                    now,
                    {"outreach_id": row.outreach_id, "reason": "provider_cannot_tell"},
                    row.id,
                )
                await audit.append(conn, [entry])
        log.error("message %s: send outcome unknown and the provider cannot tell", row.id)
        return "unknown"

    async def _failed(self, row: Any, exc: ProviderError, job_try: int) -> str:
        retry = exc.retryable and job_try < self.settings.send_max_tries
        async with self.engine.begin() as conn:
            await record_failure(conn, row, exc, job_try=job_try, retry=retry)
        if not retry:
            await self._tell_agents(row, OutboundStatus.FAILED)
        if retry:
            raise Retry(defer=self._backoff(job_try))
        return "failed"

    def _backoff(self, job_try: int) -> float:
        return backoff_seconds(self.settings.send_retry_base_seconds, job_try)


def _outbound(row: Any) -> OutboundMessage:
    return OutboundMessage(
        row.id,
        row.channel,
        row.address,
        row.body,
        row.subject,
        html=row.html,
        headers=row.headers or {},
    )
