"""The clock, the account, outreach and rows shared by the Twilio SMS tests
(test_twilio_sms_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import account_body, outreach_body, select_rows

from gateway import clock
from gateway.config import Settings

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)


async def new_account(client: Any) -> None:
    response = await client.put("/v1/accounts/A-1", json=account_body())
    assert response.status in (200, 201), await response.text()


async def accept(client: Any, key: str = "k1") -> str:
    response = await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": key}
    )
    assert response.status == 202, await response.text()
    return str((await response.json())["id"])


async def outreach_view(client: Any, oid: str) -> dict[str, Any]:
    return dict(await (await client.get(f"/v1/outreach/{oid}")).json())


async def rows(settings: Settings, query: Any) -> list[Any]:
    return await select_rows(settings.database_url, query)
