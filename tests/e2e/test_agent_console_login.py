"""The agent console's login page in Chromium: errors, success, accessibility."""

from __future__ import annotations

from agent_console_steps import PASSWORD, Console, axe_violations
from e2e_browser import BrowserThread, NewPage
from playwright.async_api import Page, expect


async def test_login_page_refuses_a_wrong_password_and_opens_the_console(
    console: Console, new_page: NewPage, browser_thread: BrowserThread, axe_script: str
) -> None:
    await console.add_agent("Alice Agent", "alice@example.com")
    page = await new_page()

    async def steps(page: Page) -> None:
        # Without a session the console sends the browser to the login page.
        await page.goto("/agent/")
        await page.wait_for_url("**/agent/login")
        await expect(page.get_by_role("heading", name="Parley agent console")).to_be_visible()
        assert await axe_violations(page, axe_script) == []

        await page.get_by_label("Email").fill("alice@example.com")
        await page.get_by_label("Password").fill("not the right password")
        await page.get_by_role("button", name="Log in").click()
        error = page.locator("#login-error")
        await expect(error).to_have_text("Wrong email or password.")
        await expect(error).to_have_attribute("role", "alert")
        await expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
        assert page.url.endswith("/agent/login")
        assert await axe_violations(page, axe_script) == []

        await page.get_by_label("Password").fill(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/agent/")
        await expect(page.locator("#agent-name")).to_have_text("Alice Agent")
        token = await page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token
        await expect(page.locator("#live-state")).to_have_text("Live updates: on")

        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url("**/agent/login")
        await page.goto("/agent/")
        await page.wait_for_url("**/agent/login")

    await browser_thread(steps(page))
