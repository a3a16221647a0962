"""Transcripts to review in Chromium: an agent opens the review queue with the keyboard,
corrects a finding, discards another, is shown the value the API refuses where it is, and a
review someone else decided meanwhile leaves the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agent_console_steps import (
    DAYTIME,
    PASSWORD,
    Console,
    axe_violations,
    log_in,
    scroll_width,
    tab_to,
)
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect
from review_helpers import EXCERPT, TRANSCRIPT, seed_review
from sqlalchemy import select

from gateway.db.engine import create_engine
from gateway.db.tables import account_updates, audit_log
from gateway.db.tables import transcript_reviews as reviews

PAY_ON = (DAYTIME + timedelta(days=15)).date().isoformat()  # inside the 30-day horizon


async def seed(console: Console, recording_id: str) -> str:
    """A pending promise to pay of account A-1, heard with low confidence; the review's id."""
    data = {"amount": "$200", "date": PAY_ON}
    return await seed_review(
        console.settings.database_url, at=DAYTIME, data=data, recording_id=recording_id
    )


async def select_rows(console: Console, query: Any) -> list[Any]:
    engine = create_engine(console.settings.database_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(query))
    finally:
        await engine.dispose()


async def decide_elsewhere(console: Console, email: str, review_id: str) -> None:
    """Another agent discards the review through the console's API."""
    client = console.client
    credentials = {"email": email, "password": PASSWORD}
    async with client.post("/agent/api/login", json=credentials) as login:
        assert login.status == 200, await login.text()
        csrf = {"X-CSRF-Token": (await login.json())["csrf_token"]}
    async with client.post(f"/agent/api/reviews/{review_id}/discard", headers=csrf) as decided:
        assert decided.status == 200, await decided.text()
    async with client.post("/agent/api/logout", headers=csrf) as logout:
        assert logout.status == 200, await logout.text()


def review_item(page: Page, review_id: str) -> Any:
    return page.locator(f'#reviews-list .review[data-id="{review_id}"]')


