"""Fixtures for the SendGrid tests: the emulator, a gateway and worker that send email through
it, and its webhooks posted to the gateway under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import HttpUrl, SecretStr
from redis.asyncio import Redis
from sendgrid_emulator import SendGridEmulator, SentMail, inbound_form
from shared import Drainer

from gateway.config import Settings

PUBLIC_URL = "https://parley.example.com"
PARLEY_ADDRESS = "collections@parley.example.com"
INBOUND_USER = "sendgrid"
INBOUND_PASSWORD = "inbound-parse-secret"


@pytest.fixture
def webhook_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed webhooks judged by the real clock: the emulator signs them now, while a test's
    own clock (``gateway.clock``) may stand anywhere."""
    from gateway.webhooks import sendgrid_auth

    monkeypatch.setattr(sendgrid_auth, "clock", _RealClock)


class _RealClock:
    @staticmethod
    def utcnow() -> datetime:
        return datetime.now(UTC)


@pytest.fixture
async def sendgrid() -> AsyncIterator[SendGridEmulator]:
    """A running SendGrid emulator."""
    async with SendGridEmulator() as emu:
        yield emu


@pytest.fixture
def email_settings(settings: Settings, sendgrid: SendGridEmulator) -> Settings:
    """The test's settings with email going through SendGrid (the emulator); Inbound Parse
    behind Basic credentials."""
    return settings.model_copy(
        update={
            "provider_email": "sendgrid",
            "sendgrid_api_key": SecretStr(sendgrid.api_key),
            "sendgrid_from": PARLEY_ADDRESS,
            "sendgrid_base_url": HttpUrl(sendgrid.base_url),
            "sendgrid_webhook_public_key": sendgrid.public_key_b64,
            "sendgrid_inbound_user": INBOUND_USER,
            "sendgrid_inbound_password": SecretStr(INBOUND_PASSWORD),
            "sendgrid_timeout_seconds": 2.0,
            "public_url": HttpUrl(PUBLIC_URL),
            "rasa_timeout_seconds": 2.0,
        }
    )


@pytest.fixture
async def email_client(email_settings: Settings, gateway: Any) -> TestClient[Any, Any]:
    """An authenticated client of a gateway on the SendGrid settings."""
    client: TestClient[Any, Any] = await gateway(email_settings)
    return client


@pytest.fixture
def email_drain(email_settings: Settings, redis: Redis) -> Drainer:
    """``await email_drain()`` runs a worker on the SendGrid settings until due jobs are done."""
    return Drainer(email_settings, redis)


def sendgrid_env(emulator: SendGridEmulator) -> dict[str, str]:
    """The PARLEY_* variables that send a process stack's email to ``emulator`` and let it post
    SendGrid's webhooks (events signed, Inbound Parse behind Basic credentials)."""
    return {
        "PARLEY_PROVIDER_EMAIL": "sendgrid",
        "PARLEY_SENDGRID_API_KEY": emulator.api_key,
        "PARLEY_SENDGRID_FROM": PARLEY_ADDRESS,
        "PARLEY_SENDGRID_BASE_URL": emulator.base_url,
        "PARLEY_SENDGRID_WEBHOOK_PUBLIC_KEY": emulator.public_key_b64,
        "PARLEY_SENDGRID_INBOUND_USER": INBOUND_USER,
        "PARLEY_SENDGRID_INBOUND_PASSWORD": INBOUND_PASSWORD,
    }


class SendGridWebhooks:
    """SendGrid's webhooks, posted by the emulator to the gateway under test."""

    def __init__(self, emulator: SendGridEmulator, client: TestClient[Any, Any]) -> None:
        self.emulator = emulator
        self.client = client

    def url(self, path: str) -> str:
        """Where the gateway listens for ``path``."""
        return str(self.client.make_url(path))

    async def events(self, events: list[dict[str, object]], **options: Any) -> int:
        """Post one signed Event Webhook batch; returns the gateway's status."""
        return await self.emulator.post_events(
            self.url("/webhooks/sendgrid/events"), events, **options
        )

    def event(self, mail: SentMail, kind: str, **fields: Any) -> dict[str, object]:
        """One event about ``mail``, as SendGrid would send it."""
        return self.emulator.event(mail, kind, **fields)

    async def email(
        self,
        text: str,
        *,
        from_: str,
        subject: str = "Re: Your Acme Bank account",
        basic: tuple[str, str] | None = (INBOUND_USER, INBOUND_PASSWORD),
        **options: Any,
    ) -> int:
        """An email from ``from_`` through Inbound Parse; returns the gateway's status."""
        body, content_type = inbound_form(
            from_=from_, to=PARLEY_ADDRESS, subject=subject, text=text, **options
        )
        return await self.emulator.post_inbound(
            self.url("/webhooks/sendgrid/inbound"), body, content_type, basic=basic
        )


@dataclass(frozen=True)
class EmailWorld:
    """A gateway and worker sending email through the SendGrid emulator, and its webhooks."""

    client: TestClient[Any, Any]
    settings: Settings
    drain: Drainer
    sendgrid: SendGridEmulator
    hooks: SendGridWebhooks


@pytest.fixture
def email(
    email_client: TestClient[Any, Any],
    email_settings: Settings,
    email_drain: Drainer,
    sendgrid: SendGridEmulator,
    sendgrid_webhooks: SendGridWebhooks,
) -> EmailWorld:
    """Everything an email test holds, in one."""
    return EmailWorld(email_client, email_settings, email_drain, sendgrid, sendgrid_webhooks)


@pytest.fixture
def sendgrid_webhooks(
    sendgrid: SendGridEmulator, email_client: TestClient[Any, Any]
) -> SendGridWebhooks:
    """SendGrid's webhooks from the emulator to the gateway under test."""
    return SendGridWebhooks(sendgrid, email_client)
