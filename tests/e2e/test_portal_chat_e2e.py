"""The portal's chat in Chromium: the debtor (a phone-sized page) writes, the conversation goes
to a person, an agent (a desktop page, another browser context) answers in the console, and the
debtor sees the answer without reloading; the chat page is keyboard-operable and axe-clean."""

from __future__ import annotations

from agent_console_steps import Console, axe_violations, log_in, queue_item
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect
from portal_helpers import DOB, portal_account
from redis.asyncio import Redis
from shared import Drainer
from sqlalchemy import select

from gateway.db.engine import create_engine
from gateway.db.tables import portal_links

AGENT_REPLY = "Hi, this is Alice from the team. How can I help?"


async def link_path(console: Console) -> str:
    async with console.client.post("/v1/accounts/A-1/portal-links", json={}) as response:
        assert response.status == 201, await response.text()
        url = str((await response.json())["url"])
    return "/portal/" + url.rsplit("/portal/", 1)[1]


async def chat_conversation(console: Console) -> str:
    engine = create_engine(console.settings.database_url)
    try:
        async with engine.connect() as conn:
            return str(await conn.scalar(select(portal_links.c.conversation_id)))
    finally:
        await engine.dispose()


async def test_an_agent_answers_the_chat_and_the_debtor_sees_it_live(
    console: Console,
    redis: Redis,
    new_page: NewPage,
    browser_thread: BrowserThread,
    axe_script: str,
) -> None:
    assert (await console.client.put("/v1/accounts/A-1", json=portal_account())).status == 201
    await console.add_agent("Alice Agent", "alice@e2e.test")
    path = await link_path(console)
    debtor = await new_page(width=390, height=844)

    async def write(page: Page) -> None:
        await page.goto(path)
        await page.get_by_label("Your date of birth").fill(DOB)
        await page.keyboard.press("Enter")
        await page.get_by_role("link", name="Chat", exact=True).click()
        await expect(page.locator("#chat-connection")).to_have_text("Connected.")
        assert await axe_violations(page, axe_script) == []
        box = page.get_by_label("Your message")
        await box.focus()
        await box.fill("Can I talk to someone about my bill?")
        await page.keyboard.press("Enter")
        await expect(page.locator("#chat-list")).to_contain_text("Can I talk to someone")
        await expect(box).to_have_value("")

    await browser_thread(write(debtor))
    conversation = await chat_conversation(console)
    await console.hand_off(conversation)
    agent = await new_page()

    async def answer(page: Page) -> None:
        await log_in(page, "alice@e2e.test")
        await queue_item(page, conversation).click()
        await page.locator("#action-claim").click()
        await expect(page.locator("#thread-meta")).to_contain_text("held by you")
        await expect(page.locator("#thread")).to_contain_text("Can I talk to someone")
        await page.get_by_label("Reply to the debtor").fill(AGENT_REPLY)

    async def sees_typing(page: Page) -> None:
        typing = page.locator("#chat-typing")
        await expect(typing).to_have_text("Someone from our team is typing…")

    async def send(page: Page) -> None:
        await page.get_by_role("button", name="Send", exact=True).click()
        await expect(page.locator("#reply-result")).to_contain_text("Reply queued")

    await browser_thread(answer(agent))
    await browser_thread(sees_typing(debtor))
    await browser_thread(send(agent))
    await Drainer(console.settings, redis)()

    async def sees_it(page: Page) -> None:
        await expect(page.locator("#chat-list")).to_contain_text(AGENT_REPLY)
        await expect(page.locator("#chat-state")).to_be_visible()
        assert await axe_violations(page, axe_script) == []

    await browser_thread(sees_it(debtor))
