"""The disclosure a conversation owes (15 U.S.C. 1692e(11)): added by the gateway to the first
message after the debtor is verified, once per conversation, whoever writes it."""

from __future__ import annotations

from typing import Any

import helpers
from agent_console_helpers import add_agents, console, waiting_conversation
from conversation_helpers import (
    daytime,  # noqa: F401 - autouse: 15:00 in Chicago
    inbound,
    new_account,
    rows,
)
from sqlalchemy import select

from gateway.config import Settings
from gateway.db.tables import messages

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


async def test_a_californian_also_gets_the_license_number_or_nothing(
    settings: Settings, gateway: Any
) -> None:
    for license_number, outcome in (("10987-65", "allow"), (None, "block")):
        configured = settings.model_copy(update={"collector_ca_license": license_number})
        client = await gateway(configured)
        ref = f"CA-{outcome}"
        await new_account(client, ref, postal_code="90012", timezone="America/Los_Angeles")
        address = "+12135550100" if license_number else "+12135550101"
        body = account_body_with_phone(address)
        await client.put(f"/v1/accounts/{ref}", json=body)
        conversation = str((await inbound(client, "hi", address=address))["conversation_id"])
        path = f"/v1/bot/conversations/{conversation}"
        await client.post(path + "/verify", json={"value": "03/14/1985"}, headers=BOT)
        handoff = {"kind": "handoff", "data": {"reason": "asked for a person"}}
        await client.post(path + "/updates", json=handoff, headers=BOT)
        email = f"{outcome}@example.com"
        await add_agents(configured, (email, "Ana Agent", "agent"))
        ana = await console(gateway, configured, email)
        await ana.call("POST", f"/conversations/{conversation}/claim")
        _, sent = await ana.call(
            "POST", f"/conversations/{conversation}/messages", {"text": "You are verified."}
        )
        assert sent["decision"]["outcome"] == outcome, sent
        (row,) = await rows(settings, select(messages.c.body).where(messages.c.id == sent["id"]))
        if license_number:
            assert "California Debt Collector License Number: 10987-65" in row.body
        else:
            assert [r["rule"] for r in sent["decision"]["reasons"]] == ["disclosure_missing"]
            # Blocked, it never reached the debtor: the next message owes the disclosure again.
            _, again = await ana.call(
                "POST", f"/conversations/{conversation}/messages", {"text": "Still there?"}
            )
            (row,) = await rows(
                settings, select(messages.c.body).where(messages.c.id == again["id"])
            )
            assert INITIAL in row.body


def account_body_with_phone(phone: str) -> dict[str, Any]:
    """The Los Angeles debtor with a phone of their own (each case is a new debtor)."""
    body = helpers.account_body(
        contacts=[{"channel": "sms", "address": phone, "consent": True}],
    )
    body["debtor"] |= {
        "date_of_birth": "1985-03-14",
        "postal_code": "90012",
        "timezone": "America/Los_Angeles",
    }
    return body
