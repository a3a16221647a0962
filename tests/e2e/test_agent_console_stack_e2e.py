"""The whole story on the process stack (two gateway replicas, workers, the real Rasa), with
the debtor's phone on the Twilio emulator and two agents in two browsers on the other replica:
an SMS escalates and shows live for both, one claims and the other is refused, the reply
reaches the phone, a promise reaches the core system signed, and the bot answers again once the
conversation is returned to it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from agent_console_steps import PASSWORD, log_in, queue_item
from e2e_browser import TIMEOUT_MS, BrowserThread
from playwright.async_api import Page, expect
from stack import BotStack
from twilio_fixtures import PARLEY_NUMBER, STACK_PUBLIC_URL

from gateway.agents.directory import add_agent
from gateway.db.engine import create_engine

PHONE = "+13125550177"
ZONE = "America/Chicago"
REF = "AGENT-E2E"


async def texts_to_phone(stack: BotStack) -> list[str]:
    async def snapshot() -> list[str]:
        return [m["body"] for m in stack.twilio.emulator.messages.values() if m["to"] == PHONE]

    return await stack.twilio.run(snapshot())


async def text_parley(stack: BotStack, body: str) -> None:
    """The debtor's phone texts Parley: the emulator signs and posts Twilio's webhook to the
    stack's own gateway (replica B)."""
    sent = await stack.twilio.run(
        stack.twilio.emulator.send_inbound_sms(
            STACK_PUBLIC_URL + "/webhooks/twilio/sms", from_=PHONE, to=PARLEY_NUMBER, body=body
        )
    )
    assert sent.status == 200, sent.body


async def phone_receives(stack: BotStack, before: int, wanted: str = "") -> list[str]:
    """The texts that reached the phone after the first ``before`` (one containing ``wanted``)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        texts = (await texts_to_phone(stack))[before:]
        if texts and wanted in " ".join(texts):
            return texts
        await asyncio.sleep(0.2)
    raise AssertionError(f"the phone got nothing new with {wanted!r}")


async def test_an_sms_escalates_live_across_replicas_and_goes_back_to_the_bot(
    bot_stack: BotStack, http: aiohttp.ClientSession, browser_thread: BrowserThread
) -> None:
    replica_a = bot_stack.start_replica()
    engine = create_engine(bot_stack.database_url)
    async with engine.begin() as conn:
        for name, email in (("Alice Agent", "alice@e2e.test"), ("Bob Agent", "bob@e2e.test")):
            await add_agent(
                conn, email=email, name=name, role="agent", password=PASSWORD, now=datetime.now(UTC)
            )
    await engine.dispose()
    body = {
        "creditor": "Acme Bank",
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {"name": "Dana Debtor", "timezone": ZONE, "date_of_birth": "1985-03-14"},
        "contacts": [{"channel": "sms", "address": PHONE, "consent": True}],
    }
    async with http.put(f"{bot_stack.gateway_url}/v1/accounts/{REF}", json=body) as response:
        assert response.status in (200, 201), await response.text()

    async def open_console(email: str) -> Page:
        # A browser context each: two agents, two cookie jars.
        context = await browser_thread.browser.new_context(base_url=replica_a)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        await log_in(page, email)
        return page

    alice = await browser_thread(open_console("alice@e2e.test"))
    bob = await browser_thread(open_console("bob@e2e.test"))
    try:
        await text_parley(bot_stack, "hi")
        await phone_receives(bot_stack, 0)
        before = len(await texts_to_phone(bot_stack))
        await text_parley(bot_stack, "i want to talk to a real person")
        await phone_receives(bot_stack, before)
        conversation = await waiting_id(http, bot_stack)

        async def both_see_it_live() -> None:
            for page in (alice, bob):
                await expect(queue_item(page, conversation)).to_have_count(1)
            await queue_item(alice, conversation).click()
            await queue_item(bob, conversation).click()
            await alice.locator("#action-claim").click()
            await expect(alice.locator("#thread-meta")).to_contain_text("held by you")
            await expect(bob.locator("#thread-meta")).to_contain_text("held by Alice Agent")
            await expect(queue_item(bob, conversation)).to_have_count(0)
            await bob.locator("#action-claim").click()
            await expect(bob.locator("#action-result")).to_have_text(
                "Alice Agent already holds this conversation"
            )

        await browser_thread(both_see_it_live())
        before = len(await texts_to_phone(bot_stack))
        reply = "Hi, this is Alice. How can I help?"
        pay_on = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=5)).date().isoformat()

        async def reply_and_record() -> None:
            await alice.get_by_label("Reply to the debtor").fill(reply)
            await alice.get_by_role("button", name="Send", exact=True).click()
            await alice.get_by_role("button", name="Send anyway").click()  # not verified
            await expect(alice.locator("#reply-result")).not_to_contain_text("Blocked")
            await alice.get_by_label("Kind of update").select_option("promise_to_pay")
            await alice.get_by_label("Amount (required)").fill("$50")
            await alice.get_by_label("Payment date (required)").fill(pay_on)
            await alice.get_by_role("button", name="Record update").click()
            await expect(alice.locator("#status")).to_have_text("Promise to pay recorded.")

        await browser_thread(reply_and_record())
        assert reply in await phone_receives(bot_stack, before, reply)
        promise = await bot_stack.delivered("promise_to_pay", REF)
        assert (promise["source"], promise["data"]["date"]) == ("agent", pay_on)

        async def give_back() -> None:
            await alice.locator("#action-return").click()
            await expect(alice.locator("#thread-meta")).not_to_contain_text("held by you")

        await browser_thread(give_back())
        before = len(await texts_to_phone(bot_stack))
        await text_parley(bot_stack, "hello again")
        assert await phone_receives(bot_stack, before)  # the assistant answers once more
    finally:
        await browser_thread(close_all(alice, bob))


async def close_all(*pages: Page) -> None:
    for page in pages:
        await page.context.close()


async def waiting_id(http: aiohttp.ClientSession, stack: BotStack) -> str:
    """The debtor's conversation, once it waits for a person."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with http.get(f"{stack.gateway_url}/v1/accounts/{REF}/updates") as response:
            updates = (await response.json())["updates"]
        handoffs = [u for u in updates if u["kind"] == "handoff"]
        if handoffs:
            return str(handoffs[0]["conversation_id"])
        await asyncio.sleep(0.2)
    raise AssertionError("the conversation never went to the agents")
