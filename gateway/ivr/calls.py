"""The call row: one per provider call id, made by whichever webhook names the call first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import CallReport
from gateway.conversations.senders import find_sender
from gateway.db.tables import calls, messages
from gateway.db.upsert import dialect_insert
from gateway.errors import ValidationFailed
from gateway.ids import new_id


async def account_of_message(conn: AsyncConnection, message_id: str | None) -> int | None:
    """The account a voice outreach's message belongs to (None without one)."""
    if message_id is None:
        return None
    found = await conn.scalar(select(messages.c.account_id).where(messages.c.id == message_id))
    return int(found) if found is not None else None


async def claim_call(
    conn: AsyncConnection, report: CallReport, account_id: int | None, *, status: str
) -> Any:
    """The call's row, created if this is the first webhook about it (an atomic insert)."""
    await conn.execute(
        dialect_insert(conn, calls)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=new_id("call"),
            provider=report.provider,
            provider_id=report.call_id,
            account_id=account_id,
            message_id=report.message_id,
            direction="outbound" if report.outbound else "inbound",
            address=report.address,
            status=status,
            step="start",
            retries=0,
            created_at=report.at,
            updated_at=report.at,
        )
    )
    query = select(calls).where(
        calls.c.provider == report.provider, calls.c.provider_id == report.call_id
    )
    return (await conn.execute(query)).one()


async def account_for(conn: AsyncConnection, message_id: str | None, address: str) -> int | None:
    """The account a call is about: its outreach's, else whoever has the caller's number."""
    account_id = await account_of_message(conn, message_id)
    if account_id is not None:
        return account_id
    sender = await find_sender(conn, "voice", address)
    return int(sender.id) if sender is not None else None


async def lock_call(conn: AsyncConnection, call_id: str) -> Any:
    """The call row, locked for this transaction; ValidationFailed for an unknown call."""
    query = select(calls).where(calls.c.id == call_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise ValidationFailed(f"no call {call_id!r}", code="unknown_call")
    return row


async def update_call(conn: AsyncConnection, call_id: str, now: datetime, **values: Any) -> None:
    """Move the call on (its step, retries, data...)."""
    await conn.execute(update(calls).where(calls.c.id == call_id).values(updated_at=now, **values))
