"""The validation-notice clock (12 CFR 1006.34) through the gateway and a real worker: the first
communication starts it, Parley's notice goes out by the best allowed channel (or waits for the
morning), the period's end is printed in it and shown on the account, and a dispute after the
period no longer holds collection."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.connections import ArqRedis
from helpers import EMAIL, account_body, outreach_body, select_rows
from sqlalchemy import select

from gateway import clock
from gateway.db.engine import create_engine
from gateway.db.tables import outreach
from gateway.outreach import validation_notices
from gateway.outreach.intake import Intake
from gateway.outreach.rendering import TemplateLibrary
from gateway.outreach.rulesets import ruleset_for
from gateway.records.accounts import find_account_id
from gateway.records.updates import NewUpdate, record_update

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
NIGHT = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # 22:00 in Chicago
# What the notice states of how the debt got to its balance (12 CFR 1006.34(c)(2)).
ITEMIZATION = {
    "itemization_date": "2026-01-02",
    "amount": "400.00",
    "interest": "30.10",
    "fees": "2.00",
}
CONTACTS = [
    {"channel": "sms", "address": "+13125550123", "consent": True},
    {"channel": "email", "address": EMAIL, "consent": True, "provenance": "consumer_provided"},
]


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``now.at(instant)`` sets the gateway's clock."""

    class Clock:
        def at(self, instant: datetime) -> None:
            monkeypatch.setattr(clock, "utcnow", lambda: instant)

    frozen = Clock()
    frozen.at(DAYTIME)
    return frozen


async def sweep(settings: Any) -> int:
    engine = create_engine(settings.database_url)
    redis = ArqRedis.from_url(settings.redis_dsn)
    try:
        intake = Intake(TemplateLibrary(), settings)
        return await validation_notices.sweep_validation_notices(engine, redis, settings, intake)
    finally:
        await redis.aclose()
        await engine.dispose()


def outbox(settings: Any) -> list[dict[str, Any]]:
    path = settings.var_dir / "outbox" / "console.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def reached(client: Any, channel: str, outcome: str, at: str) -> None:
    """Import a communication another system had with the debtor."""
    event = {"channel": channel, "direction": "outbound", "outcome": outcome, "at": at}
    response = await client.post("/v1/accounts/A-1/contact-events", json={"events": [event]})
    assert response.status == 201


async def validation(client: Any) -> dict[str, Any]:
    return dict((await (await client.get("/v1/accounts/A-1")).json())["validation"])


async def test_the_first_message_starts_the_clock_and_the_notice_follows(
    client: Any, settings: Any, drain: Any, now: Any
) -> None:
    await client.put(
        "/v1/accounts/A-1", json=account_body(contacts=CONTACTS, itemization=ITEMIZATION)
    )
    assert (await validation(client))["status"] == "not_started"
    await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "reminder-1"}
    )
    await drain()
    started = await validation(client)
    assert started["status"] == "due"
    assert started["first_communication_at"] == "2026-03-10T21:00:00Z"
    assert started["due_by"] == "2026-03-15"  # five calendar days

    assert await sweep(settings) == 1
    assert await sweep(settings) == 0  # once per account
    notices = await select_rows(
        settings.database_url,
        select(outreach.c.resolved_channel, outreach.c.status).where(
            outreach.c.template == "validation_notice"
        ),
    )
    assert [(n.resolved_channel, n.status) for n in notices] == [("email", "queued")]
    await drain()
    provided = await validation(client)
    assert (provided["status"], provided["provided_by"]) == ("provided", "template")
    # Sent Tuesday 10 March: receipt assumed Tuesday 17 March (five weekdays), +30 days.
    assert provided["period_ends"] == "2026-04-16"
    (notice,) = [m for m in outbox(settings) if m["channel"] == "email"]
    assert "April 16, 2026" in notice["body"]
    for stated in ("2026-01-02", "400.00", "30.10", "2.00", "432.10", "Acme Bank"):
        assert stated in notice["body"]


