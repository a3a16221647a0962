"""Phones end to end: the process stack (gateway, two workers, real Rasa and actions) with its
SMS and calls going through the real twilio SDK to the emulator, which plays the debtor's phone.
"""

from __future__ import annotations

import aiohttp
import pytest
from phone_helpers import CREDITOR, Phone, delivered, new_account, updates
from stack import BotStack


async def test_a_conversation_by_sms_ends_in_a_promise_delivered_to_the_core_system(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    phone = Phone(bot_stack, "+13125550141")
    await new_account(http, bot_stack, "TW-PROMISE", phone.number)
    asked = await phone.text("hi")
    assert any("date of birth" in reply for reply in asked), asked
    assert not any(CREDITOR in reply for reply in asked)
    verified = await phone.text("03/14/1985")
    assert any("verified" in reply for reply in verified), verified
    read_back = await phone.text("I can pay fifty bucks next friday")
    assert any("$50.00" in reply for reply in read_back), read_back
    recorded = await phone.text("yes")
    assert any("recorded your promise" in reply for reply in recorded), recorded

    (promise,) = [
        u for u in await updates(http, bot_stack, "TW-PROMISE") if u["kind"] == "promise_to_pay"
    ]
    assert promise["data"]["amount"] == "50.00"
    core = await delivered(bot_stack, promise["id"])
    assert core["kind"] == "promise_to_pay"
    assert core["account_ref"] == "TW-PROMISE"


async def test_a_caller_disputes_by_speech_read_by_rasa(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    phone = Phone(bot_stack, "+13125550142")
    await new_account(http, bot_stack, "TW-CALL", phone.number)
    greeting = await phone.call()
    assert greeting.gather is not None
    assert "date of birth" in " ".join(greeting.says())
    assert CREDITOR not in " ".join(greeting.says())
    menu = await bot_stack.twilio.run(greeting.press("03141985"))
    assert "debt collector" in " ".join(menu.says())
    disputed = await bot_stack.twilio.run(
        menu.speak("I don't owe this, I want to dispute it", confidence=0.92)
    )
    assert "dispute is recorded" in " ".join(disputed.says()), disputed.body
    (dispute,) = [u for u in await updates(http, bot_stack, "TW-CALL") if u["kind"] == "dispute"]
    assert dispute["source"] == "ivr"
    assert dispute["data"]["reason"] == "I don't owe this, I want to dispute it"
    await delivered(bot_stack, dispute["id"])


@pytest.mark.parametrize(
    ("ref", "number", "verify", "words", "rule"),
    [
        ("TW-WRONG", "+13125550143", False, "sorry you have the wrong number", "invalid_contact"),
        ("TW-STOP", "+13125550144", True, "stop calling me", "opted_out"),
    ],
)
async def test_saying_wrong_number_or_stop_calling_ends_the_calls(
    http: aiohttp.ClientSession,
    bot_stack: BotStack,
    ref: str,
    number: str,
    verify: bool,
    words: str,
    rule: str,
) -> None:
    phone = Phone(bot_stack, number)
    await new_account(http, bot_stack, ref, phone.number)
    step = await phone.call()
    if verify:
        step = await bot_stack.twilio.run(step.press("03141985"))
    goodbye = await bot_stack.twilio.run(step.speak(words, confidence=0.9))
    assert goodbye.hangup
    assert "not call this number again" in " ".join(goodbye.says())
    body = {
        "account_ref": ref,
        "channel": "voice",
        "template": "payment_reminder",
        "purpose": "collection",
    }
    headers = {"Idempotency-Key": f"{ref}-after"}
    async with http.post(
        f"{bot_stack.gateway_url}/v1/outreach", json=body, headers=headers
    ) as response:
        decision = (await response.json())["decision"]
    assert decision["outcome"] == "block"
    assert rule in [reason["rule"] for reason in decision["reasons"]]
