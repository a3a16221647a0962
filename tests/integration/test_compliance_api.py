"""Compliance depth through the API: address provenance and work addresses, state overlays with
their citations, time-barred debts, template disclosures checked before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import EMAIL, account_body, count_rows, outreach_body, parley

from gateway import clock
from gateway.db.tables import outreach

# Tuesday 2026-03-10: 16:00 in New York, 15:00 in Chicago and Dallas, 13:00 in Los Angeles.
NOW = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
BOSTON = {"name": "Dana Debtor", "timezone": "America/New_York", "postal_code": "02108"}
DALLAS = {"name": "Dana Debtor", "timezone": "America/Chicago", "postal_code": "75201"}
LOS_ANGELES = {"name": "Dana Debtor", "timezone": "America/Los_Angeles", "postal_code": "90012"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


async def put_account(client: Any, ref: str = "A-1", **body: Any) -> dict[str, Any]:
    response = await client.put(f"/v1/accounts/{ref}", json=account_body(**body))
    assert response.status in (200, 201), await response.text()
    return dict(await response.json())


async def evaluate(client: Any, ref: str = "A-1", **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/policy/evaluate", json={"account_ref": ref, **body})
    assert response.status == 200, await response.text()
    return dict(await response.json())


def rules(decision: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision["reasons"]]


def email(**extra: Any) -> dict[str, Any]:
    return {"channel": "email", "address": EMAIL, "consent": True, **extra}


async def test_contact_provenance_is_taken_shown_and_checked(client: Any) -> None:
    checked = (NOW - timedelta(days=3)).isoformat()
    contacts = [
        {
            "channel": "sms",
            "address": "+13125550123",
            "consent": True,
            "reassigned_check_at": checked,
        },
        email(provenance="consumer_provided", work_address=True),
    ]
    view = await put_account(client, contacts=contacts, debtor=DALLAS)
    assert [(c["provenance"], c["work_address"]) for c in view["contacts"]] == [
        ("creditor_provided", False),
        ("consumer_provided", True),
    ]
    assert view["contacts"][0]["reassigned_check_at"] == "2026-03-07T21:00:00Z"
    bad = await client.put(
        "/v1/accounts/A-1", json=account_body(contacts=[email(provenance="guessed")])
    )
    assert bad.status == 422
    error = (await bad.json())["error"]
    assert any("provenance" in d["field"] for d in error["details"]), error
    after = await (await client.get("/v1/accounts/A-1")).json()
    assert after["contacts"][1]["provenance"] == "consumer_provided"  # nothing changed


@pytest.mark.parametrize(
    ("contact", "outcome", "reasons"),
    [
        (email(provenance="consumer_provided"), "allow", []),
        (email(), "block", ["address_provenance"]),
        (
            email(provenance="skip_trace", work_address=True),
            "block",
            ["work_address", "address_provenance"],
        ),
        (email(provenance="consumer_provided", work_address=True), "allow", []),
    ],
)
async def test_email_goes_only_where_a_safe_harbor_holds(
    client: Any, contact: dict[str, Any], outcome: str, reasons: list[str]
) -> None:
    await put_account(client, contacts=[contact], debtor=DALLAS)
    decision = await evaluate(client, channel="email", purpose="collection")
    assert decision["outcome"] == outcome
    assert [r for r in rules(decision) if r in {"work_address", "address_provenance"}] == reasons
    citations = {r["rule"]: r["citation"] for r in decision["reasons"]}
    if "work_address" in citations:
        assert citations["work_address"] == "12 CFR 1006.22(f)(3)"


async def test_a_text_without_a_safe_harbor_goes_with_a_warning(client: Any) -> None:
    await put_account(client, debtor=DALLAS)
    decision = await evaluate(client, channel="sms", purpose="collection")
    assert decision["outcome"] == "allow"
    assert [w["rule"] for w in decision["warnings"]] == ["address_provenance"]
    assert decision["warnings"][0]["citation"] == "12 CFR 1006.6(d)(5)"


async def import_calls(client: Any, ref: str, days_ago: list[int]) -> None:
    events = [
        {
            "channel": "voice",
            "direction": "outbound",
            "outcome": "no_answer",
            "at": (NOW - timedelta(days=d, hours=2)).isoformat(),
        }
        for d in days_ago
    ]
    response = await client.post(f"/v1/accounts/{ref}/contact-events", json={"events": events})
    assert response.status == 201, await response.text()


async def test_a_third_call_in_seven_days_waits_in_massachusetts_not_in_texas(client: Any) -> None:
    boston = [{"channel": "voice", "address": "+16175550123", "consent": True}]
    dallas = [{"channel": "voice", "address": "+12145550123", "consent": True}]
    await put_account(client, "MA-1", debtor=BOSTON, contacts=boston)
    await put_account(client, "TX-1", debtor=DALLAS, contacts=dallas)
    for ref in ("MA-1", "TX-1"):
        await import_calls(client, ref, [1, 3])
    texas = await evaluate(client, "TX-1", channel="voice", purpose="collection")
    assert (texas["outcome"], texas["reasons"]) == ("allow", [])
    massachusetts = await evaluate(client, "MA-1", channel="voice", purpose="collection")
    assert massachusetts["outcome"] == "defer"
    # Midnight, when the older call leaves the seven days, is inside quiet hours: 08:00.
    assert rules(massachusetts) == ["state_ma_telephone_personal", "quiet_hours"]
    assert "940 CMR 7.04(1)(f)" in massachusetts["reasons"][0]["citation"]
    # When the older call leaves the seven days, the call may go.
    later = await evaluate(
        client, "MA-1", channel="voice", purpose="collection", at=massachusetts["not_before"]
    )
    assert later["outcome"] == "allow"
    # Federal and state reasons are listed together.
    night = await evaluate(
        client, "MA-1", channel="voice", purpose="collection", at="2026-03-11T03:00:00Z"
    )
    assert set(rules(night)) == {"quiet_hours", "state_ma_telephone_personal"}


async def test_california_needs_the_collectors_license_number(settings: Any, gateway: Any) -> None:
    body = {"channel": "sms", "purpose": "collection", "template": "payment_reminder"}
    unlicensed = await gateway(settings)
    await put_account(
        unlicensed,
        "CA-1",
        debtor=LOS_ANGELES,
        contacts=[{"channel": "sms", "address": "+12135550123", "consent": True}],
    )
    blocked = await evaluate(unlicensed, "CA-1", **body)
    assert blocked["outcome"] == "block"
    assert rules(blocked) == ["disclosure_missing"]
    assert "1788.11(f)" in blocked["reasons"][0]["citation"]
    licensed = await gateway(settings.model_copy(update={"collector_ca_license": "10987-65"}))
    allowed = await evaluate(licensed, "CA-1", **body)
    assert allowed["outcome"] == "allow", allowed
    assert "California Debt Collector License Number: 10987-65" in allowed["message"]["text"]


async def test_evaluate_checks_a_templates_disclosures_without_sending(
    client: Any, settings: Any
) -> None:
    await put_account(client, debtor=DALLAS)
    decision = await evaluate(
        client, channel="sms", purpose="collection", template="payment_reminder"
    )
    assert decision["outcome"] == "allow"
    message = decision["message"]
    assert (message["template"], message["kind"], message["initial"]) == (
        "payment_reminder",
        "collection",
        True,
    )
    assert "debt collector" in message["text"]
    unknown = await client.post(
        "/v1/policy/evaluate",
        json={"account_ref": "A-1", "channel": "sms", "purpose": "collection", "template": "nope"},
    )
    assert unknown.status == 422
    assert (await unknown.json())["error"]["details"][0]["field"] == "template"
    assert await count_rows(settings.database_url, outreach) == 0


async def test_a_time_barred_debt_is_never_threatened_with_suit(client: Any) -> None:
    await put_account(
        client, debtor=DALLAS, contacts=[email(provenance="consumer_provided")], time_barred=True
    )
    threat = await evaluate(client, channel="email", purpose="collection", template="final_notice")
    assert threat["outcome"] == "block"
    assert rules(threat) == ["time_barred_threat"]
    assert threat["reasons"][0]["citation"] == "12 CFR 1006.26(b)"
    response = await client.post(
        "/v1/outreach",
        json=outreach_body(channel="email", template="final_notice"),
        headers={"Idempotency-Key": "final-1"},
    )
    assert (await response.json())["status"] == "blocked"
    reminder = await evaluate(
        client, channel="email", purpose="collection", template="payment_reminder"
    )
    assert reminder["outcome"] == "allow"
    view = await (await client.get("/v1/accounts/A-1")).json()
    assert view["time_barred"] is True


async def test_a_limitations_date_in_the_past_makes_the_debt_time_barred(client: Any) -> None:
    await put_account(
        client,
        debtor=DALLAS,
        contacts=[email(provenance="consumer_provided")],
        limitations_date="2026-01-31",
    )
    threat = await evaluate(client, channel="email", purpose="collection", template="final_notice")
    assert rules(threat) == ["time_barred_threat"]


async def test_explain_shows_state_rules_and_disclosures_with_citations(
    client: Any, settings: Any
) -> None:
    boston = [{"channel": "sms", "address": "+16175550123", "consent": True}]
    await put_account(client, "MA-1", debtor=BOSTON, contacts=boston)
    events = [
        {
            "channel": "sms",
            "direction": "outbound",
            "outcome": "delivered",
            "at": (NOW - timedelta(days=d)).isoformat(),
        }
        for d in (1, 2)
    ]
    await client.post("/v1/accounts/MA-1/contact-events", json={"events": events})
    response = await client.post(
        "/v1/outreach",
        json=outreach_body(account_ref="MA-1"),
        headers={"Idempotency-Key": "ma-1"},
    )
    accepted = await response.json()
    assert accepted["status"] == "deferred"
    text = parley("policy", "explain", accepted["id"], database_url=settings.database_url)
    assert text.returncode == 0, text.stderr
    assert "with the state rules of ma\n" in text.stdout
    assert "state_ma_telephone_personal" in text.stdout
    assert "[940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)]" in text.stdout
    assert "! warning address_provenance" in text.stdout
    assert "message: subsequent collection communication, text checked" in text.stdout
    assert "re-run on the recorded facts: same decision" in text.stdout


async def test_auto_passes_over_a_channel_whose_text_would_be_blocked(client: Any) -> None:
    phone = "+12135550123"
    contacts = [
        {"channel": "sms", "address": phone, "consent": True},
        {"channel": "voice", "address": phone, "consent": True},
    ]
    await put_account(client, "CA-2", debtor=LOS_ANGELES, contacts=contacts)
    sms = await evaluate(client, "CA-2", channel="sms", purpose="collection")
    assert sms["outcome"] == "allow"  # the contact is fine; its text is not (no license)
    response = await client.post(
        "/v1/outreach",
        json=outreach_body(account_ref="CA-2", channel="auto"),
        headers={"Idempotency-Key": "auto-ca"},
    )
    accepted = await response.json()
    # The voicemail says nothing about a debt, so California asks nothing of it.
    assert (accepted["status"], accepted["channel"]) == ("queued", "voice"), accepted
