"""The disclosure a conversation owes (15 U.S.C. 1692e(11)): added by the gateway to the first
message after the debtor is verified, once per conversation, whoever writes it."""

from __future__ import annotations

from typing import Any

from agent_console_helpers import add_agents, console, waiting_conversation
from conversation_helpers import (
    daytime,  # noqa: F401 - autouse: 15:00 in Chicago
    inbound,
    new_account,
    rows,
)
from sqlalchemy import select

from gateway.config import Settings
from gateway.db.tables import conversations, messages

ANA = "ana@example.com"
BOT = {"Authorization": "Bearer parley-dev-bot-token"}
INITIAL = "This is an attempt to collect a debt"


async def test_an_agents_first_reply_after_verification_carries_the_disclosure_once(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, (ANA, "Ana Agent", "agent"))
    await new_account(client)
    conversation = str((await inbound(client, "hi"))["conversation_id"])
    path = f"/v1/bot/conversations/{conversation}"
    verified = await client.post(path + "/verify", json={"value": "03/14/1985"}, headers=BOT)
    assert (await verified.json())["outcome"] == "verified"
    handoff = {"kind": "handoff", "data": {"reason": "asked for a person"}}
    assert (await client.post(path + "/updates", json=handoff, headers=BOT)).status == 201
    ana = await console(gateway, settings, ANA)
    path = f"/conversations/{conversation}"
    await ana.call("POST", path + "/claim")
    _, first = await ana.call("POST", path + "/messages", {"text": "Thanks, you are verified."})
    _, second = await ana.call("POST", path + "/messages", {"text": "How can I help?"})
    sent = await rows(
        settings,
        select(messages.c.id, messages.c.body, messages.c.kind).where(
            messages.c.direction == "outbound"
        ),
    )
    by_id = {m.id: m for m in sent}
    assert by_id[first["id"]].body.startswith("Thanks, you are verified. " + INITIAL)
    assert by_id[first["id"]].body.endswith("Reply STOP to opt out.")
    assert by_id[first["id"]].kind == "reply"
    assert (by_id[second["id"]].body, by_id[second["id"]].kind) == ("How can I help?", None)
    assert first["decision"]["outcome"] == "allow"
    # What the agent sees in the thread is what was sent.
    _, thread = await ana.call("GET", path)
    shown = {m["id"]: m["text"] for m in thread["messages"]}
    assert INITIAL in shown[first["id"]]
    (state,) = await rows(settings, select(conversations.c.disclosed_at))
    assert state.disclosed_at is not None


async def test_nothing_is_added_before_verification(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, (ANA, "Ana Agent", "agent"))
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    path = f"/conversations/{conversation}"
    await ana.call("POST", path + "/claim")
    _, sent = await ana.call("POST", path + "/messages", {"text": "Hi, this is Ana."})
    (row,) = await rows(settings, select(messages.c.body).where(messages.c.id == sent["id"]))
    assert row.body == "Hi, this is Ana."  # whoever wrote may not be the debtor
