"""Fixtures for the Twilio tests: the emulator, and a gateway and worker configured to use it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient
from pydantic import HttpUrl, SecretStr
from redis.asyncio import Redis
from shared import Drainer
from twilio_emulator import TwilioEmulator

from gateway.config import Settings

T = TypeVar("T")
PUBLIC_URL = "https://parley.example.com"
PARLEY_NUMBER = "+13125550000"


@pytest.fixture
async def emulator() -> AsyncIterator[TwilioEmulator]:
    """A running Twilio emulator."""
    async with TwilioEmulator() as emu:
        yield emu


@pytest.fixture
def twilio_settings(settings: Settings, emulator: TwilioEmulator) -> Settings:
    """The test's settings with SMS and voice going through Twilio (the emulator)."""
    return settings.model_copy(update=through_emulator(emulator))


def through_emulator(emulator: TwilioEmulator) -> dict[str, Any]:
    """The settings that send SMS and calls through the real twilio SDK to ``emulator``."""
    return {
        "provider_sms": "twilio",
        "provider_voice": "twilio",
        "twilio_account_sid": emulator.account_sid,
        "twilio_auth_token": SecretStr(emulator.auth_token),
        "twilio_from": PARLEY_NUMBER,
        "twilio_base_url": HttpUrl(emulator.base_url),
        "public_url": HttpUrl(PUBLIC_URL),
        "rasa_timeout_seconds": 2.0,
    }


@pytest.fixture
async def twilio_client(twilio_settings: Settings, gateway: Any) -> TestClient[Any, Any]:
    """An authenticated client of a gateway on the Twilio settings."""
    client: TestClient[Any, Any] = await gateway(twilio_settings)
    return client


@pytest.fixture
def twilio_drain(twilio_settings: Settings, redis: Redis) -> Any:
    """``await twilio_drain()`` runs a worker on the Twilio settings until due jobs are done."""
    return Drainer(twilio_settings, redis)


class Webhooks:
    """Posts signed Twilio webhooks to the gateway under test, signed over the public URL."""

    def __init__(self, emulator: TwilioEmulator, client: TestClient[Any, Any]) -> None:
        self.emulator = emulator
        self.client = client

    def local(self, path_qs: str) -> str:
        """Where the gateway listens for ``path_qs``."""
        return str(self.client.make_url(path_qs))

    async def sms(self, body: str, *, from_: str, sid: str | None = None) -> Any:
        """Twilio delivering an SMS from ``from_``."""
        path = "/webhooks/twilio/sms"
        return await self.emulator.send_inbound_sms(
            self.local(path),
            from_=from_,
            to=PARLEY_NUMBER,
            body=body,
            public_url=PUBLIC_URL + path,
            message_sid=sid,
        )

    async def status(self, sid: str, status: str, *, error_code: int | None = None) -> Any:
        """Twilio reporting message ``sid`` at ``status`` to the callback given at create."""
        callback = str(self.emulator.messages[sid]["_status_callback"])
        path_qs = callback.removeprefix(PUBLIC_URL)
        return await self.emulator.send_status_callback(
            sid, status, url=self.local(path_qs), public_url=callback, error_code=error_code
        )


@pytest.fixture
def webhooks(emulator: TwilioEmulator, twilio_client: TestClient[Any, Any]) -> Webhooks:
    """Signed webhooks from the emulator to the gateway under test."""
    return Webhooks(emulator, twilio_client)


STACK_PUBLIC_URL = "https://parley-e2e.example"


class ThreadedEmulator:
    """The emulator on an event loop of its own thread, for the session-wide process stack.

    The stack outlives every test's event loop, so its Twilio cannot live on one of them.
    """

    def __init__(self) -> None:
        self.emulator = TwilioEmulator()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        """Start the loop and the emulator on it."""
        self._thread.start()
        self.call(self.emulator.start())

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run ``coroutine`` on the emulator's loop from synchronous code."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the emulator's loop from a test's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    def env(self) -> dict[str, str]:
        """The PARLEY_* variables that send the stack's SMS and calls to this emulator."""
        return {
            "PARLEY_PROVIDER_SMS": "twilio",
            "PARLEY_PROVIDER_VOICE": "twilio",
            "PARLEY_TWILIO_ACCOUNT_SID": self.emulator.account_sid,
            "PARLEY_TWILIO_AUTH_TOKEN": self.emulator.auth_token,
            "PARLEY_TWILIO_FROM": PARLEY_NUMBER,
            "PARLEY_TWILIO_BASE_URL": self.emulator.base_url,
            "PARLEY_PUBLIC_URL": STACK_PUBLIC_URL,
        }

    def stop(self) -> None:
        """Stop the emulator and its loop."""
        self.call(self.emulator.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
