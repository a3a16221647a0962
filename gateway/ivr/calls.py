"""The call row: one per provider call id, made by whichever webhook names the call first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import CallReport
from gateway.db.tables import calls, messages
from gateway.db.upsert import dialect_insert
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
