"""Recording account updates as the bot API would, and reading back what was stored, shared
by test_account_updates.py and test_account_update_delivery.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import account_body
from sqlalchemy import select

from gateway import clock
from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import account_updates, audit_log
from gateway.records.accounts import find_account_id
from gateway.records.audit import verify as verify_audit
from gateway.records.updates import NewUpdate, StoredUpdate, record_update

PROMISE = NewUpdate(
    kind="promise_to_pay",
    data={"amount": "100.00", "currency": "USD", "date": "2026-03-20"},
    source="bot",
    confidence=0.93,
)


async def record(
    settings: Settings, ref: str, *updates: NewUpdate, ago: float = 0
) -> list[StoredUpdate]:
    """Record updates for an account in one transaction, as the bot API would."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            account_id = await find_account_id(conn, ref)
            now = clock.utcnow() - timedelta(seconds=ago)
            return [
                await record_update(conn, account_id=account_id, account_ref=ref, update=u, now=now)
                for u in updates
            ]
    finally:
        await engine.dispose()


async def record_one(settings: Settings, ref: str, update: NewUpdate = PROMISE) -> StoredUpdate:
    (stored,) = await record(settings, ref, update)
    return stored


async def stored_row(settings: Settings, update_id: int) -> Any:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(account_updates).where(account_updates.c.id == update_id))
        ).one()
    await engine.dispose()
    return row


async def audit_events(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        report = await verify_audit(conn)
        events = (
            (await conn.execute(select(audit_log.c.event).order_by(audit_log.c.id))).scalars().all()
        )
    await engine.dispose()
    assert report.ok, report.breaks
    return list(events)


async def create_account(client: Any, ref: str = "A-1", **overrides: Any) -> None:
    response = await client.put(f"/v1/accounts/{ref}", json=account_body(**overrides))
    assert response.status in {200, 201}, await response.text()
