"""The send job: re-check policy, render, record, call the provider, record again."""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any

from arq import Retry
from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import OutboundMessage, ProviderError, SendResult
from gateway import clock
from gateway.config import Settings
from gateway.db.tables import accounts, messages, outreach, timeline
from gateway.errors import TemplateError
from gateway.ids import new_id
from gateway.messages.effects import record_effect
from gateway.outreach.decisions import DECISION_EVENT, decide
from gateway.outreach.snapshots import load_snapshots
from gateway.records import audit
from gateway.records.accounts import lock_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact
from gateway.worker.jobs import SendJob, enqueue_sends
from policies import Outcome

log = logging.getLogger("parley.worker.send")
FINAL = frozenset({"sent", "delivered", "failed", "blocked", "undelivered"})
MAX_BACKOFF_SECONDS = 3600.0


def backoff_seconds(settings: Settings, job_try: int) -> float:
    """Exponential backoff with 10 % jitter, capped at an hour."""
    base = min(settings.send_retry_base_seconds * 2 ** (job_try - 1), MAX_BACKOFF_SECONDS)
    return float(base * (1 + random.random() / 10))


async def send_outreach(ctx: dict[str, Any], outreach_id: str) -> str:
    """Send one outreach if policy still allows it now; the arq job behind every send."""
    engine = ctx["engine"]
    async with engine.begin() as conn:
        row = await _lock_outreach(conn, outreach_id)
        if row is None:
            return "missing"
        if row.status in FINAL:
            return f"already {row.status}"
        now = clock.utcnow()
        if row.status == "deferred" and row.not_before and row.not_before > now:
            return "not yet due"  # an older job of a deferral that was moved later
        if row.status == "sending":
            pending = await _pending_message(conn, outreach_id)
        else:
            pending = None
    if pending is not None and await _reconcile(ctx, row, pending):
        return "reconciled as sent"

    async with engine.begin() as conn:
        row = await _lock_outreach(conn, outreach_id)
        if row is None or row.status in FINAL:
            return "raced"
        message = await _check_and_prepare(ctx, conn, row)
    if isinstance(message, SendJob):
        await enqueue_sends(ctx["redis"], [message])
        return "deferred"
    if isinstance(message, str):
        return message
    provider = ctx["providers"][message.channel]
    try:
        result = await provider.send(message)
    except ProviderError as exc:
        return await _failed(ctx, row, message, exc)
    async with engine.begin() as conn:
        await _record_sent(conn, row, message, result, provider.name)
    return "sent"


