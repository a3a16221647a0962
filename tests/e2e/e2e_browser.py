"""Chromium for the browser tests, on a thread of its own (see conftest.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from playwright.async_api import Browser, Page, Playwright, async_playwright

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000


class BrowserThread:
    """Async Playwright on a loop of its own thread; ``await thread(coro)`` runs a coroutine of
    Playwright calls there and hands back its result to the calling loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="playwright", daemon=True)
        self.thread.start()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def __call__(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    def start(self) -> None:
        async def launch() -> tuple[Playwright, Browser]:
            playwright = await async_playwright().start()
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            return playwright, browser

        self._playwright, self._browser = self._submit(launch()).result(timeout=60)

    @property
    def browser(self) -> Browser:
        assert self._browser is not None
        return self._browser

    def stop(self) -> None:
        async def close() -> None:
            if self._browser is not None:
                await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()
            current = asyncio.current_task()
            rest = [task for task in asyncio.all_tasks() if task is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        try:
            self._submit(close()).result(timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)
            self.loop.close()


NewPage = Callable[..., Awaitable[Page]]
