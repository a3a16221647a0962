"""Steps of the agent console's browser tests.

``Console`` works on the gateway's side, on the test's loop: agents, accounts, a debtor's texts,
the bot handing a conversation over, rows. The coroutines below it drive a page and run whole on
the browser's loop: ``await browser_thread(log_in(page, ...))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from helpers import PHONE, account_body
from playwright.async_api import FloatRect, Page, expect
from sqlalchemy import select

from gateway.agents.directory import Agent, add_agent
from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import messages

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
PASSWORD = "correct horse battery staple"
BOT = {"Authorization": "Bearer parley-dev-bot-token"}
SERIOUS = ("serious", "critical")


@dataclass
class Console:
    """The gateway under test: ``url`` is where Chromium finds it."""

    client: ClientSession  # with a core system's token
    app: web.Application
    settings: Settings
    url: str

    async def add_agent(self, name: str, email: str, role: str = "agent") -> Agent:
        engine = create_engine(self.settings.database_url)
        try:
            async with engine.begin() as conn:
                return await add_agent(
                    conn, email=email, name=name, role=role, password=PASSWORD, now=DAYTIME
                )
        finally:
            await engine.dispose()

    async def new_account(self, ref: str = "A-1") -> None:
        body = account_body()
        body["debtor"] |= {"date_of_birth": "1985-03-14"}
        async with self.client.put(f"/v1/accounts/{ref}", json=body) as response:
            assert response.status in (200, 201), await response.text()

    async def inbound(self, text: str, address: str = PHONE) -> dict[str, Any]:
        """The debtor texts the gateway (routed at once, as ``parley chat`` does)."""
        body = {"channel": "sms", "address": address, "text": text}
        async with self.client.post("/v1/messages/inbound", json=body) as response:
            assert response.status == 202, await response.text()
            return dict(await response.json())

    async def hand_off(self, conversation_id: str, reason: str = "asked for a person") -> None:
        """The assistant hands the conversation to a person (its ``handoff`` update), which
        puts it in the agents' waiting queue and tells every console."""
        async with self.client.post(
            f"/v1/bot/conversations/{conversation_id}/updates",
            json={"kind": "handoff", "data": {"reason": reason}},
            headers=BOT,
        ) as response:
            assert response.status == 201, await response.text()
            assert (await response.json())["escalated"] is True

    async def waiting_conversation(self, first_text: str = "hi, who is this?") -> str:
        """An account, a text from its debtor, and the conversation handed to the agents."""
        await self.new_account()
        conversation = str((await self.inbound(first_text))["conversation_id"])
        await self.hand_off(conversation)
        return conversation

    async def canned_response(self, supervisor_email: str, title: str, body: str) -> None:
        """A supervisor writes a canned response through the console's API."""
        client = self.client
        credentials = {"email": supervisor_email, "password": PASSWORD}
        async with client.post("/agent/api/login", json=credentials) as login:
            assert login.status == 200, await login.text()
            csrf = {"X-CSRF-Token": (await login.json())["csrf_token"]}
        canned = {"title": title, "body": body}
        async with client.post("/agent/api/canned-responses", json=canned, headers=csrf) as saved:
            assert saved.status == 201, await saved.text()
        async with client.post("/agent/api/logout", headers=csrf) as logout:
            assert logout.status == 200, await logout.text()

    async def messages_with(self, body: str) -> list[Any]:
        engine = create_engine(self.settings.database_url)
        try:
            async with engine.connect() as conn:
                return list(await conn.execute(select(messages).where(messages.c.body == body)))
        finally:
            await engine.dispose()

    def outbox(self) -> str:
        """What the console provider was handed (everything that 'reached the provider')."""
        path = Path(self.settings.var_dir) / "outbox" / "console.jsonl"
        return path.read_text() if path.exists() else ""


# ---- on the browser's loop ------------------------------------------------------------------


async def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the console and its live socket."""
    await page.goto("/agent/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/agent/")
    await expect(page.locator("#live-state")).to_have_text("Live updates: on")


async def axe_violations(page: Page, axe: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses
        # an injected <script> element, and is right to.
        await page.evaluate("() => {\n" + axe + "\n}")
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await window.axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )
    return [violation for violation in found if violation["impact"] in SERIOUS]


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector``; the focus must be visible there."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(
            "(s) => document.activeElement !== null && document.activeElement.matches(s)", selector
        ):
            outline = await page.evaluate(
                "() => getComputedStyle(document.activeElement).outlineStyle"
            )
            assert outline != "none", f"no visible focus on {selector}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def queue_item(page: Page, conversation_id: str) -> Any:
    """The queue's button of a conversation."""
    return page.locator(f'#queue-list .conversation[data-id="{conversation_id}"]')


async def box(page: Page, selector: str) -> FloatRect:
    """Where an element is drawn."""
    found = await page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not drawn"
    return found


async def scroll_width(page: Page) -> int:
    return int(await page.evaluate("() => document.scrollingElement.scrollWidth"))
