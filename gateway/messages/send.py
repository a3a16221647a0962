"""The one send core: every outbound message (an outreach's, a reply, a confirmation) leaves here.

Policy is asked again at send time (a STOP may have arrived). The message is recorded as
``sending`` before the provider call and as sent or failed after it, in transactions that never
span the call. A message found in ``sending`` is reconciled through the provider, never sent
twice blindly: found means sent, "never got it" means send again, and "cannot tell" leaves it
``unknown`` for a person. Outreach and conversation messages differ only in what a status change
brings along (``gateway.messages.transitions``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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
from gateway.db.tables import accounts, messages, timeline
from gateway.messages.send_records import record_failure, record_sent
from gateway.messages.statuses import UNSENT, OutboundStatus
from gateway.messages.transitions import move
from gateway.outreach.composing import checked_text
from gateway.outreach.decisions import DECISION_EVENT, decide
from gateway.outreach.snapshots import load_snapshots
from gateway.records import audit
from gateway.records.accounts import hold_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.worker.jobs import backoff_seconds, enqueue_message
from policies import MessageFacts, Outcome

log = logging.getLogger("parley.send")
# A one-time confirmation of what the consumer just asked for (opt-out, opt-in, wrong number,
# help). The FCC allows it after a revocation, so consent rules do not apply; nothing else may
# use this purpose.
CONFIRMATION = "confirmation"
NEVER_SENT = "reconciled: the provider never received the earlier attempt"
CANNOT_TELL_REASON = (
    "the answer to the send was lost and the provider cannot say whether it got the message; "
    "it is not sent again: a person must check"
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message decided on at send time: ``row`` (and ``status`` sending) when it may go now,
    ``not_before`` when deferred; otherwise ``status`` says why nothing is to be done."""

    message_id: str
    row: Any
    status: str
    not_before: datetime | None = None


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
            row = await _load(conn, message_id)
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
            row = await _load(conn, row.id, lock=True)
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


async def prepare(conn: AsyncConnection, message_id: str, settings: Settings) -> Prepared:
    """In the caller's transaction: decide at send time and record the verdict (sending,
    deferred or blocked). A message found in ``sending`` comes back without its row: its
    earlier try must be reconciled first, outside any transaction."""
    row = await _load(conn, message_id, lock=True)
    if row is None:
        return Prepared(message_id, None, "missing")
    if row.status == OutboundStatus.SENDING:
        return Prepared(message_id, None, OutboundStatus.SENDING)
    if row.status not in UNSENT:
        return Prepared(message_id, None, f"already {row.status}")
    due = row.not_before
    if row.status == OutboundStatus.DEFERRED and due is not None and due > clock.utcnow():
        return Prepared(message_id, None, "not yet due")  # an older job of a later deferral
    status, not_before = await _check(conn, row, settings)
    return Prepared(message_id, row, status, not_before)


async def _check(
    conn: AsyncConnection, row: Any, settings: Settings
) -> tuple[OutboundStatus, datetime | None]:
    """Decide at send time and record the verdict: sending, deferred (until when) or
    blocked. A confirmation is not a contact the rules govern."""
    now = clock.utcnow()
    chain = account_chain(row.account_ref) if row.account_ref else None
    entries: list[AuditEntry] = []
    decided: dict[str, Any] = {}
    if row.purpose != CONFIRMATION and row.account_id is None:
        # Fail closed: without an account there are no facts to allow anything on.
        detail = {"reason": "no account: nothing but a confirmation may go to this sender"}
        await move(conn, row, OutboundStatus.BLOCKED, now, detail=detail)
        return OutboundStatus.BLOCKED, None
    if row.purpose != CONFIRMATION:
        override = settings.ruleset
        # A STOP committing now waits for this check, or this check waits for the STOP.
        await hold_account(conn, row.account_id)
        snapshots = await load_snapshots(
            conn, now=now, ids=[row.account_id], ruleset_override=override, channel=row.channel
        )
        account = next(iter(snapshots.values()))
        evaluation = decide(
            account,
            row.channel,
            row.purpose,
            now,
            address=row.address,
            ruleset_override=override,
            message=message_facts(row, account.first_communication_at is None),
        )
        payload = evaluation.audit_payload("send", purpose=row.purpose, message_id=row.id)
        assert chain is not None  # a message the rules govern belongs to an account
        entries.append(AuditEntry(chain, DECISION_EVENT, now, payload, row.outreach_id or row.id))
        decision = evaluation.decision
        decided = {"decision": decision.to_dict()}
        if decision.outcome is not Outcome.ALLOW:
            status = (
                OutboundStatus.DEFERRED
                if decision.outcome is Outcome.DEFER
                else OutboundStatus.BLOCKED
            )
            await move(
                conn,
                row,
                status,
                now,
                detail=decided,
                not_before=decision.not_before,
                **decided,
            )
            await audit.append(conn, entries)
            return status, decision.not_before
    await move(conn, row, OutboundStatus.SENDING, now, not_before=None, **decided)
    if chain is not None:
        entries.append(
            AuditEntry(
                chain,
                "message.sending",
                now,
                {
                    "outreach_id": row.outreach_id,
                    "purpose": row.purpose,
                    "channel": row.channel,
                    "to": row.address,
                },
                row.id,
            )
        )
        await audit.append(conn, entries)
    return OutboundStatus.SENDING, None


async def _load(conn: AsyncConnection, message_id: str, *, lock: bool = False) -> Any:
    query = (
        select(messages, accounts.c.account_ref)
        .outerjoin(accounts, accounts.c.id == messages.c.account_id)
        .where(messages.c.id == message_id, messages.c.direction == "outbound")
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=messages)
    return (await conn.execute(query)).first()


def message_facts(row: Any, initial: bool) -> MessageFacts | None:
    """What the disclosure rules read of an outbound message: a template's text and kind.

    Conversation messages carry no kind: the gateway adds their disclosure where it is due
    (``gateway.conversations.disclosure``) rather than refusing what the assistant said.
    """
    if row.kind is None:
        return None
    text = checked_text(row.body, row.subject)
    return MessageFacts(text, row.kind, initial, row.threatens_legal_action)


def _outbound(row: Any) -> OutboundMessage:
    return OutboundMessage(row.id, row.channel, row.address, row.body, row.subject)
