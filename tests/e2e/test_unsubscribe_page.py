"""An email's unsubscribe link in Chromium: the confirmation page, the button by keyboard alone,
the answer, accessibility at a phone's size and a desktop's."""

from __future__ import annotations

from agent_console_steps import DAYTIME, Console, axe_violations
from e2e_browser import BrowserThread, NewPage
from helpers import EMAIL
from playwright.async_api import Page, expect
from sqlalchemy import select

from gateway.db.engine import create_engine
from gateway.db.tables import contact_points, messages
from gateway.records.unsubscribe import unsubscribe_token


async def sent_email(console: Console) -> str:
    """An email Parley sent to the debtor (as the send core records one); its id."""
    engine = create_engine(console.settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                messages.insert().values(
                    id="msg_e2e_unsubscribe",
                    channel="email",
                    direction="outbound",
                    address=EMAIL,
                    subject="Your Acme Bank account",
                    body="text",
                    provider="console",
                    status="sent",
                    created_at=DAYTIME,
                    updated_at=DAYTIME,
                )
            )
    finally:
        await engine.dispose()
    return "msg_e2e_unsubscribe"


async def email_consent(console: Console) -> str:
    engine = create_engine(console.settings.database_url)
    try:
        async with engine.connect() as conn:
            return str(
                await conn.scalar(
                    select(contact_points.c.consent).where(contact_points.c.channel == "email")
                )
            )
    finally:
        await engine.dispose()


async def test_the_page_unsubscribes_by_keyboard_and_is_accessible(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.new_account()
    path = "/unsubscribe/" + unsubscribe_token(console.settings, await sent_email(console))
    page = await new_page(width=390, height=844)

    async def confirm(page: Page) -> None:
        await page.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Stop emails")
        await expect(page.get_by_text("d***@example.com")).to_be_visible()
        assert await axe_violations(page, axe_script) == []
        await page.keyboard.press("Tab")
        button = page.get_by_role("button", name="Unsubscribe")
        await expect(button).to_be_focused()

    await browser_thread(confirm(page))
    assert await email_consent(console) == "granted"  # opening the page changed nothing

    async def press(page: Page) -> None:
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
        assert await axe_violations(page, axe_script) == []

    await browser_thread(press(page))
    assert await email_consent(console) == "revoked"

    desktop = await new_page()

    async def unknown(page: Page) -> None:
        await page.goto("/unsubscribe/msg_e2e_unsubscribe.forged")
        await expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
        assert await axe_violations(page, axe_script) == []

    await browser_thread(unknown(desktop))
