"""The assistant end to end: gateway, two workers, the real Rasa and action server (stack.py).

A debtor writes through ``POST /v1/messages/inbound`` (the path every channel takes after its
own webhook) and reads the replies the console provider sent, exactly as ``parley chat`` does:
a promise captured and delivered signed, a dispute, hardship, a wrong or unverified person, STOP,
and turns reaching Rasa in order (the processes themselves: test_assistant_stack_e2e.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from assistant_e2e_helpers import (
    BALANCE,
    CREDITOR,
    DOB,
    ZONE,
    Debtor,
    bot_stack_env,  # noqa: F401 - fixture: the stack's settings
    http_session,  # noqa: F401 - fixture `http`
    new_debtor,
)
from stack import BotStack

from gateway.normalize import local_today, parse_date
from gateway.records.core_webhook import verify


async def updates(http: aiohttp.ClientSession, stack: BotStack, ref: str) -> list[dict[str, Any]]:
    async with http.get(f"{stack.gateway_url}/v1/accounts/{ref}/updates") as response:
        return list((await response.json())["updates"])


async def verify_identity(debtor: Debtor) -> None:
    asked = await debtor.say("hi")
    assert any("date of birth" in reply for reply in asked), asked
    answered = await debtor.say(DOB)
    assert any("verified" in reply for reply in answered), answered


def discloses(replies: list[str]) -> bool:
    text = " ".join(replies)
    return CREDITOR in text or BALANCE in text or "debt" in text.lower()


async def _delivered(stack: BotStack, update_id: str) -> Any:
    deadline = time.monotonic() + 60
    while True:
        for request in stack.received:
            if request.json()["id"] == update_id:
                return request
        assert time.monotonic() < deadline, f"update {update_id} was not delivered"
        await asyncio.sleep(0.1)


async def test_a_promise_is_captured_normalised_and_delivered_signed(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-PROMISE", "+13125550101")
    await verify_identity(debtor)
    balance = await debtor.say("how much do i owe?")
    assert any(f"${BALANCE}" in reply and CREDITOR in reply for reply in balance), balance
    assert not any("attempt to collect" in reply for reply in balance), "disclosed once only"
    read_back = await debtor.say("I can pay fifty bucks next friday")
    assert any("$50.00" in reply for reply in read_back), read_back
    recorded = await debtor.say("yes")
    assert any("recorded your promise" in reply for reply in recorded), recorded

    (promise,) = [
        u for u in await updates(http, bot_stack, "E2E-PROMISE") if u["kind"] == "promise_to_pay"
    ]
    today = local_today(datetime.now(UTC), ZONE)
    assert promise["data"]["amount"] == "50.00"
    assert promise["data"]["date"] == parse_date("next friday", today).isoformat()  # type: ignore[union-attr]
    assert promise["source"] == "bot"

    request = await _delivered(bot_stack, promise["id"])
    assert verify(
        bot_stack.webhook_secret.encode(),
        request.headers["X-Parley-Timestamp"],
        request.headers["X-Parley-Signature"],
        request.body,
        now=int(time.time()),
    )
    assert request.json()["kind"] == "promise_to_pay"
    assert request.json()["data"]["amount"] == "50.00"


async def test_a_dispute_holds_collection(http: aiohttp.ClientSession, bot_stack: BotStack) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-DISPUTE", "+13125550102")
    await verify_identity(debtor)
    asked = await debtor.say("this isnt my debt, i dispute it")
    assert any("why" in reply.lower() for reply in asked), asked
    recorded = await debtor.say("I never had an account with them")
    assert any("verification" in reply for reply in recorded), recorded
    (dispute,) = [
        u for u in await updates(http, bot_stack, "E2E-DISPUTE") if u["kind"] == "dispute"
    ]
    assert "never had an account" in dispute["data"]["reason"]
    outreach = {
        "account_ref": "E2E-DISPUTE",
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }
    async with http.post(
        f"{bot_stack.gateway_url}/v1/outreach",
        json=outreach,
        headers={"Idempotency-Key": "e2e-after-dispute"},
    ) as response:
        decision = (await response.json())["decision"]
    assert decision["outcome"] == "block"
    assert "dispute_hold" in [reason["rule"] for reason in decision["reasons"]]


async def test_hardship_hands_the_conversation_to_a_person(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-HARDSHIP", "+13125550103")
    await verify_identity(debtor)
    replies = await debtor.say("i lost my job last month and cant pay anything")
    assert any("specialist" in reply for reply in replies), replies
    kinds = [u["kind"] for u in await updates(http, bot_stack, "E2E-HARDSHIP")]
    assert kinds[-2:] == ["hardship", "handoff"]
    assert await debtor.say("hello?") == []  # a person answers now, not the bot


async def test_an_unverified_or_wrong_person_learns_nothing(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-PRIVACY", "+13125550104")
    said: list[str] = []
    for text in ("hi", "who is this?", "how much do i owe", "01/01/1990", "what's my balance"):
        said += await debtor.say(text)
    assert said, said
    assert not discloses(said), said
    said = await debtor.say("i dont know any dana, you got the wrong guy")
    assert said, said
    assert not discloses(said), said
    kinds = [u["kind"] for u in await updates(http, bot_stack, "E2E-PRIVACY")]
    assert kinds == ["wrong_party"]
    async with http.get(f"{bot_stack.gateway_url}/v1/accounts/E2E-PRIVACY") as response:
        (sms,) = (await response.json())["contacts"]
    assert sms["valid"] is False


async def test_stop_inside_a_conversation_revokes_consent(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-STOP", "+13125550105")
    await verify_identity(debtor)
    (confirmation,) = await debtor.say("STOP")
    assert "START" in confirmation
    async with http.get(f"{bot_stack.gateway_url}/v1/accounts/E2E-STOP") as response:
        (sms,) = (await response.json())["contacts"]
    assert (sms["consent"], sms["consent_source"]) == ("revoked", "keyword")
    assert "opt_out" in [u["kind"] for u in await updates(http, bot_stack, "E2E-STOP")]


async def test_turns_reach_rasa_in_the_order_they_were_sent(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    await new_debtor(http, bot_stack, "E2E-ORDER", "+13125550106")
    texts = ["hello", "who is this", "what is this about", "ok", "thanks"]
    conversation = None
    for text in texts:  # no waiting: both workers race for these jobs
        body = {"channel": "sms", "address": "+13125550106", "text": text}
        async with http.post(f"{bot_stack.gateway_url}/v1/messages/inbound", json=body) as response:
            conversation = (await response.json())["conversation_id"]
    url = f"{bot_stack.gateway_url}/v1/conversations/{conversation}"

    async def answered() -> bool:
        async with http.get(url) as response:
            thread = await response.json()
        return all(
            m["status"] == "answered" for m in thread["messages"] if m["direction"] == "inbound"
        )

    deadline = time.monotonic() + 120
    while not await answered():
        assert time.monotonic() < deadline, "the turns were not answered"
        await asyncio.sleep(0.3)
    async with (
        aiohttp.ClientSession() as rasa,
        rasa.get(f"{bot_stack.rasa_url}/conversations/{conversation}/tracker") as response,
    ):
        tracker = await response.json()
    heard = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert heard == texts
