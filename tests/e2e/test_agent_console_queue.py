"""The console's queue and thread in Chromium: live updates over the socket, the keyboard alone,
the "not verified" warning, accessibility."""

from __future__ import annotations

from agent_console_steps import Console, axe_violations, log_in, queue_item, tab_to
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect

from gateway.appkeys import LIVE


async def test_an_escalation_appears_live_and_is_claimed_with_the_keyboard(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    await console.new_account()
    conversation = str((await console.inbound("hi, who is this?"))["conversation_id"])
    page = await new_page()

    async def open_console(page: Page) -> None:
        await log_in(page, "alice@example.com")
        await expect(page.locator("#queue-empty")).to_be_visible()
        await expect(queue_item(page, conversation)).to_have_count(0)
        # Marks this document: a reload would lose it.
        await page.evaluate("() => { window.parleyTestMark = 'no reload'; }")

    await browser_thread(open_console(page))
    await console.hand_off(conversation)

    async def claim_with_the_keyboard(page: Page) -> None:
        item = queue_item(page, conversation)
        await expect(item).to_be_visible()
        await expect(item).to_contain_text("Dana Debtor · A-1")
        await expect(item).to_contain_text("1 unread")
        await expect(item).to_contain_text("waiting")
        await expect(item).to_contain_text("Not verified")
        await expect(page.locator('[data-count="waiting"]')).to_have_text("(1)")
        assert await page.evaluate("() => window.parleyTestMark") == "no reload"
        assert await axe_violations(page, axe_script) == []

        await page.evaluate("() => document.activeElement && document.activeElement.blur()")
        await tab_to(page, f'.conversation[data-id="{conversation}"]')
        await page.keyboard.press("Enter")
        title = page.locator("#thread-title")
        await expect(title).to_have_text("Conversation with Dana Debtor (A-1)")
        await expect(title).to_be_focused()
        await expect(page.locator("#messages")).to_contain_text("hi, who is this?")
        banner = page.locator("#unverified-banner")
        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("Not verified")
        await expect(page.locator("#account-balance")).to_contain_text("Not verified")
        await expect(page.locator("#account-creditor")).to_have_text("Acme Bank")
        await expect(page.locator("#contacts")).to_contain_text("Consent given")
        await expect(page.locator("#decision")).to_contain_text("Allowed")
        # Reading the thread marked it read.
        await expect(queue_item(page, conversation)).not_to_contain_text("unread")

        await tab_to(page, "#action-claim")
        await page.keyboard.press("Enter")
        await expect(page.locator("#action-result")).to_have_text("You hold this conversation now.")
        await expect(page.locator("#status")).to_have_text("You hold this conversation now.")
        await expect(page.locator("#thread-meta")).to_contain_text("held by you")
        await expect(page.locator("#reply-text")).to_be_focused()
        await expect(page.locator('[data-count="mine"]')).to_have_text("(1)")
        await expect(page.locator('[data-count="waiting"]')).to_have_text("(0)")
        assert await axe_violations(page, axe_script) == []

    await browser_thread(claim_with_the_keyboard(page))


async def test_the_console_reconnects_and_reads_the_queue_again(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    await console.new_account()
    conversation = str((await console.inbound("hello?"))["conversation_id"])
    page = await new_page()
    await browser_thread(log_in(page, "alice@example.com"))

    # The gateway drops every console's socket (a restart, a lost proxy); meanwhile the
    # conversation escalates, and its event reaches no one.
    await console.app[LIVE].close()
    await console.hand_off(conversation)

    async def caught_up(page: Page) -> None:
        await expect(page.locator("#live-state")).to_have_text("Live updates: on")
        await expect(queue_item(page, conversation)).to_be_visible()

    await browser_thread(caught_up(page))
