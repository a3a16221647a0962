"""Delivery status reported by a provider after the send: the message, its outreach, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import Effect
from gateway.db.tables import (
    accounts,
    contact_events,
    messages,
    outreach,
    provider_events,
    timeline,
)
from gateway.db.upsert import dialect_insert
from gateway.messages.effects import record_effect
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain

# Provider statuses, as the message status they mean; how far along each is.
MESSAGE_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
RANK = {"sending": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2}
# A settled message, as its outreach (whose contract knows no "undelivered") and the contact
# history record it.
SETTLED = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One status callback: which message, what the provider says now, and why."""

    provider: str
    provider_id: str
    status: str
    at: datetime
    message_id: str | None = None
    error_code: str | None = None
    effect: Effect | None = None


async def claim_event(conn: AsyncConnection, provider: str, event_id: str, at: datetime) -> bool:
    """Claim a provider callback atomically; False means it was already applied."""
    result = await conn.execute(
        dialect_insert(conn, provider_events)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .values(provider=provider, event_id=event_id, received_at=at)
    )
    return bool(result.rowcount)


async def apply_status(conn: AsyncConnection, report: StatusReport) -> str:
    """Record a delivery status once; statuses only move forward, whatever order they come in.

    Returns what happened: duplicate | unknown_message | recorded | advanced.
    """
    event_id = f"{report.provider_id}:{report.status}"
    if not await claim_event(conn, report.provider, event_id, report.at):
        return "duplicate"
    row = await _find(conn, report)
    if row is None:
        return "unknown_message"
    mapped = MESSAGE_STATUS.get(report.status)
    detail: dict[str, Any] = {"provider": report.provider, "provider_id": report.provider_id}
    if report.error_code:
        detail["error_code"] = report.error_code
    await conn.execute(
        timeline.insert().values(
            outreach_id=row.outreach_id,
            message_id=row.id,
            status=report.status,
            at=report.at,
            detail=detail,
        )
    )
    advances = mapped is not None and RANK.get(row.status, 99) < RANK[mapped]
    if not advances:
        return "recorded"
    assert mapped is not None
    values: dict[str, Any] = {"status": mapped, "updated_at": report.at}
    if row.provider_id is None:
        values["provider_id"] = report.provider_id
    if report.error_code:
        values["error_code"] = report.error_code
    await conn.execute(update(messages).where(messages.c.id == row.id).values(**values))
    if row.outreach_id is not None and mapped in SETTLED:
        await conn.execute(
            update(outreach)
            .where(outreach.c.id == row.outreach_id)
            .values(status=SETTLED[mapped], updated_at=report.at)
        )
    if row.account_id is not None:
        await _history(conn, row, report, mapped)
    return "advanced"


async def _find(conn: AsyncConnection, report: StatusReport) -> Any:
    """Our message: by our id when the callback URL carries it (it may come before we recorded
    the provider's id), else by the provider's id."""
    by_provider = (messages.c.provider == report.provider) & (
        messages.c.provider_id == report.provider_id
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


async def _history(conn: AsyncConnection, row: Any, report: StatusReport, mapped: str) -> None:
    if mapped in SETTLED:
        await conn.execute(
            update(contact_events)
            .where(contact_events.c.message_id == row.id)
            .values(outcome=SETTLED[mapped])
        )
    entries = [
        AuditEntry(
            account_chain(row.account_ref),
            f"message.{mapped}",
            report.at,
            {"provider_id": report.provider_id, "error_code": report.error_code},
            row.id,
        )
    ]
    if report.effect is not None:
        entries[:0] = await record_effect(
            conn,
            report.effect,
            code=report.error_code or "",
            account_id=row.account_id,
            account_ref=row.account_ref,
            channel=row.channel,
            address=row.address,
            now=report.at,
            evidence=row.id,
        )
    await audit.append(conn, entries)
