"""The job that sends a conversation message (assistant reply or confirmation).

Like an outreach send: policy is asked again at send time, the message is recorded as
``sending`` before the provider call and as ``sent`` after it, and a message found in
``sending`` is reconciled through the provider instead of being sent twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from arq import Retry
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import OutboundMessage, ProviderError, SendResult
from gateway import clock
from gateway.config import Settings
from gateway.conversations.replies import CONFIRMATION, SEND_MESSAGE, message_job_id
from gateway.db.tables import accounts, messages
from gateway.messages.effects import record_effect
from gateway.messages.send import backoff_seconds, mark_sent
from gateway.outreach.decisions import DECISION_EVENT, decide
from gateway.outreach.snapshots import load_snapshots
from gateway.records import audit
from gateway.records.accounts import lock_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact
from policies import Outcome

log = logging.getLogger("parley.worker.message")
UNSENT = frozenset({"queued", "deferred", "sending"})


async def send_message(ctx: dict[str, Any], message_id: str) -> str:
    """Send one queued conversation message if policy allows it now."""
    engine = ctx["engine"]
    async with engine.connect() as conn:
        row = await _load(conn, message_id)
    if row is None:
        return "missing"
    if row.status not in UNSENT:
        return f"already {row.status}"
    provider = ctx["providers"][row.channel]
    outbound = OutboundMessage(row.id, row.channel, row.address, row.body, row.subject)
    if row.status == "sending":
        found = await provider.lookup(outbound, since=row.updated_at)
        if found is not None:
            async with engine.begin() as conn:
                await _record_sent(conn, row, found, provider.name)
            return "reconciled as sent"

    async with engine.begin() as conn:
        verdict, not_before = await _check(ctx, conn, row)
    if verdict == "deferred":
        await ctx["redis"].enqueue_job(
            SEND_MESSAGE,
            row.id,
            _job_id=message_job_id(row.id, not_before),
            _defer_until=not_before,
        )
    if verdict != "send":
        return verdict
    try:
        result = await provider.send(outbound)
    except ProviderError as exc:
        return await _failed(ctx, row, exc)
    async with engine.begin() as conn:
        await _record_sent(conn, row, result, provider.name)
    return "sent"


async def send_now(ctx: dict[str, Any], message_id: str) -> None:
    """Send a reply from inside a bot turn, so replies leave in order and without queue delay.

    Whatever cannot be finished here (a retry, a deferral, an error) becomes a job.
    """
    try:
        await send_message(ctx, message_id)
    except Retry as retry:
        await ctx["redis"].enqueue_job(
            SEND_MESSAGE,
            message_id,
            _job_id=message_job_id(message_id),
            _defer_by=(retry.defer_score or 0) / 1000,
        )
    except Exception:
        log.exception("sending %s failed; handing it to a job", message_id)
        await ctx["redis"].enqueue_job(SEND_MESSAGE, message_id, _job_id=message_job_id(message_id))


async def _load(conn: AsyncConnection, message_id: str) -> Any:
    return (
        await conn.execute(
            select(messages, accounts.c.account_ref)
            .outerjoin(accounts, accounts.c.id == messages.c.account_id)
            .where(messages.c.id == message_id, messages.c.direction == "outbound")
        )
    ).first()


async def _check(
    ctx: dict[str, Any], conn: AsyncConnection, row: Any
) -> tuple[str, datetime | None]:
    """Decide at send time and record the verdict; ("send", None) means go ahead."""
    now = clock.utcnow()
    entries: list[AuditEntry] = []
    chain = account_chain(row.account_ref) if row.account_ref else None
    if row.purpose != CONFIRMATION:
        override = ctx["settings"].ruleset
        # A STOP committing now waits for this check, or this check waits for the STOP.
        await lock_account(conn, row.account_id)
        snapshots = await load_snapshots(
            conn, now=now, ids=[row.account_id], ruleset_override=override
        )
        evaluation = decide(
            next(iter(snapshots.values())),
            row.channel,
            row.purpose,
            now,
            address=row.address,
            ruleset_override=override,
        )
        assert chain is not None  # replies always belong to an account
        entries.append(
            AuditEntry(
                chain,
                DECISION_EVENT,
                now,
                evaluation.audit_payload("send", purpose=row.purpose, message_id=row.id),
                row.id,
            )
        )
        decision = evaluation.decision
        if decision.outcome is not Outcome.ALLOW:
            status = "deferred" if decision.outcome is Outcome.DEFER else "blocked"
            reasons = ", ".join(reason.rule for reason in decision.reasons)
            await _set(conn, row.id, now, status=status, error_code=reasons[:40])
            await audit.append(conn, entries)
            return status, decision.not_before
    await _set(conn, row.id, now, status="sending", error_code=None)
    if chain is not None:
        entries.append(
            AuditEntry(
                chain,
                "message.sending",
                now,
                {"purpose": row.purpose, "channel": row.channel, "to": row.address},
                row.id,
            )
        )
        await audit.append(conn, entries)
    return "send", None


async def _record_sent(conn: AsyncConnection, row: Any, result: SendResult, provider: str) -> None:
    now = clock.utcnow()
    await mark_sent(conn, row.id, result.provider_id, now)
    if row.account_id is None:
        return
    await record_contact(
        conn,
        account_id=row.account_id,
        channel=row.channel,
        direction="outbound",
        at=now,
        outcome="sent",
        address=row.address,
        message_id=row.id,
    )
    await audit.append(
        conn,
        [
            AuditEntry(
                account_chain(row.account_ref),
                "message.sent",
                now,
                {"purpose": row.purpose, "provider": provider, "provider_id": result.provider_id},
                row.id,
            )
        ],
    )


async def _failed(ctx: dict[str, Any], row: Any, exc: ProviderError) -> str:
    settings: Settings = ctx["settings"]
    job_try = int(ctx.get("job_try", 1))
    retry = exc.retryable and job_try < settings.send_max_tries
    now = clock.utcnow()
    # An unknown outcome stays "sending": the next try asks the provider before resending.
    status = "sending" if exc.outcome_unknown else "queued"
    async with ctx["engine"].begin() as conn:
        await _set(
            conn,
            row.id,
            now,
            status=status if retry else "failed",
            error_code=exc.code,
            error_message=exc.message,
        )
        if row.account_ref is not None:
            entries = await record_effect(
                conn,
                exc.effect,
                code=exc.code,
                account_id=row.account_id,
                account_ref=row.account_ref,
                channel=row.channel,
                address=row.address,
                now=now,
                evidence=row.id,
            )
            entries.append(
                AuditEntry(
                    account_chain(row.account_ref),
                    "message.failed",
                    now,
                    {"code": exc.code, "retry": retry},
                    row.id,
                )
            )
            await audit.append(conn, entries)
    if retry:
        raise Retry(defer=backoff_seconds(settings, job_try))
    return "failed"


async def _set(conn: AsyncConnection, message_id: str, now: datetime, **values: Any) -> None:
    await conn.execute(
        update(messages).where(messages.c.id == message_id).values(updated_at=now, **values)
    )
