"""Delivery status reported by a provider after the send: the message, its outreach, history.

Reports arrive as neutral ``StatusReport``s (each channel adapter parses its provider's
callbacks), are applied once per provider event id, and never move a message backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import DeliveryStatus, StatusReport
from gateway.conversations.agent_events import AgentEvent, status_event
from gateway.db.tables import accounts, contact_events, messages, provider_events
from gateway.db.upsert import dialect_insert
from gateway.messages.effects import record_effect
from gateway.messages.statuses import RANK, OutboundStatus
from gateway.messages.transitions import move, record_step
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain

# What each delivery status makes of the message.
MESSAGE_STATUS = {
    DeliveryStatus.ACCEPTED: OutboundStatus.SENT,
    DeliveryStatus.SENT: OutboundStatus.SENT,
    DeliveryStatus.DELIVERED: OutboundStatus.DELIVERED,
    DeliveryStatus.UNDELIVERED: OutboundStatus.UNDELIVERED,
    DeliveryStatus.FAILED: OutboundStatus.FAILED,
}
# A settled message, as the contact history records it (its vocabulary has no "undelivered").
SETTLED_OUTCOME = {
    OutboundStatus.DELIVERED: "delivered",
    OutboundStatus.UNDELIVERED: "failed",
    OutboundStatus.FAILED: "failed",
}


async def claim_event(
    conn: AsyncConnection,
    provider: str,
    event_id: str,
    at: datetime,
    raw: dict[str, Any] | None = None,
) -> bool:
    """Claim a provider event atomically (keeping what it said); False: already applied."""
    result = await conn.execute(
        dialect_insert(conn, provider_events)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .values(provider=provider, event_id=event_id, received_at=at, raw=raw)
    )
    return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class Applied:
    """What a status report did: duplicate | unknown_message | recorded | advanced; and, when
    it advanced a message of a conversation, the event that tells agents."""

    outcome: str
    event: AgentEvent | None = None


async def apply_status(conn: AsyncConnection, report: StatusReport) -> Applied:
    """Record a delivery status once, never moving a message backwards."""
    if not await claim_event(conn, report.provider, report.event_id, report.at, dict(report.raw)):
        return Applied("duplicate")
    entries: list[AuditEntry] = []
    applied = await apply_claimed(conn, report, entries)
    await audit.append(conn, entries)
    return applied


async def apply_claimed(
    conn: AsyncConnection, report: StatusReport, entries: list[AuditEntry]
) -> Applied:
    """Apply a report whose event the caller claimed; its audit entries go to ``entries``, for
    the caller to append (a batch appends all of its own at once, in chain order)."""
    row = await _find(conn, report)
    if row is None:
        return Applied("unknown_message")
    detail: dict[str, Any] = {
        "provider": report.provider,
        "provider_id": report.provider_message_id,
        "provider_status": report.provider_status,
    }
    if report.error_code:
        detail["error_code"] = report.error_code
    step = report.status or report.provider_status
    mapped = MESSAGE_STATUS.get(report.status) if report.status is not None else None
    if mapped is None or RANK[OutboundStatus(row.status)] >= RANK[mapped]:
        # Engagement (an open, a click), a late or lesser report: on the timeline only. A
        # report about the address rather than the delivery (an unsubscribe) still counts.
        await record_step(conn, row, step, report.at, detail)
        if report.status is None and row.account_id is not None:
            entries += await _effect(conn, row, report)
        return Applied("recorded")
    columns: dict[str, Any] = {}
    if row.provider_id is None:
        columns["provider_id"] = report.provider_message_id
    if report.error_code:
        columns["error_code"] = report.error_code
    await move(conn, row, mapped, report.at, step=step, detail=detail, **columns)
    if row.account_id is not None:
        entries += await _history(conn, row, report, mapped)
    return Applied("advanced", status_event(row, mapped))


async def _find(conn: AsyncConnection, report: StatusReport) -> Any:
    """Our message: by our id when the provider echoes it (the report may come before we
    recorded the provider's id), else by the provider's id."""
    by_provider = (messages.c.provider == report.provider) & (
        messages.c.provider_id == report.provider_message_id
    )
    condition: ColumnElement[bool] = by_provider
    if report.message_id is not None:
        condition = or_(messages.c.id == report.message_id, by_provider)
    return (
        await conn.execute(
            select(messages, accounts.c.account_ref)
            .outerjoin(accounts, accounts.c.id == messages.c.account_id)
            .where(condition, messages.c.direction == "outbound")
            .limit(1)
        )
    ).first()


async def _history(
    conn: AsyncConnection, row: Any, report: StatusReport, mapped: OutboundStatus
) -> list[AuditEntry]:
    if mapped in SETTLED_OUTCOME:
        await conn.execute(
            update(contact_events)
            .where(contact_events.c.message_id == row.id)
            .values(outcome=SETTLED_OUTCOME[mapped])
        )
    entries = [
        AuditEntry(
            account_chain(row.account_ref),
            f"message.{mapped}",
            report.at,
            {"provider_id": report.provider_message_id, "error_code": report.error_code},
            row.id,
        )
    ]
    return [*await _effect(conn, row, report), *entries]


async def _effect(conn: AsyncConnection, row: Any, report: StatusReport) -> list[AuditEntry]:
    """What the report says about the message's contact point (opted out, invalid)."""
    if report.effect is None:
        return []
    return await record_effect(
        conn,
        report.effect,
        code=report.error_code or report.provider_status,
        account_id=row.account_id,
        account_ref=row.account_ref,
        channel=row.channel,
        address=row.address,
        now=report.at,
        evidence=row.id,
    )
