"""The console's conversation API: the queue, the thread, claims across replicas, replies
through the policy layer, notes, updates, resolving and returning to the bot."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from agent_console_helpers import add_agents, console, waiting_conversation
from conversation_helpers import daytime, inbound, new_account, rows  # noqa: F401
from core_webhook_endpoint import Receiver, hooked, serve
from shared import Drainer
from sqlalchemy import select

from gateway import clock
from gateway.config import Settings
from gateway.db.tables import accounts, audit_log, messages

ANA, BEN, SUE = "ana@example.com", "ben@example.com", "sue@example.com"
PEOPLE = ((ANA, "Ana Agent", "agent"), (BEN, "Ben Agent", "agent"), (SUE, "Sue Boss", "supervisor"))


async def test_the_waiting_queue_lists_escalations_oldest_first(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, *PEOPLE)
    first = await waiting_conversation(client, "hello", "A-1")
    await new_account(client, "A-2")
    ana = await console(gateway, settings, ANA)
    status, body = await ana.call("GET", "/conversations", view="waiting")
    assert status == 200
    [listed] = body["conversations"]
    assert listed == {
        "id": first,
        "channel": "sms",
        "state": "escalated",
        "account_ref": "A-1",
        "debtor_name": "Dana Debtor",
        "verified": False,
        "escalation_reason": "asked for a person",
        "waiting_since": listed["waiting_since"],
        "assigned_agent": None,
        "unread": 1,
        "last_message": {
            "direction": "inbound",
            "text": "hello",
            "at": listed["last_message"]["at"],
        },
    }
    assert listed["waiting_since"] is not None
    assert (await ana.call("GET", "/conversations", view="all"))[0] == 403
    assert (await ana.call("GET", "/conversations", view="nope"))[0] == 422
    sue = await console(gateway, settings, SUE)
    status, body = await sue.call("GET", "/conversations", view="all")
    assert [c["id"] for c in body["conversations"]] == [first]
    status, thread = await ana.call("GET", f"/conversations/{first}")
    assert [(m["direction"], m["sender"], m["text"]) for m in thread["messages"]] == [
        ("inbound", "debtor", "hello")
    ]
    assert thread["account"]["creditor"] == "Acme Bank"
    assert thread["account"]["balance"] is None  # not verified: nothing about the debt
    assert thread["reply_decision"]["outcome"] == "allow"
    _, body = await ana.call("GET", "/conversations", view="waiting")
    assert body["conversations"][0]["unread"] == 0  # read now


async def test_two_agents_on_two_replicas_claim_at_once_and_exactly_one_wins(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, *PEOPLE)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    ben = await console(gateway, settings, BEN)
    answers = await asyncio.gather(
        ana.call("POST", f"/conversations/{conversation}/claim"),
        ben.call("POST", f"/conversations/{conversation}/claim"),
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409]
    winner = "Ana Agent" if answers[0][0] == 200 else "Ben Agent"
    refused = next(body for status, body in answers if status == 409)
    assert refused["error"]["code"] == "already_claimed"
    assert refused["error"]["message"] == f"{winner} already holds this conversation"
    holder, other = (ana, ben) if winner == "Ana Agent" else (ben, ana)
    assert (await holder.call("POST", f"/conversations/{conversation}/claim"))[0] == 200
    _, mine = await holder.call("GET", "/conversations", view="mine")
    assert [c["id"] for c in mine["conversations"]] == [conversation]
    status, body = await other.call(
        "POST", f"/conversations/{conversation}/messages", {"text": "hi"}
    )
    assert (status, body["error"]["code"]) == (403, "not_holder")
    assert (await other.call("POST", f"/conversations/{conversation}/release"))[0] == 403
    assert (await holder.call("POST", f"/conversations/{conversation}/release"))[0] == 200
    _, waiting = await other.call("GET", "/conversations", view="waiting")
    assert [c["id"] for c in waiting["conversations"]] == [conversation]


async def test_a_supervisor_assigns_and_the_holders_reply_goes_out_through_the_send_core(
    client: Any, settings: Settings, gateway: Any, drain: Any
) -> None:
    ids = await add_agents(settings, *PEOPLE)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    sue = await console(gateway, settings, SUE)
    path = f"/conversations/{conversation}"
    assert (await ana.call("GET", "/agents"))[0] == 403
    _, team = await sue.call("GET", "/agents")
    assert [a["name"] for a in team["agents"]] == ["Ana Agent", "Ben Agent", "Sue Boss"]
    assert (await ana.call("POST", path + "/assign", {"agent_id": ids[BEN]}))[0] == 403
    status, body = await sue.call("POST", path + "/assign", {"agent_id": "agt_nobody"})
    assert (status, body["error"]["details"][0]["field"]) == (422, "agent_id")
    assert (await sue.call("POST", path + "/assign", {"agent_id": ids[ANA]}))[0] == 200
    status, sent = await ana.call("POST", path + "/messages", {"text": "Hi, this is Ana."})
    assert status == 202
    assert (sent["status"], sent["decision"]["outcome"]) == ("queued", "allow")
    await drain()
    _, thread = await ana.call("GET", path)
    assert [(m["sender"], m["status"]) for m in thread["messages"]][-1] == ("Ana Agent", "sent")
    status, body = await ana.call("POST", path + "/messages", {"text": "  "})
    assert (status, body["error"]["details"][0]["field"]) == (422, "text")


async def test_a_reply_the_policy_blocks_is_recorded_and_never_sent(
    client: Any, settings: Settings, gateway: Any, drain: Any
) -> None:
    await add_agents(settings, *PEOPLE)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    await ana.call("POST", f"/conversations/{conversation}/claim")
    assert (await inbound(client, "STOP"))["route"] == "keyword"
    await drain()
    status, sent = await ana.call(
        "POST", f"/conversations/{conversation}/messages", {"text": "Please call us."}
    )
    assert (status, sent["status"], sent["decision"]["outcome"]) == (202, "blocked", "block")
    assert "opted_out" in {reason["rule"] for reason in sent["decision"]["reasons"]}
    await drain()
    [row] = await rows(settings, select(messages).where(messages.c.id == sent["id"]))
    assert (row.status, row.provider_id) == ("blocked", None)


async def test_notes_and_updates_are_the_agents_and_reach_the_core_system_signed(
    settings: Settings, gateway: Any, redis: Any, aiohttp_server: Any, monkeypatch: Any
) -> None:
    # The real clock: the core system checks the webhook's timestamp against its own.
    monkeypatch.setattr(clock, "utcnow", lambda: datetime.now(UTC))
    pay_on = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    ids = await add_agents(settings, *PEOPLE)
    receiver = Receiver()
    await serve(aiohttp_server, receiver)
    settings = hooked(settings, receiver.url)
    client = await gateway(settings)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    path = f"/conversations/{conversation}"
    status, body = await ana.call("POST", path + "/updates", {"kind": "promise_to_pay"})
    assert (status, body["error"]["code"]) == (403, "not_holder")
    status, _ = await ana.call("POST", path + "/notes", {"text": "Sounds worried."})
    assert status == 201
    await ana.call("POST", path + "/claim")
    status, bad = await ana.call(
        "POST", path + "/updates", {"kind": "promise_to_pay", "amount": "lots"}
    )
    assert status == 422
    assert {d["field"] for d in bad["error"]["details"]} == {"amount", "date"}
    status, bad = await ana.call("POST", path + "/updates", {"kind": "opt_in"})
    assert (status, bad["error"]["details"][0]["field"]) == (422, "kind")
    status, promise = await ana.call(
        "POST", path + "/updates", {"kind": "promise_to_pay", "amount": 50, "date": pay_on}
    )
    assert status == 201, promise
    assert (promise["data"]["amount"], promise["data"]["date"]) == ("50.00", pay_on)
    assert (await ana.call("POST", path + "/updates", {"kind": "dispute", "reason": "not mine"}))[
        0
    ] == 201
    assert (await ana.call("POST", path + "/updates", {"kind": "cease_request"}))[0] == 201
    await Drainer(settings, redis)()
    delivered = [json.loads(r.body) for r in receiver.requests]
    assert all(r.verified for r in receiver.requests)
    assert sorted((d["kind"], d["source"], d["agent_id"]) for d in delivered) == [
        ("cease_request", "agent", ids[ANA]),
        ("dispute", "agent", ids[ANA]),
        ("handoff", "bot", None),
        ("promise_to_pay", "agent", ids[ANA]),
    ]
    [account] = await rows(settings, select(accounts))
    assert (account.disputed, account.cease_communication) == (True, True)
    _, thread = await ana.call("GET", path)
    assert [n["text"] for n in thread["notes"]] == ["Sounds worried."]
    assert "Sounds worried." not in [m["text"] for m in thread["messages"]]
    assert thread["account"]["holds"] == ["cease_communication", "dispute_hold"]
    events = await rows(settings, select(audit_log.c.event, audit_log.c.payload))
    by_ana = [e.event for e in events if ids[ANA] in e.payload]
    assert {"agent.login", "agent.note", "conversation.claimed", "account_update.recorded"} <= set(
        by_ana
    )


async def test_the_bot_stays_out_while_a_person_holds_it_and_answers_after_the_return(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, *PEOPLE)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    path = f"/conversations/{conversation}"
    await ana.call("POST", path + "/claim")
    held = await inbound(client, "are you there?")
    assert (held["route"], held["conversation_id"]) == ("agent", conversation)
    [row] = await rows(settings, select(messages).where(messages.c.id == held["message_id"]))
    assert row.status == "for_agent"
    assert (await ana.call("POST", path + "/return-to-bot"))[0] == 200
    back = await inbound(client, "hello again")
    assert (back["route"], back["conversation_id"]) == ("bot", conversation)
    await ana.call("POST", path + "/claim")
    assert (await ana.call("POST", path + "/resolve"))[0] == 200
    assert (await ana.call("POST", path + "/claim"))[0] == 409
    later = await inbound(client, "new question")
    assert later["conversation_id"] != conversation


async def test_canned_responses_are_written_by_supervisors_and_filled_in_for_agents(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, *PEOPLE)
    conversation = await waiting_conversation(client)
    ana = await console(gateway, settings, ANA)
    sue = await console(gateway, settings, SUE)
    canned = {"title": "Greeting", "body": "Hi {debtor_first_name}, {collector_name} here."}
    assert (await ana.call("POST", "/canned-responses", canned))[0] == 403
    status, bad = await sue.call("POST", "/canned-responses", canned | {"body": "Hi {ssn}"})
    assert (status, bad["error"]["details"][0]["field"]) == (422, "body")
    status, created = await sue.call("POST", "/canned-responses", canned)
    assert status == 201
    status, listed = await ana.call("GET", "/canned-responses", conversation_id=conversation)
    assert [c["text"] for c in listed["canned_responses"]] == [
        "Hi Dana, Parley Recovery Services here."
    ]
    edited = {"title": "Greeting", "body": "Hello {debtor_first_name}."}
    assert (await sue.call("PUT", f"/canned-responses/{created['id']}", edited))[0] == 200
    _, listed = await ana.call("GET", "/canned-responses")
    assert [c["body"] for c in listed["canned_responses"]] == ["Hello {debtor_first_name}."]
    assert (await sue.call("DELETE", f"/canned-responses/{created['id']}"))[0] == 204
    assert (await sue.call("DELETE", f"/canned-responses/{created['id']}"))[0] == 404
