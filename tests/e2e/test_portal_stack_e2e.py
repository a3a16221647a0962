"""The portal's chat on the process stack (gateway replicas, workers, the real Rasa): the debtor,
verified by the portal, promises a payment to the assistant in the chat, then asks for a
person; an agent on another replica answers in the console and the debtor sees it without
reloading. The promise reaches the core system signed, and no log line holds the link's token."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from agent_console_steps import PASSWORD, log_in, queue_item
from e2e_browser import TIMEOUT_MS, BrowserThread
from playwright.async_api import Page, expect
from portal_helpers import DOB, portal_account
from stack import BotStack

from gateway.agents.directory import add_agent
from gateway.db.engine import create_engine

REF = "PORTAL-E2E"
ZONE = "America/Chicago"
BOT_WAIT_MS = 90_000
REPLY = "Hello, this is Carol. I can help with that."


async def test_the_debtor_promises_to_the_bot_and_an_agent_answers_live(
    bot_stack: BotStack, http: aiohttp.ClientSession, browser_thread: BrowserThread
) -> None:
    agents_url = bot_stack.start_replica()
    engine = create_engine(bot_stack.database_url)
    async with engine.begin() as conn:
        await add_agent(
            conn,
            email="carol@e2e.test",
            name="Carol Agent",
            role="agent",
            password=PASSWORD,
            now=datetime.now(ZoneInfo("UTC")),
        )
    await engine.dispose()
    body = portal_account()
    body["contacts"] = [{"channel": "sms", "address": "+13125550178", "consent": True}]
    async with http.put(f"{bot_stack.gateway_url}/v1/accounts/{REF}", json=body) as response:
        assert response.status in (200, 201), await response.text()
    async with http.post(f"{bot_stack.gateway_url}/v1/accounts/{REF}/portal-links") as response:
        assert response.status == 201, await response.text()
        token = str((await response.json())["url"]).rsplit("/portal/", 1)[1]
    pay_on = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=5)

    async def open_page(base_url: str, width: int, height: int) -> Page:
        context = await browser_thread.browser.new_context(
            base_url=base_url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(TIMEOUT_MS)
        return await context.new_page()

    debtor = await browser_thread(open_page(bot_stack.gateway_url, 390, 844))
    agent = await browser_thread(open_page(agents_url, 1280, 800))

    async def say(page: Page, text: str, answer: str) -> None:
        await page.get_by_label("Your message").fill(text)
        await page.keyboard.press("Enter")
        await expect(page.locator("#chat-list")).to_contain_text(answer, timeout=BOT_WAIT_MS)

    async def promise(page: Page) -> None:
        await page.goto(f"/portal/{token}")
        await page.get_by_label("Your date of birth").fill(DOB)
        await page.keyboard.press("Enter")
        await expect(page.get_by_test_id("balance")).to_have_text("$432.10")
        await page.get_by_role("link", name="Chat", exact=True).click()
        await expect(page.locator("#chat-connection")).to_have_text("Connected.")
        when = f"{pay_on:%B} {pay_on.day}"
        await say(page, f"I can pay $50 on {when}", "is that right?")
        await say(page, "yes", "I've recorded your promise to pay $50.00")
        await say(page, "I want to talk to a real person", "")
        await expect(page.locator("#chat-state")).to_be_visible(timeout=BOT_WAIT_MS)

    try:
        await browser_thread(promise(debtor))
        recorded = await bot_stack.delivered("promise_to_pay", REF)
        assert (recorded["source"], recorded["data"]["date"]) == ("bot", pay_on.isoformat())
        handoff = await bot_stack.delivered("handoff", REF)
        conversation = str(handoff["conversation_id"])

        async def answer(page: Page) -> None:
            await log_in(page, "carol@e2e.test")
            await queue_item(page, conversation).click()
            await page.locator("#action-claim").click()
            await expect(page.locator("#thread-meta")).to_contain_text("held by you")
            await page.get_by_label("Reply to the debtor").fill(REPLY)
            await page.get_by_role("button", name="Send", exact=True).click()
            await expect(page.locator("#reply-result")).to_contain_text("Reply queued")

        await browser_thread(answer(agent))
        await browser_thread(
            expect(debtor.locator("#chat-list")).to_contain_text(REPLY, timeout=BOT_WAIT_MS)
        )
    finally:
        await browser_thread(_close(debtor, agent))
    logged = [path.read_text(errors="replace") for path in bot_stack.log_dir.glob("*.log")]
    assert logged
    assert not [text for text in logged if token in text]


async def _close(*pages: Page) -> None:
    for page in pages:
        await page.context.close()