async def _lock_outreach(conn: AsyncConnection, outreach_id: str) -> Any:
    # The account ref comes along: every audit row of the send is chained under it.
    query = (
        select(outreach, accounts.c.account_ref)
        .join(accounts, accounts.c.id == outreach.c.account_id)
        .where(outreach.c.id == outreach_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=outreach)
    return (await conn.execute(query)).first()


async def _pending_message(conn: AsyncConnection, outreach_id: str) -> Any:
    return (
        await conn.execute(
            select(messages).where(
                messages.c.outreach_id == outreach_id, messages.c.status == "sending"
            )
        )
    ).first()


async def _reconcile(ctx: dict[str, Any], row: Any, pending: Any) -> bool:
    """A send was recorded but its result was not: ask the provider instead of resending."""
    provider = ctx["providers"][pending.channel]
    message = OutboundMessage(
        pending.id, pending.channel, pending.address, pending.body, pending.subject
    )
    found = await provider.lookup(message, since=pending.updated_at)
    async with ctx["engine"].begin() as conn:
        if found is not None:
            await _record_sent(conn, row, message, found, provider.name)
            return True
        now = clock.utcnow()
        await _set_message(
            conn,
            pending.id,
            now,
            status="failed",
            error_code="never_sent",
            error_message="the provider has no record of this message",
        )
        await _move(
            conn,
            row.id,
            "queued",
            now,
            message_id=pending.id,
            detail={"reason": "reconciled: the provider never received the earlier attempt"},
        )
    return False


async def _check_and_prepare(
    ctx: dict[str, Any], conn: AsyncConnection, row: Any
) -> OutboundMessage | SendJob | str:
    """Decide again at send time; when allowed, render and record the message as sending.

    Returns the message to send, the deferred send to enqueue after commit, or a status.
    """
    now = clock.utcnow()
    channel = row.resolved_channel
    override = ctx["settings"].ruleset
    # A STOP committing now waits for this check, or this check waits for the STOP.
    await lock_account(conn, row.account_id)
    accounts = await load_snapshots(conn, now=now, ids=[row.account_id], ruleset_override=override)
    account = next(iter(accounts.values()))
    evaluation = decide(
        account,
        channel,
        row.purpose,
        now,
        address=row.address,
        ruleset_override=override,
    )
    decision, status, contact = evaluation.decision, evaluation.status, evaluation.contact
    entries = [
        AuditEntry(
            account_chain(account.ref),
            DECISION_EVENT,
            now,
            evaluation.audit_payload("send", purpose=row.purpose, template=row.template),
            row.id,
        )
    ]
    if decision.outcome is not Outcome.ALLOW:
        await _move(
            conn,
            row.id,
            status,
            now,
            detail={"decision": decision.to_dict()},
            decision=decision.to_dict(),
            not_before=decision.not_before,
        )
        await audit.append(conn, entries)
        if decision.outcome is Outcome.DEFER:
            return SendJob(row.id, decision.not_before)
        return status

    templates = ctx["templates"]
    try:
        rendered = templates.render(
            channel,
            row.template,
            account.template_context(ctx["settings"].collector) | row.variables,
        )
    except TemplateError as exc:
        await _fail_outreach(conn, row, now, "template_error", exc.message, entries)
        return "failed"
    assert contact is not None  # an allow decision needs a valid contact point
    message = OutboundMessage(
        new_id("msg"), channel, contact.address, rendered.body, rendered.subject
    )
    await conn.execute(
        insert(messages).values(
            id=message.message_id,
            outreach_id=row.id,
            account_id=row.account_id,
            channel=channel,
            direction="outbound",
            address=message.to,
            subject=message.subject,
            body=message.body,
            provider=ctx["providers"][channel].name,
            status="sending",
            created_at=now,
            updated_at=now,
        )
    )
    await _move(
        conn,
        row.id,
        "sending",
        now,
        message_id=message.message_id,
        decision=decision.to_dict(),
        not_before=None,
    )
    entries.append(
        AuditEntry(
            account_chain(account.ref),
            "message.sending",
            now,
            {"outreach_id": row.id, "channel": channel, "to": message.to},
            message.message_id,
        )
    )
    await audit.append(conn, entries)
    return message


async def _record_sent(
    conn: AsyncConnection, row: Any, message: OutboundMessage, result: SendResult, provider: str
) -> None:
    now = clock.utcnow()
    await mark_sent(conn, message.message_id, result.provider_id, now)
    await _move(
        conn,
        row.id,
        "sent",
        now,
        message_id=message.message_id,
        detail={"provider": provider, "provider_id": result.provider_id},
        only_from="sending",
    )
    await record_contact(
        conn,
        account_id=row.account_id,
        channel=message.channel,
        direction="outbound",
        at=now,
        outcome="sent",
        address=message.to,
        message_id=message.message_id,
    )
    ref = row.account_ref
    await audit.append(
        conn,
        [
            AuditEntry(
                account_chain(ref),
                "message.sent",
                now,
                {"outreach_id": row.id, "provider": provider, "provider_id": result.provider_id},
                message.message_id,
            )
        ],
    )


async def _failed(
    ctx: dict[str, Any], row: Any, message: OutboundMessage, exc: ProviderError
) -> str:
    settings: Settings = ctx["settings"]
    job_try = int(ctx.get("job_try", 1))
    retry = exc.retryable and job_try < settings.send_max_tries
    now = clock.utcnow()
    ref = row.account_ref
    if retry and exc.outcome_unknown:
        # Left in "sending": the next try asks the provider before sending again.
        async with ctx["engine"].begin() as conn:
            await _set_message(conn, message.message_id, now, error_code=exc.code)
            await audit.append(
                conn,
                [
                    AuditEntry(
                        account_chain(ref),
                        "message.outcome_unknown",
                        now,
                        {"outreach_id": row.id, "code": exc.code},
                        message.message_id,
                    )
                ],
            )
        raise Retry(defer=backoff_seconds(settings, job_try))
    async with ctx["engine"].begin() as conn:
        await _set_message(
            conn,
            message.message_id,
            now,
            status="failed",
            error_code=exc.code,
            error_message=exc.message,
        )
        entries = await record_effect(
            conn,
            exc.effect,
            code=exc.code,
            account_id=row.account_id,
            account_ref=ref,
            channel=message.channel,
            address=message.to,
            now=now,
            evidence=message.message_id,
        )
        entries.append(
            AuditEntry(
                account_chain(ref),
                "message.failed",
                now,
                {"outreach_id": row.id, "code": exc.code, "retry": retry},
                message.message_id,
            )
        )
        if retry:
            await _move(
                conn,
                row.id,
                "queued",
                now,
                step="retrying",
                message_id=message.message_id,
                detail={"code": exc.code, "message": exc.message, "try": job_try},
            )
            await audit.append(conn, entries)
        else:
            await _fail_outreach(conn, row, now, exc.code, exc.message, entries, message.message_id)
    if retry:
        raise Retry(defer=backoff_seconds(settings, job_try))
    return "failed"


async def _fail_outreach(
    conn: AsyncConnection,
    row: Any,
    now: datetime,
    code: str,
    text: str,
    entries: list[AuditEntry],
    message_id: str | None = None,
) -> None:
    await _move(
        conn, row.id, "failed", now, message_id=message_id, detail={"code": code, "message": text}
    )
    await audit.append(conn, entries)


async def _move(
    conn: AsyncConnection,
    outreach_id: str,
    status: str,
    now: datetime,
    *,
    step: str | None = None,
    message_id: str | None = None,
    detail: dict[str, Any] | None = None,
    only_from: str | None = None,
    **values: Any,
) -> None:
    """Set an outreach's status (and other columns) and add the step to its timeline.

    With ``only_from``, the status changes only from that status: a provider callback may
    already have moved the outreach further than this step.
    """
    query = update(outreach).where(outreach.c.id == outreach_id)
    if only_from is not None:
        query = query.where(outreach.c.status == only_from)
    await conn.execute(query.values(status=status, updated_at=now, **values))
    await conn.execute(
        insert(timeline).values(
            outreach_id=outreach_id,
            message_id=message_id,
            status=step or status,
            at=now,
            detail=detail,
        )
    )


async def mark_sent(
    conn: AsyncConnection, message_id: str, provider_id: str, now: datetime
) -> None:
    """Record the provider's id; "sent" only if no status callback got here first."""
    status = case((messages.c.status == "sending", "sent"), else_=messages.c.status)
    await _set_message(conn, message_id, now, status=status, provider_id=provider_id)


async def _set_message(
    conn: AsyncConnection, message_id: str, now: datetime, **values: Any
) -> None:
    await conn.execute(
        update(messages).where(messages.c.id == message_id).values(updated_at=now, **values)
    )
