"""Outreach intake over HTTP: decisions, idempotency, batches, status, and bad input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.constants import default_queue_name
from helpers import account_body, count_rows, outreach_body

from gateway import clock
from gateway.db.tables import audit_log, outreach

# 15:00 in Chicago: inside 08:00-21:00 in every US zone.
DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
# 06:00 in Chicago (and 04:00 in Los Angeles): quiet hours.
NIGHT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the gateway's clock."""

    def set_clock(instant: datetime) -> None:
        monkeypatch.setattr(clock, "utcnow", lambda: instant)

    set_clock(DAYTIME)
    return set_clock


async def post(client: Any, key: str | None, body: dict[str, Any]) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await client.post("/v1/outreach", json=body, headers=headers)


async def test_allowed_outreach_is_queued_and_enqueued(client: Any, redis: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    response = await post(client, "k1", outreach_body())
    assert response.status == 202
    body = await response.json()
    assert body["status"] == "queued"
    assert body["channel"] == "sms"
    assert (body["decision"]["outcome"], body["decision"]["reasons"]) == ("allow", [])
    # A text to a number the consumer never texted from goes with the safe-harbor warning.
    assert [w["rule"] for w in body["decision"]["warnings"]] == ["address_provenance"]
    assert await redis.zscore(default_queue_name, f"send:{body['id']}") is not None


async def test_night_outreach_is_deferred_to_eight_local(client: Any, redis: Any, at: Any) -> None:
    at(NIGHT)
    await client.put("/v1/accounts/A-1", json=account_body())
    body = await (await post(client, "k1", outreach_body())).json()
    assert body["status"] == "deferred"
    assert body["decision"]["not_before"] == "2026-03-10T13:00:00Z"  # 08:00 CDT
    assert [r["rule"] for r in body["decision"]["reasons"]] == ["quiet_hours"]
    score = await redis.zscore(default_queue_name, f"send:{body['id']}:1773147600")
    assert score == 1773147600 * 1000


async def test_blocked_outreach_lists_every_reason_and_enqueues_nothing(
    client: Any, redis: Any, at: Any
) -> None:
    at(NIGHT)
    flags = {
        "do_not_contact": True,
        "cease_communication": True,
        "disputed": False,
        "attorney_represented": False,
    }
    contacts = [{"channel": "sms", "address": "+13125550123", "consent": False}]
    await client.put("/v1/accounts/A-1", json=account_body(flags=flags, contacts=contacts))
    body = await (await post(client, "k1", outreach_body())).json()
    assert body["status"] == "blocked"
    rules = {r["rule"] for r in body["decision"]["reasons"]}
    assert rules == {"do_not_contact", "cease_communication", "consent_missing", "quiet_hours"}
    assert all(r["citation"] for r in body["decision"]["reasons"])
    assert await redis.zcard(default_queue_name) == 0


async def test_auto_channel_falls_back_to_email_when_sms_is_not_allowed(
    client: Any, at: Any
) -> None:
    contacts = [
        {"channel": "sms", "address": "+13125550123", "consent": False},
        {
            "channel": "email",
            "address": "dana@example.com",
            "consent": True,
            "provenance": "consumer_provided",
        },
    ]
    await client.put("/v1/accounts/A-1", json=account_body(contacts=contacts))
    body = await (await post(client, "k1", outreach_body(channel="auto"))).json()
    assert (body["status"], body["channel"]) == ("queued", "email")


async def test_same_key_same_body_returns_first_answer(client: Any, settings: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    first = await (await post(client, "k1", outreach_body())).json()
    at(NIGHT)  # a replay must not re-decide
    second = await post(client, "k1", outreach_body())
    assert second.status == 202
    assert await second.json() == first
    assert await count_rows(settings.database_url, outreach) == 1


async def test_same_key_other_body_is_409(client: Any, settings: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    await post(client, "k1", outreach_body())
    audit_before = await count_rows(settings.database_url, audit_log)
    response = await post(client, "k1", outreach_body(purpose="transactional"))
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "idempotency_conflict"
    assert await count_rows(settings.database_url, outreach) == 1
    assert await count_rows(settings.database_url, audit_log) == audit_before


async def test_concurrent_requests_with_one_key_create_one_outreach(
    client: Any, settings: Any, at: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    responses = await asyncio.gather(*(post(client, "same", outreach_body()) for _ in range(8)))
    bodies = [await r.json() for r in responses]
    assert {r.status for r in responses} == {202}
    assert len({b["id"] for b in bodies}) == 1
    assert await count_rows(settings.database_url, outreach) == 1


@pytest.mark.parametrize(
    ("key", "body", "status", "field"),
    [
        (None, outreach_body(), 400, "Idempotency-Key"),
        ("k", outreach_body(channel="fax"), 422, "channel"),
        ("k", outreach_body(purpose="harassment"), 422, "purpose"),
        ("k", {"account_ref": "A-1", "channel": "sms", "purpose": "collection"}, 422, "template"),
        ("k", outreach_body(template="no_such_template"), 422, "template"),
        ("k", outreach_body(template="payment_received"), 422, "variables"),
        ("k", outreach_body(variables={"creditor": "x"}), 422, "variables"),
        ("k", outreach_body(account_ref="NOPE"), 404, "account_ref"),
    ],
)
async def test_bad_outreach_is_rejected_and_writes_nothing(
    client: Any,
    settings: Any,
    redis: Any,
    at: Any,
    key: str | None,
    body: Any,
    status: int,
    field: str,
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    audit_before = await count_rows(settings.database_url, audit_log)
    response = await post(client, key, body)
    assert response.status == status
    error = (await response.json())["error"]
    assert any(field in d["field"] for d in error["details"]), error
    assert await count_rows(settings.database_url, outreach) == 0
    assert await count_rows(settings.database_url, audit_log) == audit_before
    assert await redis.zcard(default_queue_name) == 0


async def test_batch_answers_each_item_in_order(client: Any, settings: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    await client.put(
        "/v1/accounts/A-2",
        json=account_body(
            contacts=[{"channel": "sms", "address": "+14155550124", "consent": False}]
        ),
    )
    items = [
        outreach_body(idempotency_key="b1"),
        outreach_body(idempotency_key="b2", account_ref="A-2"),
        outreach_body(idempotency_key="b3", channel="fax"),
        outreach_body(idempotency_key="b4", account_ref="NOPE"),
        outreach_body(idempotency_key="b1"),
        outreach_body(idempotency_key="b1", purpose="transactional"),
    ]
    response = await client.post("/v1/outreach/batch", json={"items": items})
    assert response.status == 200
    results = (await response.json())["results"]
    assert [r["status"] for r in results] == [
        "queued",
        "blocked",
        "rejected",
        "rejected",
        "queued",
        "rejected",
    ]
    assert results[2]["error"]["details"][0]["field"] == "items.2.channel"
    assert results[3]["error"]["code"] == "account_not_found"
    assert results[4] == results[0]
    assert results[5]["error"]["code"] == "idempotency_conflict"
    assert await count_rows(settings.database_url, outreach) == 2

    again = await (await client.post("/v1/outreach/batch", json={"items": items[:2]})).json()
    assert again["results"] == results[:2]
    assert await count_rows(settings.database_url, outreach) == 2


@pytest.mark.parametrize("document", [{"items": []}, {"items": "x"}, [], {"items": [{}] * 1001}])
async def test_bad_batch_envelope_is_422(client: Any, document: Any) -> None:
    response = await client.post("/v1/outreach/batch", json=document)
    assert response.status == 422
    assert (await response.json())["error"]["details"][0]["field"] in {"items", "body"}


async def test_get_outreach_shows_status_and_timeline(client: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    created = await (await post(client, "k1", outreach_body())).json()
    body = await (await client.get(f"/v1/outreach/{created['id']}")).json()
    assert body["status"] == "queued"
    assert [e["status"] for e in body["timeline"]] == ["queued"]
    assert body["decision"] == created["decision"]
    missing = await client.get("/v1/outreach/out_missing")
    assert missing.status == 404


async def test_policy_evaluate_is_a_dry_run(client: Any, settings: Any, at: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    audit_before = await count_rows(settings.database_url, audit_log)
    response = await client.post(
        "/v1/policy/evaluate",
        json={
            "account_ref": "A-1",
            "channel": "sms",
            "purpose": "collection",
            "at": "2026-03-10T02:30:00Z",
        },
    )
    body = await response.json()
    assert response.status == 200
    assert body["outcome"] == "defer"
    assert body["not_before"] == "2026-03-10T13:00:00Z"
    assert await count_rows(settings.database_url, audit_log) == audit_before
    assert await count_rows(settings.database_url, outreach) == 0


@pytest.mark.parametrize(
    ("body", "status", "outcome_or_field"),
    [
        (
            {"channel": "sms", "purpose": "collection", "address": "+14155550999"},
            200,
            "invalid_contact",
        ),
        ({"channel": "sms", "purpose": "collection", "address": "12"}, 422, "address"),
        ({"channel": "sms", "purpose": "collection", "at": "2026-03-10T02:30:00"}, 422, "at"),
        ({"channel": "pigeon", "purpose": "collection"}, 422, "channel"),
    ],
)
async def test_policy_evaluate_input(
    client: Any, at: Any, body: dict[str, Any], status: int, outcome_or_field: str
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    response = await client.post("/v1/policy/evaluate", json={"account_ref": "A-1", **body})
    assert response.status == status
    answer = await response.json()
    if status == 200:
        assert [r["rule"] for r in answer["reasons"]] == [outcome_or_field]
    else:
        assert answer["error"]["details"][0]["field"] == outcome_or_field
