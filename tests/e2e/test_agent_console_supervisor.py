"""A supervisor's controls in the console: canned responses written, edited and deleted on the
page (the reply box's select follows at once), and a conversation assigned to an agent, whose
console shows it in "Mine" live. A plain agent sees neither control."""

from __future__ import annotations

import re

from agent_console_steps import (
    DAYTIME,
    Console,
    axe_violations,
    box,
    log_in,
    queue_item,
    scroll_width,
    tab_to,
)
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect

from gateway.agents.directory import disable_agent
from gateway.db.engine import create_engine

BAD = "Hi {debtor_name}, this is {collector_name}."
CANNED = "Hi {debtor_first_name}, this is {collector_name}. Can we talk?"
EDITED = "Hello {debtor_first_name}, {collector_name} here. When suits you?"
FILLED = "Hello Dana, Parley Recovery Services here. When suits you?"


async def open_and_claim(page: Page, conversation: str) -> None:
    await queue_item(page, conversation).click()
    await page.locator("#action-claim").click()
    await expect(page.locator("#thread-meta")).to_contain_text("held by you")
    await expect(page.locator("#reply-form")).to_be_visible()


async def test_a_supervisor_writes_edits_and_deletes_canned_responses_on_the_page(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Sam Supervisor", "sam@example.com", role="supervisor")
    conversation = await console.waiting_conversation()
    page = await new_page()

    async def manage(page: Page) -> None:
        await log_in(page, "sam@example.com")
        await open_and_claim(page, conversation)
        reply_select = page.get_by_label("Canned response", exact=True)
        await expect(reply_select.locator("option")).to_have_text(["No canned responses yet"])

        # The disclosure opens with the keyboard.
        toggle = page.get_by_role("button", name="Canned responses")
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await expect(page.locator("#canned-admin-body")).to_be_hidden()
        await page.evaluate("() => document.activeElement && document.activeElement.blur()")
        await tab_to(page, "#canned-admin-toggle")
        await page.keyboard.press("Enter")
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        listed = page.locator("#canned-list")
        await expect(listed).to_have_text("No canned responses yet.")
        hint = page.locator("#canned-body-hint")
        await expect(hint).to_contain_text("{debtor_first_name}")
        await expect(hint).to_contain_text("{collector_name}")

        # An unknown variable: the API refuses it and the field says why.
        title = page.get_by_label("Title", exact=True)
        body = page.get_by_label("Response text", exact=True)
        await title.fill("Introduction")
        await body.fill(BAD)
        await page.get_by_role("button", name="Add canned response").click()
        await expect(page.locator("#status")).to_have_text(
            "The canned response was not saved: correct the marked fields."
        )
        await expect(body).to_have_attribute("aria-invalid", "true")
        await expect(body).to_be_focused()
        await expect(page.locator("#canned-body-error")).to_contain_text("debtor_name")
        # The hint and the error are the field's description.
        await expect(body).to_have_accessible_description(
            re.compile(r"^You may use the variables \{debtor_first_name\}.*unknown variables")
        )
        await expect(title).not_to_have_attribute("aria-invalid", "true")
        await expect(listed).to_have_text("No canned responses yet.")

        await body.fill(CANNED)
        await page.get_by_role("button", name="Add canned response").click()
        await expect(page.locator("#status")).to_have_text("Added “Introduction”.")
        await expect(body).not_to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#canned-body-error")).to_be_empty()
        await expect(title).to_have_value("")
        await expect(body).to_have_value("")
        await expect(listed.locator(".canned-item")).to_have_count(1)
        await expect(listed).to_contain_text("Introduction")
        await expect(listed).to_contain_text(CANNED)
        # The reply box's select follows without a reload.
        await expect(reply_select.locator("option")).to_have_text(
            ["Choose a canned response", "Introduction"]
        )

        # Edit: the form takes the response, and the change reaches the reply box.
        await page.get_by_role("button", name="Edit “Introduction”").click()
        await expect(page.locator("#canned-form-title")).to_have_text("Edit “Introduction”")
        await expect(title).to_be_focused()
        await expect(title).to_have_value("Introduction")
        await expect(body).to_have_value(CANNED)
        await title.fill("Greeting")
        await body.fill(EDITED)
        await page.get_by_role("button", name="Save changes").click()
        await expect(page.locator("#status")).to_have_text("Saved “Greeting”.")
        await expect(page.locator("#canned-form-title")).to_have_text("New canned response")
        await expect(page.get_by_role("button", name="Cancel editing")).to_be_hidden()
        await expect(listed.locator(".canned-item")).to_have_count(1)
        await expect(listed).to_contain_text(EDITED)
        await expect(listed).not_to_contain_text("Introduction")
        await expect(reply_select.locator("option")).to_have_text(
            ["Choose a canned response", "Greeting"]
        )
        await reply_select.select_option(label="Greeting")
        await page.get_by_role("button", name="Insert").click()
        await expect(page.get_by_label("Reply to the debtor")).to_have_value(FILLED)

        # Delete: asked once more in the row, then gone from the list and the reply box.
        await page.get_by_role("button", name="Delete “Greeting”").click()
        question = page.locator(".canned-confirm p")
        await expect(question).to_have_text("Delete “Greeting”? Agents can no longer insert it.")
        await expect(question).to_be_focused()
        await page.get_by_role("button", name="Keep it").click()
        await expect(page.locator(".canned-confirm")).to_have_count(0)
        await expect(page.get_by_role("button", name="Delete “Greeting”")).to_be_focused()
        await page.get_by_role("button", name="Delete “Greeting”").click()
        await page.get_by_role("button", name="Yes, delete").click()
        await expect(page.locator("#status")).to_have_text("Deleted “Greeting”.")
        await expect(listed).to_have_text("No canned responses yet.")
        await expect(page.locator("#canned-list-title")).to_be_focused()
        await expect(reply_select.locator("option")).to_have_text(["No canned responses yet"])

    await browser_thread(manage(page))


async def test_a_supervisor_assigns_a_conversation_and_the_agent_sees_it_live(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Sam Supervisor", "sam@example.com", role="supervisor")
    await console.add_agent("Bob Agent", "bob@example.com")
    await console.add_agent("Carol Agent", "carol@example.com")
    conversation = await console.waiting_conversation()
    sam, bob = await new_page(), await new_page()

    async def bob_looks_at_mine(page: Page) -> None:
        await log_in(page, "bob@example.com")
        await expect(queue_item(page, conversation)).to_be_visible()
        await page.get_by_role("button", name="Mine").click()
        await expect(page.locator("#queue-empty")).to_be_visible()
        await expect(page.locator('[data-count="mine"]')).to_have_text("(0)")

    await browser_thread(bob_looks_at_mine(bob))

    async def sam_opens(page: Page) -> None:
        await log_in(page, "sam@example.com")
        await queue_item(page, conversation).click()
        await expect(page.locator("#thread-meta")).to_contain_text("waiting for an agent")
        choose = page.get_by_label("Assign to")
        await expect(choose).to_be_visible()
        await expect(choose.locator("option")).to_have_text(
            ["Choose an agent", "Bob Agent", "Carol Agent", "Sam Supervisor (you)"]
        )
        # Nothing chosen: said where the actions' results are, and the select takes the focus.
        await page.get_by_role("button", name="Assign", exact=True).click()
        result = page.locator("#action-result")
        await expect(result).to_have_text("Choose the agent to assign the conversation to.")
        await expect(result).to_have_class("notice is-error")
        await expect(choose).to_be_focused()

    await browser_thread(sam_opens(sam))

    # Carol leaves after Sam's page read the list: the API refuses her (422), and the page
    # marks the select, says why and reads the list again.
    engine = create_engine(console.settings.database_url)
    try:
        async with engine.begin() as conn:
            await disable_agent(conn, "carol@example.com", DAYTIME)
    finally:
        await engine.dispose()

    async def sam_assigns(page: Page) -> None:
        choose = page.get_by_label("Assign to")
        await choose.select_option(label="Carol Agent")
        await page.get_by_role("button", name="Assign", exact=True).click()
        result = page.locator("#action-result")
        await expect(result).to_have_text("No active agent with that id")
        await expect(result).to_have_class("notice is-error")
        await expect(page.locator("#status")).to_have_text("No active agent with that id")
        await expect(choose).to_have_attribute("aria-invalid", "true")
        await expect(choose.locator("option")).to_have_text(
            ["Choose an agent", "Bob Agent", "Sam Supervisor (you)"]
        )
        await expect(page.locator("#thread-meta")).to_contain_text("waiting for an agent")

        await choose.select_option(label="Bob Agent")
        await expect(choose).not_to_have_attribute("aria-invalid", "true")
        await page.get_by_role("button", name="Assign", exact=True).click()
        await expect(result).to_have_text("Assigned to Bob Agent.")
        await expect(result).to_have_class("notice")
        await expect(page.locator("#status")).to_have_text("Assigned to Bob Agent.")
        await expect(page.locator("#thread-meta")).to_contain_text("held by Bob Agent")
        await expect(choose).to_have_value("")
        await expect(page.locator('[data-count="waiting"]')).to_have_text("(0)")
        # The supervisor may still manage it, but not write in it.
        await expect(page.locator("#action-resolve")).to_be_visible()
        await expect(page.locator("#reply-form")).to_be_hidden()

    await browser_thread(sam_assigns(sam))

    async def bob_has_it(page: Page) -> None:
        # Bob did nothing: the live event told his console, which read the API again.
        item = queue_item(page, conversation)
        await expect(item).to_be_visible()
        await expect(item).to_contain_text("held by you")
        await expect(page.locator('[data-count="mine"]')).to_have_text("(1)")
        await expect(page.locator('[data-count="waiting"]')).to_have_text("(0)")
        await expect(page.locator("#status")).to_have_text(
            "You hold another conversation now: it is in Mine."
        )
        await item.click()
        await expect(page.locator("#thread-meta")).to_contain_text("held by you")
        await expect(page.locator("#reply-form")).to_be_visible()

    await browser_thread(bob_has_it(bob))


async def test_a_plain_agent_sees_neither_supervisor_control(
    console: Console, new_page: NewPage, browser_thread: BrowserThread
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    conversation = await console.waiting_conversation()
    page = await new_page()

    async def look(page: Page) -> None:
        await log_in(page, "alice@example.com")
        await open_and_claim(page, conversation)
        await expect(page.locator("#action-resolve")).to_be_visible()
        await expect(page.locator("#assign")).to_have_count(0)
        await expect(page.get_by_label("Assign to")).to_have_count(0)
        await expect(page.get_by_role("button", name="Assign", exact=True)).to_have_count(0)
        await expect(page.locator("#canned-admin")).to_have_count(0)
        await expect(page.get_by_role("button", name="Canned responses")).to_have_count(0)
        await expect(page.get_by_role("button", name="Add canned response")).to_have_count(0)
        # The reply box's canned responses are there for every agent.
        await expect(page.get_by_label("Canned response", exact=True)).to_be_visible()

    await browser_thread(look(page))


async def test_the_supervisor_view_is_accessible_and_fits_a_phone(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.add_agent("Sam Supervisor", "sam@example.com", role="supervisor")
    await console.add_agent("Bob Agent", "bob@example.com")
    await console.canned_response("sam@example.com", "Introduction", CANNED)
    conversation = await console.waiting_conversation()

    async def supervisor_view(page: Page, held: bool = False) -> None:
        await log_in(page, "sam@example.com")
        if held:
            # Claimed on the desktop already: in Sam's "Mine" now.
            await page.get_by_role("button", name="Mine").click()
            await queue_item(page, conversation).click()
            await expect(page.locator("#reply-form")).to_be_visible()
        else:
            await open_and_claim(page, conversation)
        await expect(page.get_by_label("Assign to")).to_be_visible()
        await page.get_by_role("button", name="Canned responses").click()
        await expect(page.locator("#canned-list")).to_contain_text("Introduction")
        # A marked field and an open delete question are part of what is checked.
        await page.get_by_label("Title", exact=True).fill("Bad")
        await page.get_by_label("Response text", exact=True).fill(BAD)
        await page.get_by_role("button", name="Add canned response").click()
        await expect(page.get_by_label("Response text", exact=True)).to_have_attribute(
            "aria-invalid", "true"
        )
        await page.get_by_role("button", name="Delete “Introduction”").click()
        await expect(page.locator(".canned-confirm")).to_be_visible()

    desktop = await new_page(width=1280, height=800)

    async def check_desktop(page: Page) -> None:
        await supervisor_view(page)
        assert await axe_violations(page, axe_script) == []
        assert await scroll_width(page) <= 1281
        # Under the account panel, in the right-hand column.
        account, canned = await box(page, "#account"), await box(page, "#canned-admin")
        assert abs(canned["x"] - account["x"]) < 1
        assert canned["y"] >= account["y"] + account["height"]
        assert canned["x"] + canned["width"] <= 1280

    await browser_thread(check_desktop(desktop))

    phone = await new_page(width=390, height=844)

    async def check_phone(page: Page) -> None:
        await supervisor_view(page, held=True)
        assert await scroll_width(page) <= 391
        for selector in ("#assign", "#canned-admin", "#canned-form", ".canned-confirm"):
            found = await box(page, selector)
            assert found["x"] >= 0
            assert found["x"] + found["width"] <= 391, selector
        assert await axe_violations(page, axe_script) == []

    await browser_thread(check_phone(phone))
