"""Accounts over HTTP: upsert, read, consent ledger, contact history, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import EMAIL, PHONE, account_body, count_rows
from sqlalchemy import select

from gateway.clock import utcnow
from gateway.db.engine import create_engine
from gateway.db.tables import accounts, audit_log, consent_events, contact_events
from gateway.records.consent import record_consent


async def test_put_creates_then_updates_and_get_reads(client: Any, settings: Any) -> None:
    created = await client.put("/v1/accounts/A-1", json=account_body())
    assert created.status == 201
    body = await created.json()
    assert body["account_ref"] == "A-1"
    assert body["balance"] == {"amount": "432.10", "currency": "USD"}
    assert [(c["channel"], c["address"], c["consent"]) for c in body["contacts"]] == [
        ("sms", PHONE, "granted"),
        ("email", EMAIL, "granted"),
    ]
    assert body["holds"] == []

    updated = await client.put(
        "/v1/accounts/A-1",
        json=account_body(
            flags={
                "disputed": True,
                "cease_communication": False,
                "do_not_contact": False,
                "attorney_represented": False,
            }
        ),
    )
    assert updated.status == 200
    assert (await updated.json())["holds"] == ["dispute_hold"]

    read = await (await client.get("/v1/accounts/A-1")).json()
    assert read["flags"]["disputed"] is True
    assert read["contact_counts"]["sms"] == {"1d": 0, "7d": 0, "30d": 0}
    assert (
        await count_rows(settings.database_url, consent_events) == 2
    )  # the second PUT changed no consent
    assert await count_rows(settings.database_url, audit_log) >= 4


async def test_phone_is_normalised_to_e164(client: Any) -> None:
    body = account_body(
        contacts=[{"channel": "sms", "address": "+1 (312) 555-0123", "consent": True}]
    )
    response = await client.put("/v1/accounts/A-1", json=body)
    assert response.status == 201
    assert (await response.json())["contacts"][0]["address"] == PHONE


async def test_consumer_revocation_is_not_undone_by_a_sync(client: Any, settings: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        account_id = await conn.scalar(select(accounts.c.id))
        await record_consent(
            conn,
            account_id=account_id,
            account_ref="A-1",
            channel="sms",
            address=PHONE,
            action="revoked",
            source="keyword",
            at=utcnow(),
        )
    await engine.dispose()
    response = await client.put("/v1/accounts/A-1", json=account_body())
    body = await response.json()
    assert body["contacts"][0]["consent"] == "revoked"
    assert "stays revoked" in body["notes"][0]


async def test_api_revocation_and_regrant(client: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    revoked = account_body(contacts=[{"channel": "sms", "address": PHONE, "consent": False}])
    body = await (await client.put("/v1/accounts/A-1", json=revoked)).json()
    assert [c["consent"] for c in body["contacts"]] == ["revoked"]
    body = await (await client.put("/v1/accounts/A-1", json=account_body())).json()
    assert body["contacts"][0]["consent"] == "granted"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(collector_type="fourth_party"), "collector_type"),
        (lambda b: b["balance"].update(amount=432.1), "balance.amount"),
        (lambda b: b["balance"].update(amount="12,50"), "balance.amount"),
        (lambda b: b["balance"].update(amount="-5.00"), "balance.amount"),
        (lambda b: b["debtor"].update(timezone="Mars/Olympus"), "debtor.timezone"),
        (lambda b: b["debtor"].pop("name"), "debtor.name"),
        (lambda b: b.pop("creditor"), "creditor"),
        (lambda b: b["contacts"][0].update(address="555-0123"), "contacts.0"),
        (lambda b: b["contacts"][0].update(address="+1415555"), "contacts.0"),
        (lambda b: b["contacts"][1].update(address="not-an-email"), "contacts.1"),
        (lambda b: b["contacts"][0].update(channel="fax"), "contacts.0.channel"),
        (lambda b: b.update(unexpected=1), "unexpected"),
    ],
)
async def test_bad_account_input_is_422_naming_the_field(
    client: Any, settings: Any, mutate: Any, field: str
) -> None:
    body = account_body()
    mutate(body)
    response = await client.put("/v1/accounts/A-1", json=body)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed"
    assert any(d["field"].startswith(field) for d in error["details"]), error
    assert await count_rows(settings.database_url, accounts) == 0
    assert await count_rows(settings.database_url, audit_log) == 0


async def test_malformed_json_is_422(client: Any, settings: Any) -> None:
    response = await client.put(
        "/v1/accounts/A-1", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "malformed_json"
    assert error["details"][0]["field"] == "body"
    assert await count_rows(settings.database_url, accounts) == 0


async def test_unknown_account_is_404(client: Any) -> None:
    response = await client.get("/v1/accounts/NOPE")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "account_not_found"


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer "])
async def test_missing_or_wrong_token_is_401_and_writes_nothing(
    client: Any, settings: Any, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {"Authorization": ""}
    response = await client.put("/v1/accounts/A-1", json=account_body(), headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] in {"missing_token", "invalid_token"}
    assert await count_rows(settings.database_url, accounts) == 0


async def test_contact_events_import_dedupes_on_external_id(client: Any, settings: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    events = {
        "events": [
            {
                "channel": "voice",
                "direction": "outbound",
                "at": "2026-11-20T15:00:00Z",
                "outcome": "no_answer",
                "external_id": "dialer-1",
            },
            {
                "channel": "voice",
                "direction": "outbound",
                "at": "2026-11-21T15:00:00Z",
                "outcome": "conversation",
                "external_id": "dialer-2",
            },
        ]
    }
    first = await client.post("/v1/accounts/A-1/contact-events", json=events)
    assert first.status == 201
    assert await first.json() == {"received": 2, "imported": 2, "duplicates": 0}
    again = await client.post("/v1/accounts/A-1/contact-events", json=events)
    assert await again.json() == {"received": 2, "imported": 0, "duplicates": 2}
    assert await count_rows(settings.database_url, contact_events) == 2


@pytest.mark.parametrize(
    "event",
    [
        {
            "channel": "voice",
            "direction": "outbound",
            "at": "2026-11-20T15:00:00",
            "outcome": "no_answer",
        },
        {
            "channel": "voice",
            "direction": "sideways",
            "at": "2026-11-20T15:00:00Z",
            "outcome": "no_answer",
        },
        {
            "channel": "voice",
            "direction": "outbound",
            "at": "2026-11-20T15:00:00Z",
            "outcome": "exploded",
        },
    ],
)
async def test_bad_contact_events_are_422(client: Any, settings: Any, event: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    response = await client.post("/v1/accounts/A-1/contact-events", json={"events": [event]})
    assert response.status == 422
    assert (await response.json())["error"]["details"][0]["field"].startswith("events.0.")
    assert await count_rows(settings.database_url, contact_events) == 0


async def test_contact_events_for_unknown_account_is_404(client: Any) -> None:
    response = await client.post(
        "/v1/accounts/NOPE/contact-events",
        json={
            "events": [
                {
                    "channel": "sms",
                    "direction": "outbound",
                    "at": "2026-11-20T15:00:00Z",
                    "outcome": "sent",
                }
            ]
        },
    )
    assert response.status == 404
