"""Inbound texts on the gateway: stored once and kept in one conversation until it goes idle,
keywords (STOP, START, HELP, YES, wrong number) acted on as they arrive, unknown senders, other
channels (email, chat without addresses)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from conversation_helpers import (
    CREDITOR,
    DAYTIME,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    inbound,
    new_account,
)
from helpers import EMAIL, outreach_body
from sqlalchemy import select

from channels.events import InboundText
from gateway import clock
from gateway.conversations.inbound import take_in
from gateway.db.engine import create_engine
from gateway.db.tables import accounts, conversations


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


async def test_an_email_conversation_replies_to_the_email_address(client: Any) -> None:
    await new_account(client)
    answer = await inbound(client, "hello", address=EMAIL, channel="email")
    thread = await (await client.get(f"/v1/conversations/{answer['conversation_id']}")).json()
    assert (thread["channel"], thread["address"]) == ("email", EMAIL)


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
