"""A reply the contact policy blocks: the debtor texted STOP, so the page says the reply was
blocked and why (after the "not verified" warning), and nothing reaches the provider."""

from __future__ import annotations

from typing import Any

from agent_console_steps import Console, log_in, queue_item
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect

CANNED = "Hi {debtor_first_name}, this is {collector_name}. Can we talk?"
REPLY = "Hi Dana, this is Parley Recovery Services. Can we talk?"


async def test_a_reply_after_stop_is_blocked_with_its_reason_and_never_sent(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, drain: Any
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    await console.add_agent("Sam Supervisor", "sam@example.com", role="supervisor")
    await console.canned_response("sam@example.com", "Introduction", CANNED)
    conversation = await console.waiting_conversation()
    stop = await console.inbound("STOP")
    assert stop["keyword"] == "opt_out"
    page = await new_page()

    async def reply(page: Page) -> None:
        await log_in(page, "alice@example.com")
        await queue_item(page, conversation).click()
        await page.locator("#action-claim").click()
        await expect(page.locator("#messages")).to_contain_text("STOP")
        decision = page.locator("#decision")
        await expect(decision).to_contain_text("Blocked")
        await expect(decision).to_contain_text("(opted_out)")

        # The canned response goes in filled in for this debtor.
        await page.get_by_label("Canned response").select_option(label="Introduction")
        await page.get_by_role("button", name="Insert").click()
        reply_box = page.get_by_label("Reply to the debtor")
        await expect(reply_box).to_have_value(REPLY)
        await expect(reply_box).to_be_focused()
        await page.get_by_role("button", name="Send", exact=True).click()
        # Not verified: a confirmation step first, and nothing has been sent yet.
        confirm = page.locator("#reply-confirm")
        await expect(confirm).to_be_visible()
        await expect(confirm).to_contain_text("Not verified")
        await expect(page.locator("#reply-confirm-text")).to_be_focused()
        await expect(page.locator("#messages")).not_to_contain_text(REPLY)
        await page.get_by_role("button", name="Send anyway").click()

        result = page.locator("#reply-result")
        await expect(result).to_contain_text("Blocked by the contact policy")
        await expect(result).to_contain_text("not sent")
        await expect(result).to_contain_text("(opted_out)")
        await expect(page.locator("#status")).to_contain_text("Blocked by the contact policy")
        sent = page.locator("#messages .message", has_text=REPLY)
        await expect(sent).to_have_attribute("data-status", "blocked")
        await expect(sent).to_contain_text("Blocked")

    await browser_thread(reply(page))

    [row] = await console.messages_with(REPLY)
    assert (row.status, row.direction, row.conversation_id) == ("blocked", "outbound", conversation)
    await drain()
    assert "STOP" not in REPLY
    outbox = console.outbox()
    assert REPLY not in outbox
    [again] = await console.messages_with(REPLY)
    assert again.status == "blocked"