async def open_reviews(page: Page) -> None:
    """Log in and open the review queue with the keyboard alone."""
    await log_in(page, "alice@example.com")
    await page.evaluate("() => document.activeElement && document.activeElement.blur()")
    await tab_to(page, "#reviews-toggle")
    await page.keyboard.press("Enter")
    await expect(page.locator("#reviews-toggle")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#reviews-title")).to_be_focused()
    await expect(page.locator("#thread")).to_be_hidden()


async def test_an_agent_corrects_discards_and_sees_the_refused_value_marked(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    alice = await console.add_agent("Alice Agent", "alice@example.com")
    await console.new_account()  # a balance of 432.10
    corrected = await seed(console, "rec-corrected")
    discarded = await seed(console, "rec-discarded")
    refused = await seed(console, "rec-refused")
    page = await new_page()

    async def review(page: Page) -> None:
        await open_reviews(page)
        await expect(page.locator("#reviews-list .review")).to_have_count(3)
        await expect(page.locator("#reviews-count")).to_have_text("(3)")
        first = review_item(page, corrected)
        await expect(first.locator("h3")).to_have_text("Promise to pay · A-1")
        await expect(first).to_contain_text("The transcription was unsure")
        await expect(first).to_contain_text("42%")
        await expect(first).to_contain_text(EXCERPT)
        whole = first.locator(".review-transcript p")
        await expect(whole).to_be_hidden()
        await first.get_by_text("Whole transcript").press("Enter")
        await expect(whole).to_have_text(TRANSCRIPT)
        amount = first.get_by_label("Amount")
        await expect(amount).to_have_value("$200")
        await expect(first.get_by_label("Date")).to_have_value(PAY_ON)
        assert await axe_violations(page, axe_script) == []

        await amount.fill("150")
        confirm = first.get_by_role("button", name="Confirm promise to pay for A-1")
        async with page.expect_request("**/confirm") as sent:
            await confirm.press("Enter")
        assert (await sent.value).post_data_json == {"amount": "150"}  # only what changed
        status = page.locator("#status")
        await expect(status).to_have_text("Promise to pay for A-1 recorded with your corrections.")
        await expect(first).to_have_count(0)
        await expect(page.locator("#reviews-count")).to_have_text("(2)")

        await review_item(page, discarded).get_by_role("button", name="Discard").press("Enter")
        await expect(status).to_have_text("Promise to pay for A-1 discarded: nothing recorded.")
        await expect(review_item(page, discarded)).to_have_count(0)

        third = review_item(page, refused)
        amount = third.get_by_label("Amount")
        await amount.fill("0")
        await amount.press("Enter")
        await expect(status).to_have_text("Not recorded: correct the marked values.")
        await expect(amount).to_have_attribute("aria-invalid", "true")
        await expect(amount).to_be_focused()
        error = page.locator(f"#review-{refused}-amount-error")
        await expect(error).not_to_be_empty()
        await expect(amount).to_have_attribute("aria-describedby", f"review-{refused}-amount-error")
        await expect(third.get_by_label("Date")).not_to_have_attribute("aria-invalid", "true")
        await expect(third).to_be_visible()
        assert await axe_violations(page, axe_script) == []

    await browser_thread(review(page))

    [update] = await select_rows(console, select(account_updates))
    assert (update.kind, update.source, update.agent_id, update.recording_id) == (
        "promise_to_pay",
        "transcript",
        alice.id,
        "rec-corrected",
    )
    assert (update.data["amount"], update.data["date"]) == ("150.00", PAY_ON)
    decided = {
        row.id: row for row in await select_rows(console, select(reviews).order_by(reviews.c.id))
    }
    assert [
        (decided[int(review_id)].status, decided[int(review_id)].agent_id)
        for review_id in (corrected, discarded, refused)
    ] == [("corrected", alice.id), ("discarded", alice.id), ("pending", None)]
    assert decided[int(corrected)].update_id == update.id
    assert decided[int(discarded)].update_id is None
    audited = await select_rows(
        console, select(audit_log).where(audit_log.c.event.like("transcript_review.%"))
    )
    assert sorted(row.event for row in audited) == [
        "transcript_review.corrected",
        "transcript_review.discarded",
    ]
    assert all(alice.id in row.payload for row in audited)


async def test_a_review_decided_elsewhere_leaves_the_list_on_a_phone(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    await console.add_agent("Bob Agent", "bob@example.com")
    await console.new_account()
    review_id = await seed(console, "rec-1")
    page = await new_page(width=390, height=844)

    async def open_view(page: Page) -> None:
        await open_reviews(page)
        await expect(review_item(page, review_id)).to_be_visible()
        assert await scroll_width(page) <= 391
        assert await axe_violations(page, axe_script) == []

    await browser_thread(open_view(page))
    await decide_elsewhere(console, "bob@example.com", review_id)

    async def confirm_too_late(page: Page) -> None:
        item = review_item(page, review_id)
        async with page.expect_request("**/confirm") as sent:
            await item.get_by_role("button", name="Confirm").press("Enter")
        assert (await sent.value).post_data is None  # nothing changed: as heard
        await expect(page.locator("#status")).to_have_text(
            "This review was already discarded. The list has been read again."
        )
        await expect(item).to_have_count(0)
        await expect(page.locator("#reviews-empty")).to_be_visible()
        await expect(page.locator("#reviews-count")).to_have_text("(0)")
        # Back to the conversations: the queue's views close the review queue.
        await page.get_by_role("button", name="Waiting").press("Enter")
        await expect(page.locator("#reviews")).to_be_hidden()
        await expect(page.locator("#thread")).to_be_visible()
        await expect(page.locator("#reviews-toggle")).to_have_attribute("aria-pressed", "false")

    await browser_thread(confirm_too_late(page))
