"""The clock, accounts, inbound texts and rows shared by the conversation tests
(test_conversation_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import PHONE, account_body

from gateway import clock
from gateway.db.engine import create_engine

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
CREDITOR = "Acme Bank"


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)


async def new_account(client: Any, ref: str = "A-1", **debtor: Any) -> None:
    body = account_body()
    body["debtor"] |= {"date_of_birth": "1985-03-14"} | debtor
    response = await client.put(f"/v1/accounts/{ref}", json=body)
    assert response.status in (200, 201), await response.text()


async def inbound(client: Any, text: str, address: str = PHONE, **extra: Any) -> dict[str, Any]:
    body = {"channel": "sms", "address": address, "text": text} | extra
    response = await client.post("/v1/messages/inbound", json=body)
    assert response.status == 202, await response.text()
    return dict(await response.json())


async def rows(settings: Any, query: Any) -> list[Any]:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        result = list(await conn.execute(query))
    await engine.dispose()
    return result
