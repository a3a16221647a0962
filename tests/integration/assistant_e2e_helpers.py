"""A debtor's phone and the stack's settings, shared by the assistant's end-to-end tests
(test_assistant_e2e.py, test_assistant_stack_e2e.py).

Both modules import the fixtures ``bot_stack_env`` and ``http`` (defined as ``http_session``):
the stack starts once per session, with the settings of whichever test asks for it first, so
every module of these tests asks for it with the same ones.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from stack import BotStack

from gateway.cli.chat_client import ChatSession

ZONE = "America/Chicago"
CREDITOR = "Acme Bank"
BALANCE = "432.10"
DOB = "03/14/1985"


@pytest.fixture(scope="session")
def bot_stack_env() -> dict[str, str]:
    # Quick retries while Rasa is away, and a long wait before a person takes over.
    return {
        "PARLEY_SEND_RETRY_BASE_SECONDS": "0.5",
        "PARLEY_BOT_UNAVAILABLE_ESCALATE_SECONDS": "900",
    }


class Debtor:
    """One debtor's phone: says things, returns what the assistant sent back."""

    def __init__(self, http: aiohttp.ClientSession, stack: BotStack, phone: str) -> None:
        self.out = io.StringIO()
        self.session = ChatSession(http, stack.gateway_url, self.out)
        self.phone = phone

    async def say(self, text: str) -> list[str]:
        start = len(self.out.getvalue())
        await self.session.say("sms", self.phone, text, wait=90)
        lines = self.out.getvalue()[start:].splitlines()
        assert not any(line.startswith("(no answer") for line in lines), lines
        return [line.removeprefix("bot> ") for line in lines if line.startswith("bot> ")]


@pytest.fixture(name="http")
async def http_session(bot_stack: BotStack) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {bot_stack.api_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


async def new_debtor(http: aiohttp.ClientSession, stack: BotStack, ref: str, phone: str) -> Debtor:
    body = {
        "creditor": CREDITOR,
        "collector_type": "third_party",
        "balance": {"amount": BALANCE, "currency": "USD"},
        "debtor": {
            "name": "Dana Debtor",
            "timezone": ZONE,
            "postal_code": "60601",
            "date_of_birth": "1985-03-14",
        },
        "contacts": [{"channel": "sms", "address": phone, "consent": True}],
    }
    async with http.put(f"{stack.gateway_url}/v1/accounts/{ref}", json=body) as response:
        assert response.status in (200, 201), await response.text()
    return Debtor(http, stack, phone)
