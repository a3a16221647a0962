"""What an agent records in a conversation: private notes, and account updates whose fields
the API refuses are marked where they are."""

from __future__ import annotations

from agent_console_steps import Console, log_in, queue_item
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect


async def test_notes_and_updates_are_recorded_and_bad_fields_are_marked(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    conversation = await console.waiting_conversation()
    page = await new_page()

    async def record(page: Page) -> None:
        await log_in(page, "alice@example.com")
        await queue_item(page, conversation).click()
        await page.locator("#action-claim").click()
        await expect(page.locator("#update-form")).to_be_visible()

        await page.get_by_label("New note (agents only, never sent)").fill("Asked for email")
        await page.get_by_role("button", name="Add note").click()
        await expect(page.locator("#status")).to_have_text("Note added.")
        await expect(page.locator("#notes")).to_contain_text("Alice Agent")
        await expect(page.locator("#notes")).to_contain_text("Asked for email")

        await page.get_by_label("Kind of update").select_option("promise_to_pay")
        amount = page.get_by_label("Amount (required)")
        await amount.fill("lots")
        await page.get_by_role("button", name="Record update").click()
        await expect(page.locator("#status")).to_have_text(
            "The update was not recorded: correct the marked fields."
        )
        await expect(amount).to_have_attribute("aria-invalid", "true")
        await expect(amount).to_be_focused()
        await expect(page.locator("#update-promise_to_pay-amount-error")).not_to_be_empty()
        date = page.get_by_label("Payment date (required)")
        await expect(date).to_have_attribute("aria-invalid", "true")

        await amount.fill("$50")
        await date.fill("2026-03-20")
        await page.get_by_role("button", name="Record update").click()
        await expect(page.locator("#status")).to_have_text("Promise to pay recorded.")
        await expect(amount).not_to_have_attribute("aria-invalid", "true")
        await expect(amount).to_have_value("")
        updates = page.locator("#updates-list")
        await expect(updates).to_contain_text("Promise to pay")
        await expect(updates).to_contain_text("Agent")
        await expect(updates).to_contain_text("2026-03-20")

        await page.get_by_label("Kind of update").select_option("hardship")
        await expect(page.get_by_label("Hardship type")).to_be_visible()
        await expect(amount).to_be_hidden()
        await page.get_by_label("Hardship type").select_option("medical")
        await page.get_by_role("button", name="Record update").click()
        await expect(page.locator("#status")).to_have_text("Hardship recorded.")
        await expect(updates).to_contain_text("Hardship type: medical")

    await browser_thread(record(page))
