"""The console at a desktop's 1280x800 and a phone's 390x844: no horizontal scrolling."""

from __future__ import annotations

from agent_console_steps import Console, axe_violations, box, log_in, queue_item, scroll_width
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect

LONG_WORD = "https://example.com/" + "x" * 120  # one word wider than a phone


async def open_thread(page: Page, conversation: str) -> None:
    await log_in(page, "alice@example.com")
    await queue_item(page, conversation).click()
    await page.locator("#action-claim").click()
    await expect(page.locator("#messages")).to_contain_text(LONG_WORD[:40])
    await expect(page.locator("#reply-form")).to_be_visible()


async def test_the_console_fits_a_phone_without_scrolling_sideways(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    conversation = await console.waiting_conversation(f"see {LONG_WORD} please")
    page = await new_page(width=390, height=844)

    async def check(page: Page) -> None:
        await page.goto("/agent/login")
        assert await scroll_width(page) <= 391
        await open_thread(page, conversation)
        assert await scroll_width(page) <= 391
        # One column: the queue, then the conversation, then the account, each full width.
        panels = [await box(page, selector) for selector in (".queue", "#thread", "#account")]
        tops = [panel["y"] for panel in panels]
        assert tops == sorted(tops)
        for panel in panels:
            assert panel["x"] >= 0
            assert panel["x"] + panel["width"] <= 391
        assert await axe_violations(page, axe_script) == []

    await browser_thread(check(page))


async def test_the_console_shows_queue_thread_and_account_side_by_side_at_1280(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    conversation = await console.waiting_conversation(f"see {LONG_WORD} please")
    page = await new_page(width=1280, height=800)

    async def check(page: Page) -> None:
        await open_thread(page, conversation)
        assert await scroll_width(page) <= 1281
        queue, thread, account = [
            await box(page, selector) for selector in (".queue", "#thread", "#account")
        ]
        assert queue["x"] + queue["width"] <= thread["x"]
        assert thread["x"] + thread["width"] <= account["x"]
        assert account["x"] + account["width"] <= 1280
        assert abs(queue["y"] - thread["y"]) < 1
        assert abs(thread["y"] - account["y"]) < 1
        # The reply box is on the first screen.
        reply = await box(page, "#reply-text")
        assert reply["y"] + reply["height"] <= 800

    await browser_thread(check(page))
