"""Account updates: the store (deduplication, validation), the paged API with its cursor, and
the dispute hold a dispute places (delivery to the core system: test_account_update_delivery.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from account_update_helpers import PROMISE, audit_events, create_account, record, record_one
from helpers import count_rows

from gateway.config import Settings
from gateway.db.tables import account_updates
from gateway.errors import Conflict, ValidationFailed
from gateway.records.updates import NewUpdate

DAYTIME = "2026-03-10T21:00:00Z"  # 15:00 in Chicago: quiet hours never get in the way
DISPUTE = NewUpdate(kind="dispute", data={"reason": "not my debt"}, source="agent")


async def test_updates_page_oldest_first_with_a_cursor(client: Any, settings: Settings) -> None:
    await create_account(client)
    await create_account(client, "A-2")
    kinds = ["promise_to_pay", "hardship", "callback_request", "agent_note", "handoff"]
    stored = await record(
        settings,
        "A-1",
        *(NewUpdate(kind=k, data={"n": i}, source="bot") for i, k in enumerate(kinds)),
    )
    await record(settings, "A-2", PROMISE)
    ids = [str(s.id) for s in stored]

    first = await (await client.get("/v1/accounts/A-1/updates", params={"limit": 2})).json()
    assert [u["id"] for u in first["updates"]] == ids[:2]
    assert first["next"] == ids[1]
    assert first["has_more"] is True
    second = await (
        await client.get("/v1/accounts/A-1/updates", params={"after": first["next"], "limit": 2})
    ).json()
    assert [u["kind"] for u in second["updates"]] == kinds[2:4]
    third = await (
        await client.get("/v1/accounts/A-1/updates", params={"after": second["next"], "limit": 2})
    ).json()
    assert [u["id"] for u in third["updates"]] == ids[4:]
    assert third["next"] == ids[4]
    assert third["has_more"] is False

    # An empty page keeps the cursor, so a client can poll with it; new updates show up there.
    empty = await (await client.get("/v1/accounts/A-1/updates", params={"after": ids[4]})).json()
    assert empty == {"updates": [], "next": ids[4], "has_more": False}
    late = await record_one(settings, "A-1", DISPUTE)
    polled = await (await client.get("/v1/accounts/A-1/updates", params={"after": ids[4]})).json()
    assert [u["id"] for u in polled["updates"]] == [str(late.id)]

    everything = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["id"] for u in everything["updates"]] == [*ids, str(late.id)]
    assert everything["updates"][0] == stored[0].public
    assert everything["updates"][0] == {
        "id": ids[0],
        "account_ref": "A-1",
        "kind": "promise_to_pay",
        "source": "bot",
        "confidence": None,
        "data": {"n": 0},
        "conversation_id": None,
        "message_id": None,
        "agent_id": None,
        "recording_id": None,
        "created_at": stored[0].public["created_at"],
        "delivery": {"state": "pending", "attempts": 0, "delivered_at": None, "last_error": None},
    }
    assert everything["updates"][0]["created_at"].endswith("Z")


async def test_an_account_without_updates_answers_an_empty_page(client: Any) -> None:
    await create_account(client)
    body = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert body == {"updates": [], "next": "0", "has_more": False}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "1.5"}, "after"),
        ({"after": ""}, "after"),
        ({"after": "9" * 20}, "after"),
        ({"after": "9" * 5000}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
    ],
)
async def test_bad_cursor_or_limit_is_a_422_naming_it(
    client: Any, query: dict[str, str], field: str
) -> None:
    await create_account(client)
    response = await client.get("/v1/accounts/A-1/updates", params=query)
    assert response.status == 422
    error = (await response.json())["error"]
    assert [d["field"] for d in error["details"]] == [field]


async def test_unknown_account_bad_ref_and_no_token(client: Any) -> None:
    missing = await client.get("/v1/accounts/NOPE/updates")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "account_not_found"
    bad = await client.get("/v1/accounts/bad%20ref/updates")
    assert bad.status == 422
    anonymous = await client.get("/v1/accounts/NOPE/updates", headers={"Authorization": ""})
    assert anonymous.status == 401


async def test_a_dedupe_key_records_one_update(client: Any, settings: Settings) -> None:
    await create_account(client)
    await create_account(client, "A-2")
    keyed = NewUpdate(kind="hardship", data={"reason": "job loss"}, source="bot", dedupe_key="k1")
    first = await record_one(settings, "A-1", keyed)
    again = await record_one(settings, "A-1", keyed)
    assert first.created
    assert not again.created
    assert again.id == first.id
    assert again.public == first.public
    assert await count_rows(settings.database_url, account_updates) == 1
    assert (await audit_events(settings)).count("account_update.recorded") == 1

    with pytest.raises(Conflict):
        await record_one(settings, "A-2", keyed)
    with pytest.raises(Conflict):
        await record_one(settings, "A-1", NewUpdate("dispute", {}, "bot", dedupe_key="k1"))
    # Without a key nothing is deduplicated: two hardship statements are two facts.
    await record(
        settings, "A-1", NewUpdate("hardship", {}, "bot"), NewUpdate("hardship", {}, "bot")
    )
    assert await count_rows(settings.database_url, account_updates) == 3


@pytest.mark.parametrize(
    ("kind", "source", "confidence", "field"),
    [
        ("promise", "bot", None, "kind"),
        ("dispute", "robot", None, "source"),
        ("dispute", "bot", 1.5, "confidence"),
    ],
)
def test_an_invalid_update_is_refused(
    kind: str, source: str, confidence: float | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        NewUpdate(kind=kind, data={}, source=source, confidence=confidence)
    assert [d["field"] for d in refused.value.details] == [field]


async def evaluate(client: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/policy/evaluate",
        json={"account_ref": "A-1", "channel": "sms", "purpose": "collection", "at": DAYTIME},
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_a_dispute_places_the_dispute_hold(client: Any, settings: Settings) -> None:
    await create_account(client)
    assert (await evaluate(client))["outcome"] == "allow"

    await record_one(settings, "A-1", DISPUTE)
    decision = await evaluate(client)
    assert decision["outcome"] == "block"
    assert "dispute_hold" in [r["rule"] for r in decision["reasons"]]
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert account["flags"]["disputed"] is True
    assert "dispute_hold" in account["holds"]

    await record_one(settings, "A-1", DISPUTE)  # already on hold: no second hold entry
    events = await audit_events(settings)
    assert events.count("account_update.recorded") == 2
    assert events.count("account.dispute_hold") == 1


async def test_a_new_dispute_after_validation_holds_again(client: Any, settings: Settings) -> None:
    validated = {
        "cease_communication": False,
        "disputed": True,
        "validation_recorded": True,
        "do_not_contact": False,
        "attorney_represented": False,
    }
    await create_account(client, flags=validated)
    assert (await evaluate(client))["outcome"] == "allow"
    await record_one(settings, "A-1", DISPUTE)
    decision = await evaluate(client)
    assert [r["rule"] for r in decision["reasons"]] == ["dispute_hold"]
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert account["flags"]["validation_recorded"] is False


async def test_other_kinds_place_no_hold(client: Any, settings: Settings) -> None:
    await create_account(client)
    await record(settings, "A-1", PROMISE, NewUpdate("hardship", {}, "transcript", 0.4))
    assert (await evaluate(client))["outcome"] == "allow"
    assert "account.dispute_hold" not in await audit_events(settings)
