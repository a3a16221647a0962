"""The gateway side of conversations: inbound routing, keywords, the bot API, handoff.

Rasa itself is exercised in test_assistant_e2e.py; here the bot API is called as the action
server calls it, so every rule of the gateway can be checked on both databases.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from arq import Retry
from arq.connections import ArqRedis
from helpers import EMAIL, PHONE, account_body, outreach_body
from sqlalchemy import select

from channels.events import InboundText
from gateway import clock
from gateway.conversations.bot_turns import BotTurns, conversation_lock
from gateway.conversations.inbound import take_in
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.tables import (
    account_updates,
    accounts,
    contact_points,
    conversations,
    messages,
)
from gateway.messages.send import Sender

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
BOT = {"Authorization": "Bearer parley-dev-bot-token"}
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


async def rows(settings: Any, query: Any) -> list[Any]:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        result = list(await conn.execute(query))
    await engine.dispose()
    return result


def outbox(settings: Any) -> list[dict[str, Any]]:
    path = settings.var_dir / "outbox" / "console.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_inbound_text_waits_for_the_bot_and_is_stored_once(client: Any) -> None:
    await new_account(client)
    first = await inbound(client, "can i pay 50 friday", provider_id="p-1")
    again = await inbound(client, "can i pay 50 friday", provider_id="p-1")
    assert first["route"] == "bot"
    assert not first["duplicate"]
    assert again["duplicate"]
    assert again["message_id"] == first["message_id"]
    thread = await (await client.get(f"/v1/conversations/{first['conversation_id']}")).json()
    assert thread["account_ref"] == "A-1"
    assert [(m["direction"], m["status"]) for m in thread["messages"]] == [("inbound", "pending")]
    later = await inbound(client, "hello?")
    assert later["conversation_id"] == first["conversation_id"]


async def test_an_idle_conversation_is_closed_and_a_new_one_begins(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_account(client)
    first = await inbound(client, "hello")
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(days=2))
    second = await inbound(client, "hello again")
    assert second["conversation_id"] != first["conversation_id"]
    old = await (await client.get(f"/v1/conversations/{first['conversation_id']}")).json()
    assert old["state"] == "closed"


async def test_stop_revokes_consent_confirms_once_and_blocks_collection(
    client: Any, settings: Any, drain: Any
) -> None:
    await new_account(client)
    answer = await inbound(client, "STOP")
    assert (answer["route"], answer["keyword"]) == ("keyword", "opt_out")
    account = await (await client.get("/v1/accounts/A-1")).json()
    sms = next(c for c in account["contacts"] if c["channel"] == "sms")
    assert (sms["consent"], sms["consent_source"]) == ("revoked", "keyword")
    await drain()
    sent = outbox(settings)
    assert len(sent) == 1
    assert "START" in sent[0]["body"]
    assert CREDITOR not in sent[0]["body"]
    updates = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["kind"] for u in updates["updates"]] == ["opt_out"]
    response = await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "after-stop"}
    )
    decision = (await response.json())["decision"]
    assert decision["outcome"] == "block"
    assert "opted_out" in [r["rule"] for r in decision["reasons"]]


async def test_start_regrants_and_help_answers(client: Any, settings: Any, drain: Any) -> None:
    await new_account(client)
    await inbound(client, "STOP")
    assert (await inbound(client, "START"))["keyword"] == "opt_in"
    assert (await inbound(client, "HELP"))["keyword"] == "help"
    await drain()
    bodies = sorted(m["body"] for m in outbox(settings))
    assert len(bodies) == 3
    assert "for help call" in bodies[0]
    assert "you are subscribed to messages again" in bodies[1]
    assert "you will not receive more texts" in bodies[2]
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert next(c for c in account["contacts"] if c["channel"] == "sms")["consent"] == "granted"


async def test_an_unknown_sender_learns_nothing_and_an_agent_sees_the_message(
    client: Any, settings: Any, drain: Any
) -> None:
    await new_account(client)
    answer = await inbound(client, "who is this?", address="+14155550199")
    assert answer["route"] == "unknown_sender"
    thread = await (await client.get(f"/v1/conversations/{answer['conversation_id']}")).json()
    assert thread["account_ref"] is None
    assert thread["messages"][0]["status"] == "for_agent"
    await drain()
    (notice,) = outbox(settings)
    assert notice["to"] == "+14155550199"
    assert CREDITOR not in notice["body"]
    assert "432" not in notice["body"]


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
    assert CREDITOR not in json.dumps(view)
    assert "432" not in json.dumps(view)
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
    await pubsub.subscribe("parley:agent")
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
    assert [e["event"] for e in ours] == ["conversation.escalated"]
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


async def test_an_email_conversation_replies_to_the_email_address(client: Any) -> None:
    await new_account(client)
    answer = await inbound(client, "hello", address=EMAIL, channel="email")
    thread = await (await client.get(f"/v1/conversations/{answer['conversation_id']}")).json()
    assert (thread["channel"], thread["address"]) == ("email", EMAIL)


async def test_with_rasa_down_the_message_waits_then_a_person_takes_over(
    client: Any, settings: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_account(client)
    message = await inbound(client, "can i pay next week")
    patient = settings.model_copy(update={"bot_unavailable_escalate_seconds": 60})
    async with turns_without_rasa(patient) as turns:
        with pytest.raises(Retry):
            await turns.answer(message["message_id"])
        pending = await rows(
            settings, select(messages.c.status).where(messages.c.direction == "inbound")
        )
        assert [p.status for p in pending] == ["pending"]
        monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(seconds=61))
        assert await turns.answer(message["message_id"]) == "answered 0; a person takes over"
    thread = await (await client.get(f"/v1/conversations/{message['conversation_id']}")).json()
    assert thread["state"] == "escalated"
    assert thread["escalation_reason"].startswith("assistant_unavailable")
    statuses = [(m["direction"], m["status"]) for m in thread["messages"]]
    assert statuses == [("inbound", "for_agent"), ("outbound", "queued")]
    kinds = await rows(settings, select(account_updates.c.kind))
    assert [k.kind for k in kinds] == ["handoff"]


@contextlib.asynccontextmanager
async def turns_without_rasa(settings: Any) -> AsyncIterator[BotTurns]:
    """Bot turns as a worker has them, with Rasa unreachable."""
    arq = ArqRedis.from_url(settings.redis_dsn)
    engine = create_engine(settings.database_url)
    try:
        async with aiohttp.ClientSession() as http:
            sender = Sender(engine, arq, {}, settings)
            rasa = RasaClient(http, "http://127.0.0.1:9", timeout=1.0)
            yield BotTurns(engine, arq, settings, rasa, sender)
    finally:
        await engine.dispose()
        await arq.aclose()


async def test_yes_answers_the_assistant_unless_the_consumer_opted_out(client: Any) -> None:
    await new_account(client)
    assert (await inbound(client, "yes"))["route"] == "bot"
    await inbound(client, "STOP")
    assert (await inbound(client, "yes"))["keyword"] == "opt_in"


async def test_wrong_number_is_an_opt_out_and_a_wrong_party(client: Any, settings: Any) -> None:
    await new_account(client)
    answer = await inbound(client, "wrong number")
    assert (answer["route"], answer["keyword"]) == ("keyword", "opt_out")
    account = await (await client.get("/v1/accounts/A-1")).json()
    sms = next(c for c in account["contacts"] if c["channel"] == "sms")
    assert (sms["consent"], sms["valid"]) == ("revoked", False)
    updates = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["kind"] for u in updates["updates"]] == ["wrong_party"]
    thread = await (await client.get(f"/v1/conversations/{answer['conversation_id']}")).json()
    closing = thread["messages"][1]
    assert closing["purpose"] == "confirmation"
    assert "will not contact this number again" in closing["body"]


async def test_a_turn_that_finds_the_conversation_busy_leaves_it_to_the_holder(
    client: Any, settings: Any, redis: Any
) -> None:
    await new_account(client)
    message = await inbound(client, "hello")
    async with turns_without_rasa(settings) as turns:
        holder = conversation_lock(turns.redis, message["conversation_id"])
        assert await holder.acquire(blocking=False)
        outcome = await turns.answer(message["message_id"])
        await holder.release()
    assert outcome == "answered 0; another turn holds the conversation"
    pending = await rows(
        settings, select(messages.c.status).where(messages.c.direction == "inbound")
    )
    assert [p.status for p in pending] == ["pending"]


async def test_a_channel_without_addresses_names_its_conversation(
    client: Any, settings: Any
) -> None:
    """Web chat: the session says which conversation (and so which account) a text belongs
    to; there is no address, and no keyword revokes a consent chat does not have."""
    await new_account(client)
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            account_id = await conn.scalar(select(accounts.c.id))
            await conn.execute(
                conversations.insert().values(
                    id="conv_chat",
                    account_id=account_id,
                    channel="chat",
                    state="bot",
                    created_at=DAYTIME,
                    updated_at=DAYTIME,
                )
            )
        for n, body in enumerate(["hello", "STOP"]):
            text = InboundText(
                "chat", None, body, "chat", f"c{n}", DAYTIME, conversation_id="conv_chat"
            )
            async with engine.begin() as conn:
                received = await take_in(conn, text, settings, route_now=True)
            assert (received.route, received.account_ref) == ("bot", "A-1")
            assert received.after.turns == [received.message_id]
    finally:
        await engine.dispose()
    thread = await (await client.get("/v1/conversations/conv_chat")).json()
    assert [(m["channel"], m["status"]) for m in thread["messages"]] == [("chat", "pending")] * 2
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert {c["consent"] for c in account["contacts"]} == {"granted"}
