"""Browser tests: Playwright driving Debian's Chromium against the gateway on a real port.

One Chromium per test session. Playwright's async API runs on an event loop of its own thread
(``e2e_browser.BrowserThread``), so while a test waits for the browser its own loop goes on
serving the gateway (started by the shared ``gateway`` fixture on 127.0.0.1 and a free port);
every test opens browser contexts of its own and closes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from agent_console_steps import DAYTIME, Console
from aiohttp import ClientSession, CookieJar, web
from e2e_browser import TIMEOUT_MS, BrowserThread, NewPage
from playwright.async_api import BrowserContext, ConsoleMessage, Page, expect

from gateway import clock
from gateway.app import init_app
from gateway.appkeys import LIVE
from gateway.config import Settings

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[BrowserThread]:
    """The session's one Chromium."""
    thread = BrowserThread()
    try:
        thread.start()
        yield thread
    finally:
        thread.stop()


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's source, from tests/e2e/node_modules (pinned in tests/e2e/package-lock.json)."""
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `make e2e-deps` "
            "(npm ci --prefix tests/e2e) to install the browser tests' dependencies"
        )
    return AXE.read_text()


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway's clock reads 15:00 in Chicago: no quiet hours hold a reply back."""
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Console]:
    """The gateway listening on 127.0.0.1 (a free port) as ``parley serve`` runs it, and a
    client with a core system's token.

    Like ``web.run_app`` (and unlike aiohttp's TestServer), a browser that goes away does not
    cancel the handler it was waiting for: closing a page mid-request must not cut a
    transaction short.
    """
    app = init_app(settings)
    runner = web.AppRunner(app, handler_cancellation=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}"
    [token, *_] = settings.api_tokens
    try:
        async with ClientSession(
            base_url=url,
            headers={"Authorization": f"Bearer {token.get_secret_value()}"},
            cookie_jar=CookieJar(unsafe=True),
        ) as client:
            yield Console(client, app, settings, url)
    finally:
        await runner.cleanup()


@pytest.fixture
async def new_page(browser_thread: BrowserThread, console: Console) -> AsyncIterator[NewPage]:
    """``await new_page(width=1280, height=800)``: a page in a browser context of its own
    (its own cookies: another agent), closed after the test.

    The pages must stay silent: a script error, a refused resource (the CSP) or anything
    written to the browser's console fails the test; the console must never log what it
    shows. Only the browser's own note of an HTTP error answer (a 409, a 401) is let through.
    """
    contexts: list[BrowserContext] = []
    noise: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if not message.text.startswith("Failed to load resource: the server responded"):
            noise.append(f"console.{message.type}: {message.text}")

    async def open_page(width: int = 1280, height: int = 800) -> Page:
        async def make() -> Page:
            context = await browser_thread.browser.new_context(
                viewport={"width": width, "height": height}, base_url=console.url
            )
            contexts.append(context)
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda error: noise.append(f"page error: {error}"))
            return page

        return await browser_thread(make())

    yield open_page

    async def close_all() -> None:
        for context in contexts:
            await context.close()

    await browser_thread(close_all())
    # The gateway waits for open handlers before it stops: let the sockets go first.
    hub = console.app[LIVE]
    for _ in range(100):
        if not hub.sockets:
            break
        await asyncio.sleep(0.05)
    await hub.close()
    assert noise == [], noise