async def test_without_the_itemization_the_core_system_is_asked_for_the_notice(
    client: Any, settings: Any, drain: Any, now: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body(contacts=CONTACTS))
    await reached(client, "sms", "delivered", "2026-03-10T20:00:00Z")
    assert await sweep(settings) == 1
    assert await count_notices(settings) == 0
    updates = (await (await client.get("/v1/accounts/A-1/updates")).json())["updates"]
    assert [u["kind"] for u in updates] == ["validation_due"]


async def test_at_night_the_notice_waits_for_the_morning(
    client: Any, settings: Any, drain: Any, now: Any
) -> None:
    await client.put(
        "/v1/accounts/A-1", json=account_body(contacts=CONTACTS, itemization=ITEMIZATION)
    )
    await reached(client, "sms", "delivered", "2026-03-10T20:00:00Z")
    assert (await validation(client))["first_communication_at"] == "2026-03-10T20:00:00Z"
    now.at(NIGHT)
    assert await sweep(settings) == 1
    (notice,) = await select_rows(
        settings.database_url,
        select(outreach.c.status, outreach.c.not_before, outreach.c.decision).where(
            outreach.c.template == "validation_notice"
        ),
    )
    assert notice.status == "deferred"
    assert [r["rule"] for r in notice.decision["reasons"]] == ["quiet_hours"]
    assert notice.not_before.replace(tzinfo=UTC) == datetime(2026, 3, 11, 13, 0, tzinfo=UTC)


async def test_a_ruleset_may_leave_the_notice_to_the_core_system(
    client: Any, settings: Any, now: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = ruleset_for("third_party")
    notify = replace(rules, validation_notice=replace(rules.validation_notice, mode="notify"))
    monkeypatch.setattr(validation_notices, "ruleset_for", lambda *_: notify)
    await client.put("/v1/accounts/A-1", json=account_body(contacts=CONTACTS))
    await reached(client, "voice", "conversation", "2026-03-09T15:00:00Z")
    assert await sweep(settings) == 1
    updates = (await (await client.get("/v1/accounts/A-1/updates")).json())["updates"]
    assert [(u["kind"], u["data"]) for u in updates] == [
        (
            "validation_due",
            {"first_communication_at": "2026-03-09T15:00:00Z", "due_by": "2026-03-14"},
        )
    ]
    assert await count_notices(settings) == 0


async def count_notices(settings: Any) -> int:
    found = await select_rows(
        settings.database_url,
        select(outreach.c.id).where(outreach.c.template == "validation_notice"),
    )
    return len(found)


@pytest.mark.parametrize(
    ("provided_days_ago", "held"),
    [(10, True), (60, False)],  # inside the validation period, and long after it
)
async def test_only_a_dispute_inside_the_validation_period_holds_collection(
    client: Any, settings: Any, now: Any, provided_days_ago: int, held: bool
) -> None:
    provided = (DAYTIME - timedelta(days=provided_days_ago)).isoformat()
    body = account_body(contacts=CONTACTS, validation_provided_at=provided)
    await client.put("/v1/accounts/A-1", json=body)
    assert (await validation(client))["provided_by"] == "core"
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        stored = await record_update(
            conn,
            account_id=await find_account_id(conn, "A-1"),
            account_ref="A-1",
            update=NewUpdate(kind="dispute", data={"reason": "not mine"}, source="api"),
            now=DAYTIME,
        )
    await engine.dispose()
    assert stored.created
    view = await (await client.get("/v1/accounts/A-1")).json()
    assert ("dispute_hold" in view["holds"]) is held


async def test_a_notice_that_cannot_go_out_is_asked_of_the_core_system(
    client: Any, settings: Any, now: Any
) -> None:
    sms_only = CONTACTS[:1]  # the notice is an email, and there is no address for one
    body = account_body(contacts=sms_only, itemization=ITEMIZATION)
    await client.put("/v1/accounts/A-1", json=body)
    await reached(client, "sms", "delivered", "2026-03-10T20:00:00Z")
    assert await sweep(settings) == 1
    (notice,) = await select_rows(
        settings.database_url,
        select(outreach.c.status).where(outreach.c.template == "validation_notice"),
    )
    assert notice.status == "blocked"
    updates = (await (await client.get("/v1/accounts/A-1/updates")).json())["updates"]
    assert [u["kind"] for u in updates] == ["validation_due"]
    assert (await validation(client))["status"] == "due"
