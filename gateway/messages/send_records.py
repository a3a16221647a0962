"""What the send core records after the provider call: sent, or how it failed.

Both run in the transaction after the call, never around it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import ProviderError
from gateway import clock
from gateway.db.tables import messages
from gateway.messages.effects import record_effect
from gateway.messages.statuses import OutboundStatus
from gateway.messages.transitions import move
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact
from gateway.records.validation import record_first_communication, record_validation_sent

# Messages that are communications in connection with the debt (a limited-content message is
# not one, 12 CFR 1006.2(j); an opt-out confirmation says nothing about the debt).
COMMUNICATION_KINDS = frozenset({"collection", "validation_notice", "transactional", "reply"})


async def record_sent(conn: AsyncConnection, row: Any, provider_id: str, provider: str) -> None:
    """The provider accepted the message: its id, "sent" unless a status report got here first,
    the contact history the policy layer counts, and the audit row."""
    now = clock.utcnow()
    await conn.execute(
        update(messages)
        .where(messages.c.id == row.id, messages.c.provider_id.is_(None))
        .values(provider_id=provider_id)
    )
    await move(
        conn,
        row,
        OutboundStatus.SENT,
        now,
        only_from={OutboundStatus.SENDING, OutboundStatus.UNKNOWN},
        detail={"provider": provider, "provider_id": provider_id},
        error_code=None,
    )
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
    if row.kind in COMMUNICATION_KINDS:
        await record_first_communication(conn, row.account_id, now)
    if row.kind == "validation_notice":
        await record_validation_sent(conn, row.account_id, now)
    await audit.append(
        conn,
        [
            AuditEntry(
                account_chain(row.account_ref),
                "message.sent",
                now,
                {
                    "outreach_id": row.outreach_id,
                    "purpose": row.purpose,
                    "provider": provider,
                    "provider_id": provider_id,
                },
                row.id,
            )
        ],
    )


async def record_failure(
    conn: AsyncConnection, row: Any, exc: ProviderError, *, job_try: int, retry: bool
) -> None:
    """The provider refused or failed: back to the queue for a retry, left in ``sending`` when
    it may have been accepted (the next try asks the provider), or failed for good; with what
    the refusal teaches about the contact point."""
    now = clock.utcnow()
    detail = {"code": exc.code, "message": exc.message, "try": job_try}
    if retry and exc.outcome_unknown:
        await move(
            conn,
            row,
            OutboundStatus.SENDING,
            now,
            step="outcome_unknown",
            detail=detail,
            error_code=exc.code,
        )
        event = "message.outcome_unknown"
    else:
        await move(
            conn,
            row,
            OutboundStatus.QUEUED if retry else OutboundStatus.FAILED,
            now,
            step="retrying" if retry else None,
            detail=detail,
            error_code=exc.code,
            error_message=exc.message,
        )
        event = "message.failed"
    if row.account_ref is None:
        return
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
    payload = {"outreach_id": row.outreach_id, "code": exc.code, "retry": retry}
    entries.append(AuditEntry(account_chain(row.account_ref), event, now, payload, row.id))
    await audit.append(conn, entries)
