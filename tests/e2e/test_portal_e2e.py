"""The debtor portal in Chromium at a phone's size: a text through the Twilio emulator carries a
link; the landing page tells nothing of the debt; the identity check opens the account; a
promise made in a form reaches the core system's webhook signed; stopping texts in the
preferences blocks the next SMS outreach; every page is keyboard-operable and axe-clean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from agent_console_steps import Console, axe_violations
from core_webhook_endpoint import SECRET, Receiver, hooked, serve
from e2e_browser import BrowserThread, NewPage
from helpers import outreach_body
from playwright.async_api import Page, expect
from portal_helpers import DOB, portal_account
from shared import Drainer
from sqlalchemy import func, select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PUBLIC_URL, through_emulator

from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import audit_log
from gateway.records.core_webhook import verify as verify_signature

PHONE_VIEW = {"width": 390, "height": 844}
DEBT_DETAILS = ("Acme Bank", "432.10", "Dana", "A-1")


@pytest.fixture
async def receiver(aiohttp_server: Any) -> Receiver:
    found = Receiver()
    await serve(aiohttp_server, found)
    return found


@pytest.fixture
def settings(settings: Settings, emulator: TwilioEmulator, receiver: Receiver) -> Settings:
    """Texts through the Twilio emulator, updates to the core system's webhook."""
    return hooked(settings, receiver.url).model_copy(update=through_emulator(emulator))


async def texted_link(console: Console, emulator: TwilioEmulator, drain: Drainer) -> str:
    """A new account, the portal invitation to it by SMS, the link's path from the phone."""
    assert (await console.client.put("/v1/accounts/A-1", json=portal_account())).status == 201
    response = await console.client.post(
        "/v1/outreach",
        json=outreach_body(template="portal_invite"),
        headers={"Idempotency-Key": "invite-1"},
    )
    assert response.status == 202, await response.text()
    await drain()
    (text,) = [m["body"] for m in emulator.messages.values()]
    found = re.search(re.escape(PUBLIC_URL) + r"(/portal/\S+)", text)
    assert found is not None, text
    return found[1]


async def audit_rows(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(audit_log)) or 0)
    finally:
        await engine.dispose()


async def verify(page: Page, path: str, axe: str) -> None:
    """Open the link, check the landing page, answer by keyboard, land on the account."""
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    html = await page.content()
    assert [word for word in DEBT_DETAILS if word in html] == []
    assert await axe_violations(page, axe) == []
    await page.keyboard.press("Tab")  # the skip link
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Your date of birth")).to_be_focused()
    await page.get_by_label("Your date of birth").fill(DOB)
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("balance")).to_have_text("$432.10")


async def test_a_texted_link_opens_the_account_and_a_promise_reaches_the_core_system(
    console: Console,
    emulator: TwilioEmulator,
    drain: Drainer,
    receiver: Receiver,
    new_page: NewPage,
    browser_thread: BrowserThread,
    axe_script: str,
) -> None:
    path = await texted_link(console, emulator, drain)
    before = await audit_rows(console.settings)
    async with console.client.get(path) as scanner:  # a mail scanner prefetching the link
        assert scanner.status == 200
    assert await audit_rows(console.settings) == before
    page = await new_page(**PHONE_VIEW)

    async def promise(page: Page) -> None:
        await verify(page, path, axe_script)
        await expect(page.get_by_test_id("creditor")).to_have_text("Acme Bank")
        assert await axe_violations(page, axe_script) == []
        await page.get_by_role("link", name="Promise a payment").click()
        assert await axe_violations(page, axe_script) == []
        await page.get_by_label("Amount").fill("$60")
        await page.get_by_label("Date you will pay").fill("2026-03-20")
        await page.get_by_role("button", name="Send my promise").click()
        await expect(page.get_by_role("status")).to_contain_text("Thank you")
        await expect(page.get_by_test_id("updates")).to_contain_text("$60.00 on 2026-03-20")

    await browser_thread(promise(page))
    await drain()
    promises = [r for r in receiver.requests if b'"promise_to_pay"' in r.body]
    assert len(promises) == 1
    # Signed at the gateway's (fixed) clock: checked against the timestamp it carries.
    headers = promises[0].headers
    stamp = headers["X-Parley-Timestamp"]
    signature = headers["X-Parley-Signature"]
    assert verify_signature(SECRET.encode(), stamp, signature, promises[0].body, now=int(stamp))
    assert b'"source":"portal"' in promises[0].body.replace(b" ", b"")


async def test_stopping_texts_in_the_preferences_blocks_the_next_text(
    console: Console,
    emulator: TwilioEmulator,
    drain: Drainer,
    new_page: NewPage,
    browser_thread: BrowserThread,
    axe_script: str,
) -> None:
    path = await texted_link(console, emulator, drain)
    page = await new_page(**PHONE_VIEW)

    async def stop_texts(page: Page) -> None:
        await verify(page, path, axe_script)
        await page.get_by_role("link", name="Contact preferences").click()
        texts = page.get_by_role("group", name=re.compile("Text messages"))
        await texts.get_by_label("Stop").check()
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_contain_text("stopped")
        assert await axe_violations(page, axe_script) == []

    await browser_thread(stop_texts(page))
    response = await console.client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "after-stop"}
    )
    body = await response.json()
    assert body["status"] == "blocked"
    assert "opted_out" in [reason["rule"] for reason in body["decision"]["reasons"]]
