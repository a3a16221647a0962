"""Contact history Parley writes itself: what the policy layer counts (caps, 7-in-7, grace)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import contact_events


async def record_contact(
    conn: AsyncConnection,
    *,
    account_id: int,
    channel: str,
    direction: str,
    at: datetime,
    outcome: str,
    address: str | None,
    message_id: str | None,
) -> None:
    """Add one message Parley sent or received to the account's contact history."""
    await conn.execute(
        contact_events.insert().values(
            account_id=account_id,
            channel=channel,
            direction=direction,
            at=at,
            outcome=outcome,
            source="parley",
            address=address,
            message_id=message_id,
        )
    )
