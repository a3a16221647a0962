"""Two agents in two browsers: one claims, the other's console follows live and hears who
holds the conversation when it tries too."""

from __future__ import annotations

from agent_console_steps import Console, log_in, queue_item
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect


async def test_a_claim_shows_live_in_the_other_console_and_a_second_claim_names_the_holder(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    await console.add_agent("Bob Agent", "bob@example.com")
    conversation = await console.waiting_conversation()
    alice, bob = await new_page(), await new_page()

    async def open_thread(page: Page, email: str) -> None:
        await log_in(page, email)
        await queue_item(page, conversation).click()
        await expect(page.locator("#thread-meta")).to_contain_text("waiting for an agent")
        await expect(page.locator("#action-claim")).to_be_visible()

    await browser_thread(open_thread(alice, "alice@example.com"))
    await browser_thread(open_thread(bob, "bob@example.com"))

    async def claim(page: Page) -> None:
        await page.locator("#action-claim").click()
        await expect(page.locator("#thread-meta")).to_contain_text("held by you")

    await browser_thread(claim(alice))

    async def follow_and_try(page: Page) -> None:
        # Bob did nothing: the socket told his console, which read the API again.
        await expect(queue_item(page, conversation)).to_have_count(0)
        await expect(page.locator("#queue-empty")).to_be_visible()
        await expect(page.locator('[data-count="waiting"]')).to_have_text("(0)")
        await expect(page.locator("#thread-meta")).to_contain_text("held by Alice Agent")
        await expect(page.locator("#status")).to_have_text("Alice Agent claimed this conversation.")
        await expect(page.locator("#reply-form")).to_be_hidden()

        await page.locator("#action-claim").click()
        result = page.locator("#action-result")
        await expect(result).to_have_text("Alice Agent already holds this conversation")
        await expect(result).to_have_class("notice is-error")
        await expect(page.locator("#status")).to_have_text(
            "Alice Agent already holds this conversation"
        )
        await expect(page.locator("#thread-meta")).to_contain_text("held by Alice Agent")
        await expect(page.locator("#reply-form")).to_be_hidden()

    await browser_thread(follow_and_try(bob))

    async def still_mine(page: Page) -> None:
        await expect(page.locator("#thread-meta")).to_contain_text("held by you")
        await expect(page.locator('[data-count="mine"]')).to_have_text("(1)")

    await browser_thread(still_mine(alice))
