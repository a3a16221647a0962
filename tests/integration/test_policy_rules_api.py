"""The full rule set through the API: location signals, call history, holds, rulesets, explain."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import account_body, outreach_body, parley

from gateway import clock

# Tuesday 2026-03-10, 15:00 in Chicago.
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
VOICE = [{"channel": "voice", "address": "+13125550123", "consent": True}]


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


async def evaluate(client: Any, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/policy/evaluate", json={"account_ref": "A-1", **body})
    assert response.status == 200, await response.text()
    return dict(await response.json())


def rules(decision: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision["reasons"]]


async def import_calls(client: Any, days_ago: list[int], outcome: str = "no_answer") -> None:
    events = [
        {
            "channel": "voice",
            "direction": "outbound",
            "outcome": outcome,
            "at": (NOW - timedelta(days=d, hours=1)).isoformat(),
        }
        for d in days_ago
    ]
    response = await client.post("/v1/accounts/A-1/contact-events", json={"events": events})
    assert response.status == 201


async def test_eighth_call_in_seven_days_is_deferred(client: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body(contacts=VOICE))
    await import_calls(client, [0, 1, 2, 3, 4, 5, 6])
    decision = await evaluate(client, channel="voice", purpose="collection")
    assert decision["outcome"] == "defer"
    # quiet_hours explains why the call waits until 08:00 rather than midnight.
    assert rules(decision) == ["call_frequency_7in7", "quiet_hours"]
    # The oldest attempt (day -6, Chicago) leaves the window at midnight; quiet hours then
    # push the call to 08:00 Chicago.
    assert decision["not_before"] == "2026-03-11T13:00:00Z"
    again = await evaluate(client, channel="voice", purpose="collection", at=decision["not_before"])
    assert again["outcome"] == "allow"


async def test_no_call_within_seven_days_of_a_conversation(client: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body(contacts=VOICE))
    await import_calls(client, [2], outcome="conversation")
    decision = await evaluate(client, channel="voice", purpose="collection")
    assert rules(decision) == ["call_after_conversation", "quiet_hours"]
    # Conversation on Sunday 8 March (day 1) -> calls again from Sunday 15 March, 08:00 local.
    assert decision["not_before"] == "2026-03-15T13:00:00Z"


async def test_first_party_creditors_are_not_bound_by_reg_f_call_caps(client: Any) -> None:
    await client.put(
        "/v1/accounts/A-1", json=account_body(contacts=VOICE, collector_type="first_party")
    )
    await import_calls(client, [0, 1, 2, 3, 4, 5, 6])
    decision = await evaluate(client, channel="voice", purpose="collection")
    assert decision["outcome"] == "allow"
    assert decision["ruleset"] == "first_party_creditor"


async def test_phone_and_postal_code_widen_the_quiet_hours(client: Any) -> None:
    # Declared Chicago, but a New York ZIP and a Los Angeles mobile: 07:30 in LA is too early.
    # (Written consent: New York City's overlay asks for it before any text.)
    contacts = [
        {"channel": "sms", "address": "+14155550123", "consent": True, "consent_source": "written"}
    ]
    debtor = {"name": "Dana Debtor", "timezone": "America/Chicago", "postal_code": "10001"}
    await client.put("/v1/accounts/A-1", json=account_body(contacts=contacts, debtor=debtor))
    decision = await evaluate(
        client, channel="sms", purpose="collection", at="2026-03-10T14:30:00Z"
    )
    assert rules(decision) == ["quiet_hours"]
    assert decision["not_before"] == "2026-03-10T15:00:00Z"  # 08:00 in Los Angeles (PDT)


@pytest.mark.parametrize(
    ("debtor", "field"),
    [
        ({"name": "D", "postal_code": "00000"}, "debtor.postal_code"),
        ({"name": "D", "timezone": "Europe/Atlantis"}, "debtor.timezone"),
    ],
)
async def test_unknown_location_signals_are_422(client: Any, debtor: Any, field: str) -> None:
    response = await client.put("/v1/accounts/A-1", json=account_body(debtor=debtor))
    assert response.status == 422
    assert (await response.json())["error"]["details"][0]["field"] == field


async def test_dispute_holds_collection_until_validation_is_recorded(client: Any) -> None:
    flags = {"disputed": True}
    await client.put("/v1/accounts/A-1", json=account_body(flags=flags))
    blocked = await evaluate(client, channel="sms", purpose="collection")
    assert rules(blocked) == ["dispute_hold"]
    assert (await evaluate(client, channel="sms", purpose="validation_notice"))[
        "outcome"
    ] == "allow"
    accepted = await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "d1"}
    )
    assert (await accepted.json())["status"] == "blocked"
    account = await (
        await client.put(
            "/v1/accounts/A-1",
            json=account_body(flags={"disputed": True, "validation_recorded": True}),
        )
    ).json()
    assert "dispute_hold" not in account["holds"]
    assert (await evaluate(client, channel="sms", purpose="collection"))["outcome"] == "allow"


async def test_attorney_represented_blocks_collection(client: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body(flags={"attorney_represented": True}))
    decision = await evaluate(client, channel="email", purpose="collection")
    assert decision["outcome"] == "block"
    assert "attorney_represented" in rules(decision)


async def test_explain_shows_and_reproduces_every_decision(
    client: Any, settings: Any, drain: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body(contacts=VOICE))
    await import_calls(client, [0, 1, 2, 3, 4, 5, 6])
    accepted = await (
        await client.post(
            "/v1/outreach", json=outreach_body(channel="voice"), headers={"Idempotency-Key": "e1"}
        )
    ).json()
    assert accepted["status"] == "deferred"
    url = settings.database_url
    text = parley("policy", "explain", accepted["id"], database_url=url)
    assert text.returncode == 0, text.stderr
    assert "[intake]" in text.stdout
    assert "DEFER until 2026-03-11T13:00:00Z" in text.stdout
    assert "call_frequency_7in7" in text.stdout
    assert "12 CFR 1006.14(b)(2)" in text.stdout
    assert "re-run on the recorded facts: same decision" in text.stdout
    as_json = parley("policy", "explain", accepted["id"], "--json", database_url=url)
    (decision,) = json.loads(as_json.stdout)
    assert decision["reproduced"] is True
    assert len(decision["facts"]["history"]) == 7
    missing = parley("policy", "explain", "out_nope", database_url=url)
    assert missing.returncode == 2
    assert "out_nope" in missing.stderr


async def test_a_reply_may_answer_a_consumer_who_is_writing_now(client: Any) -> None:
    night = NOW.replace(hour=5)  # 00:00 in Chicago
    await client.put("/v1/accounts/A-1", json=account_body())
    inbound = {
        "channel": "sms",
        "direction": "inbound",
        "outcome": "delivered",
        "at": (night - timedelta(minutes=10)).isoformat(),
    }
    await client.post("/v1/accounts/A-1/contact-events", json={"events": [inbound]})
    within = await evaluate(client, channel="sms", purpose="reply", at=night.isoformat())
    assert within["outcome"] == "allow"
    later = await evaluate(
        client, channel="sms", purpose="reply", at=(night + timedelta(minutes=45)).isoformat()
    )
    assert rules(later) == ["quiet_hours"]
    collection = await evaluate(client, channel="sms", purpose="collection", at=night.isoformat())
    assert rules(collection) == ["quiet_hours"]


async def test_settings_can_override_the_ruleset(settings: Any, gateway: Any) -> None:
    client = await gateway(settings.model_copy(update={"ruleset": "first_party_creditor"}))
    await client.put("/v1/accounts/A-1", json=account_body(contacts=VOICE))
    await import_calls(client, [0, 1, 2, 3, 4, 5, 6])
    decision = await evaluate(client, channel="voice", purpose="collection")
    assert decision["ruleset"] == "first_party_creditor"
    assert decision["outcome"] == "allow"
