"""The bot API (/v1/bot), called as the action server calls it, so every rule of the gateway
is checked on both databases (Rasa itself is exercised in test_assistant_e2e.py): its token,
nothing about the debt before verification, verification by birth date or ZIP code and its
lockout, amounts and dates normalised, and the updates a conversation records."""

from __future__ import annotations

import json
from typing import Any

from conversation_helpers import (
    CREDITOR,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    inbound,
    new_account,
    rows,
)
from helpers import PHONE, outreach_body
from sqlalchemy import select

from gateway.conversations.agent_events import agent_channel
from gateway.db.tables import contact_points

BOT = {"Authorization": "Bearer parley-dev-bot-token"}


async def bot(client: Any, method: str, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
    call = getattr(client, method)
    kwargs: dict[str, Any] = {"headers": BOT}
    if method == "post":
        kwargs["json"] = body
    response = await call(f"/v1/bot/conversations/{path}", **kwargs)
    return response.status, dict(await response.json())


async def verified_conversation(client: Any) -> str:
    await new_account(client)
    conversation = (await inbound(client, "hi"))["conversation_id"]
    status, answer = await bot(client, "post", f"{conversation}/verify", value="03/14/1985")
    assert (status, answer["outcome"]) == (200, "verified")
    return str(conversation)


async def test_bot_and_core_tokens_open_only_their_own_doors(client: Any) -> None:
    conversation = await verified_conversation(client)
    core = await client.get(f"/v1/bot/conversations/{conversation}")
    assert core.status == 401
    as_bot = await client.get("/v1/accounts/A-1", headers=BOT)
    assert as_bot.status == 401


async def test_nothing_about_the_debt_before_verification(client: Any) -> None:
    await new_account(client)
    conversation = (await inbound(client, "hi"))["conversation_id"]
    status, view = await bot(client, "get", conversation)
    assert status == 200
    assert view["verified"] is False
    assert view["account"] is None
    # The conversation id is random hex: it may well hold "432".
    shown = json.dumps({k: v for k, v in view.items() if k != "conversation_id"})
    assert CREDITOR not in shown
    assert "432" not in shown
    status, refused = await bot(client, "post", f"{conversation}/normalize", amount="$50")
    assert (status, refused["error"]["code"]) == (403, "not_verified")
    status, refused = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="promise_to_pay",
        data={"amount": "$50", "date": "friday"},
    )
    assert (status, refused["error"]["code"]) == (403, "not_verified")

    status, answer = await bot(client, "post", f"{conversation}/verify", value="my dob is soon")
    assert (answer["outcome"], answer["attempts_left"]) == ("unparsed", 3)
    status, answer = await bot(client, "post", f"{conversation}/verify", value="03/15/1985")
    assert (answer["outcome"], answer["attempts_left"], answer["verified"]) == (
        "mismatch",
        2,
        False,
    )
    status, answer = await bot(client, "post", f"{conversation}/verify", value="March 14, 1985")
    assert (answer["outcome"], answer["verified"]) == ("verified", True)
    status, view = await bot(client, "get", conversation)
    assert view["account"] == {
        "debtor_first_name": "Dana",
        "creditor": CREDITOR,
        "balance": {"amount": "432.10", "currency": "USD"},
        "balance_display": "$432.10",
        "collector": "Parley Recovery Services",
    }


async def test_too_many_wrong_answers_hand_the_conversation_to_a_person(
    client: Any, redis: Any
) -> None:
    await new_account(client)
    conversation = (await inbound(client, "hi"))["conversation_id"]
    pubsub = redis.pubsub()
    await pubsub.subscribe(agent_channel(redis))
    for left in (2, 1):
        _, answer = await bot(client, "post", f"{conversation}/verify", value="01/01/1990")
        assert (answer["outcome"], answer["attempts_left"]) == ("mismatch", left)
    _, answer = await bot(client, "post", f"{conversation}/verify", value="01/01/1990")
    assert (answer["outcome"], answer["escalated"]) == ("locked", True)
    _, answer = await bot(client, "post", f"{conversation}/verify", value="03/14/1985")
    assert (answer["outcome"], answer["verified"]) == ("locked", False)
    ours = []
    for _ in range(50):
        # Pub/sub channels are server-wide: other test processes publish here too.
        event = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if event and json.loads(event["data"])["conversation_id"] == conversation:
            ours.append(json.loads(event["data"]))
            break
    await pubsub.aclose()
    assert [e["event"] for e in ours] == ["conversation.waiting"]
    updates = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [(u["kind"], u["data"]) for u in updates["updates"]] == [
        ("handoff", {"reason": "identity_not_verified"})
    ]
    later = await inbound(client, "hello? anyone")
    assert later["route"] == "agent"


