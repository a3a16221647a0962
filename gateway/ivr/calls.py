"""The call row: one per CallSid, made by whichever Twilio webhook names the call first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import calls, messages
from gateway.db.upsert import dialect_insert
from gateway.ids import new_id

PROVIDER = "twilio"


async def account_of_message(conn: AsyncConnection, message_id: str | None) -> int | None:
    """The account a voice outreach's message belongs to (None without one)."""
    if message_id is None:
        return None
    found = await conn.scalar(select(messages.c.account_id).where(messages.c.id == message_id))
    return int(found) if found is not None else None


async def claim_call(
    conn: AsyncConnection,
    *,
    call_sid: str,
    direction: str,
    address: str,
    account_id: int | None,
    message_id: str | None,
    status: str,
    at: datetime,
) -> Any:
    """The call's row, created if this is the first webhook about it (an atomic insert)."""
    await conn.execute(
        dialect_insert(conn, calls)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=new_id("call"),
            provider=PROVIDER,
            provider_id=call_sid,
            account_id=account_id,
            message_id=message_id,
            direction="outbound" if direction.startswith("outbound") else "inbound",
            address=address,
            status=status,
            step="start",
            retries=0,
            created_at=at,
            updated_at=at,
        )
    )
    query = select(calls).where(calls.c.provider == PROVIDER, calls.c.provider_id == call_sid)
    return (await conn.execute(query)).one()
