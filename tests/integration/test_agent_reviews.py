"""The console's review queue API: what a transcript seemed to say, confirmed as heard,
corrected, refused with the field named, decided once only, or discarded."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agent_console_helpers import add_agents, console
from conversation_helpers import DAYTIME, daytime, new_account, rows  # noqa: F401
from review_helpers import TRANSCRIPT, seed_review
from sqlalchemy import select

from gateway.appkeys import LIVE
from gateway.config import Settings
from gateway.conversations.agent_events import WAITING
from gateway.db.tables import account_updates, accounts, audit_log, conversations
from gateway.db.tables import transcript_reviews as reviews

ANA = "ana@example.com"
PAY_ON = "2026-03-25"  # 15 days after DAYTIME: inside the 30-day horizon
HEARD = {"amount": "$200", "date": PAY_ON}


async def seed(
    settings: Settings,
    kind: str = "promise_to_pay",
    data: dict[str, Any] | None = None,
    reason: str = "low_confidence",
) -> str:
    """One pending review of account A-1; its id as the API shows it."""
    heard = HEARD if data is None else data
    return await seed_review(
        settings.database_url, at=DAYTIME, data=heard, kind=kind, reason=reason
    )


async def review_row(settings: Settings, review_id: str) -> Any:
    [row] = await rows(settings, select(reviews).where(reviews.c.id == int(review_id)))
    return row


async def test_the_queue_lists_pending_reviews_oldest_first_with_the_transcript(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")
    first = await seed(settings)
    second = await seed(settings, kind="attorney_represented", reason="attorney_mentioned")
    ana = await console(gateway, settings, ANA)
    status, body = await ana.call("GET", "/reviews")
    assert status == 200
    assert [r["id"] for r in body["reviews"]] == [first, second]
    listed = body["reviews"][0]
    assert listed == listed | {
        "kind": "promise_to_pay",
        "data": HEARD,
        "confidence": 0.42,
        "reason": "low_confidence",
        "excerpt": "I can pay $200 on the 25th.",
        "status": "pending",
        "update_id": None,
        "agent_id": None,
        "decided_at": None,
        "account_ref": "A-1",
        "transcript": TRANSCRIPT,
    }
    await ana.call("POST", f"/reviews/{first}/discard")
    _, body = await ana.call("GET", "/reviews")
    assert [r["id"] for r in body["reviews"]] == [second]


async def test_confirming_as_heard_records_the_update_once_with_the_agent(
    client: Any, settings: Settings, gateway: Any
) -> None:
    ids = await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")
    review = await seed(settings)
    ana = await console(gateway, settings, ANA)
    status, body = await ana.call("POST", f"/reviews/{review}/confirm")
    assert status == 200, body
    assert (body["status"], body["agent_id"]) == ("confirmed", ids[ANA])
    [update] = await rows(settings, select(account_updates))
    assert str(update.id) == body["update_id"]
    assert (update.kind, update.source, update.agent_id, update.confidence) == (
        "promise_to_pay",
        "transcript",
        ids[ANA],
        0.42,
    )
    assert (update.data["amount"], update.data["date"]) == ("200.00", PAY_ON)
    status, again = await ana.call("POST", f"/reviews/{review}/confirm")
    assert (status, again["error"]["code"]) == (409, "review_decided")
    status, again = await ana.call("POST", f"/reviews/{review}/discard")
    assert (status, again["error"]["code"]) == (409, "review_decided")
    assert len(await rows(settings, select(account_updates))) == 1


async def test_a_correction_is_recorded_and_bad_values_name_their_field(
    client: Any, settings: Settings, gateway: Any
) -> None:
    ids = await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")  # a balance of 432.10
    review = await seed(settings)
    ana = await console(gateway, settings, ANA)
    path = f"/reviews/{review}/confirm"
    for bad, field in (
        ({"amount": "5000"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"date": "2026-06-30"}, "date"),
        ({"amount": ["150"]}, "amount"),
    ):
        status, refused = await ana.call("POST", path, bad)
        assert status == 422, refused
        assert [d["field"] for d in refused["error"]["details"]] == [field]
    row = await review_row(settings, review)
    assert (row.status, row.agent_id, row.update_id) == ("pending", None, None)
    assert await rows(settings, select(account_updates)) == []

    status, body = await ana.call("POST", path, {"amount": "150"})
    assert status == 200, body
    assert body["status"] == "corrected"
    [update] = await rows(settings, select(account_updates))
    assert (update.data["amount"], update.data["date"]) == ("150.00", PAY_ON)
    assert (update.agent_id, update.recording_id) == (ids[ANA], body["recording_id"])
    row = await review_row(settings, review)
    assert (row.status, row.agent_id, str(row.update_id)) == ("corrected", ids[ANA], str(update.id))
    [audited] = await rows(
        settings, select(audit_log).where(audit_log.c.event == "transcript_review.corrected")
    )
    assert ids[ANA] in audited.payload


async def test_discarding_records_nothing_and_unknown_reviews_are_not_found(
    client: Any, settings: Settings, gateway: Any
) -> None:
    ids = await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")
    review = await seed(settings)
    ana = await console(gateway, settings, ANA)
    for unknown in ("999999", "abc", "1" * 19):
        status, body = await ana.call("POST", f"/reviews/{unknown}/confirm")
        assert (status, body["error"]["code"]) == (404, "review_not_found")
        assert (await ana.call("POST", f"/reviews/{unknown}/discard"))[0] == 404
    ana.csrf = ""
    assert (await ana.call("POST", f"/reviews/{review}/discard"))[0] == 403
    await ana.login(ANA)
    status, body = await ana.call("POST", f"/reviews/{review}/discard")
    assert status == 200, body
    assert (body["status"], body["agent_id"], body["update_id"]) == ("discarded", ids[ANA], None)
    assert await rows(settings, select(account_updates)) == []
    events = await rows(settings, select(audit_log.c.event))
    assert "transcript_review.discarded" in {e.event for e in events}


async def test_a_confirmed_attorney_stops_contact_with_the_consumer(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")
    heard = {"detail": "Talk to my lawyer."}
    review = await seed(
        settings, kind="attorney_represented", data=heard, reason="attorney_mentioned"
    )
    ana = await console(gateway, settings, ANA)
    status, body = await ana.call("POST", f"/reviews/{review}/confirm")
    assert (status, body["status"]) == (200, "confirmed")
    [update] = await rows(settings, select(account_updates))
    assert (update.kind, update.data) == ("attorney_represented", heard)
    [account] = await rows(settings, select(accounts))
    assert account.attorney_represented is True


async def test_a_confirmed_hardship_hands_the_conversation_to_agents_live(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client, "A-1")
    heard = {"hardship_type": "job_loss", "detail": "I lost my job last month."}
    review = await seed(settings, kind="hardship", data=heard)
    ana = await console(gateway, settings, ANA)
    await ana.client.app[LIVE].subscribed.wait()
    origin = str(ana.client.make_url("")).rstrip("/")
    ws = await ana.client.ws_connect("/agent/ws", headers={"Origin": origin})
    try:
        status, body = await ana.call("POST", f"/reviews/{review}/confirm")
        assert (status, body["status"]) == (200, "confirmed")
        [conversation] = await rows(
            settings, select(conversations).where(conversations.c.channel == "voice")
        )
        assert (conversation.state, conversation.escalation_reason) == ("escalated", "hardship")
        event = json.loads(await asyncio.wait_for(ws.receive_str(), 5))
        assert event == event | {"event": WAITING, "conversation_id": conversation.id}
    finally:
        await ws.close()