async def test_zip_code_verification(settings: Any, gateway: Any) -> None:
    client = await gateway(settings.model_copy(update={"bot_verification_fact": "postal_code"}))
    await new_account(client)
    await check_zip_verification(client)


async def check_zip_verification(client: Any) -> None:
    conversation = (await inbound(client, "hi"))["conversation_id"]
    _, view = await bot(client, "get", conversation)
    assert view["verification_fact"] == "postal_code"
    _, answer = await bot(client, "post", f"{conversation}/verify", value="zip is 60602")
    assert answer["outcome"] == "mismatch"
    _, answer = await bot(client, "post", f"{conversation}/verify", value="60601")
    assert answer["outcome"] == "verified"


async def test_amounts_and_dates_are_normalised_in_the_debtors_zone(client: Any) -> None:
    conversation = await verified_conversation(client)
    status, answer = await bot(
        client, "post", f"{conversation}/normalize", amount="fifty bucks", date="next friday"
    )
    assert status == 200
    assert (answer["amount"], answer["date"], answer["errors"]) == ("50.00", "2026-03-13", [])
    status, answer = await bot(
        client, "post", f"{conversation}/normalize", amount="$1,000", date="03/01/2026"
    )
    assert [e["code"] for e in answer["errors"]] == ["amount_above_balance", "date_past"]
    assert all(e["message"] for e in answer["errors"])


async def test_a_promise_is_recorded_with_normalised_values(client: Any) -> None:
    conversation = await verified_conversation(client)
    status, bad = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="promise_to_pay",
        data={"amount": "0 dollars", "date": "in two weeks"},
    )
    assert status == 422
    assert [d["code"] for d in bad["error"]["details"]] == ["amount_not_positive"]
    status, stored = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="promise_to_pay",
        data={"amount": "75 USD", "date": "in two weeks"},
        dedupe_key="k-1",
    )
    assert status == 201, stored
    assert stored["data"]["amount"] == "75.00"
    assert stored["data"]["date"] == "2026-03-24"
    assert stored["escalated"] is False
    status, again = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="promise_to_pay",
        data={"amount": "75 USD", "date": "in two weeks"},
        dedupe_key="k-1",
    )
    assert again["id"] == stored["id"]
    updates = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["kind"] for u in updates["updates"]] == ["promise_to_pay"]


async def test_a_dispute_sets_the_hold_that_blocks_collection(client: Any) -> None:
    conversation = await verified_conversation(client)
    status, stored = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="dispute",
        data={"reason": "this is not my debt"},
    )
    assert status == 201
    assert stored["data"] == {"reason": "this is not my debt"}
    response = await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "after-dispute"}
    )
    decision = (await response.json())["decision"]
    assert decision["outcome"] == "block"
    assert "dispute_hold" in [r["rule"] for r in decision["reasons"]]


async def test_hardship_escalates_by_default(client: Any) -> None:
    conversation = await verified_conversation(client)
    await inbound(client, "are you still there")
    status, stored = await bot(
        client,
        "post",
        f"{conversation}/updates",
        kind="hardship",
        data={"hardship_type": "job_loss", "detail": "lost my job last month"},
    )
    assert status == 201
    assert stored["escalated"] is True
    assert stored["data"]["hardship_type"] == "job_loss"
    thread = await (await client.get(f"/v1/conversations/{conversation}")).json()
    assert (thread["state"], thread["escalation_reason"]) == ("escalated", "hardship")
    # The running turn answers the oldest message ("connecting you..."), so it is not handed
    # over before that reply is recorded; the one after it waits for the person.
    assert [m["status"] for m in thread["messages"]] == ["pending", "for_agent"]
    kinds = [
        u["kind"] for u in (await (await client.get("/v1/accounts/A-1/updates")).json())["updates"]
    ]
    assert kinds == ["hardship", "handoff"]


async def test_wrong_party_invalidates_the_number_and_closes_politely(
    client: Any, settings: Any
) -> None:
    await new_account(client)
    conversation = (await inbound(client, "who is this"))["conversation_id"]
    status, _ = await bot(client, "post", f"{conversation}/updates", kind="wrong_party")
    assert status == 201
    points = await rows(settings, select(contact_points).where(contact_points.c.address == PHONE))
    assert [p.valid for p in points] == [False]
    thread = await (await client.get(f"/v1/conversations/{conversation}")).json()
    assert thread["state"] == "closed"
    statuses = [(m["direction"], m["purpose"], m["status"]) for m in thread["messages"]]
    assert statuses == [("inbound", None, "pending"), ("outbound", "confirmation", "queued")]
    closing = thread["messages"][1]["body"]
    assert CREDITOR not in closing
    assert "432" not in closing
