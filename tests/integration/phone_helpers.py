"""A debtor's phone on the stack's Twilio emulator, and the account it belongs to, for the
end-to-end tests that text or call Parley (test_twilio_e2e.py, test_transcription_e2e.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from shared import answers_after
from stack import BotStack
from twilio_emulator import TwilioEmulator, VoiceStep
from twilio_fixtures import PARLEY_NUMBER, STACK_PUBLIC_URL

CREDITOR = "Acme Bank"


async def new_account(http: aiohttp.ClientSession, stack: BotStack, ref: str, phone: str) -> None:
    body = {
        "creditor": CREDITOR,
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {
            "name": "Dana Debtor",
            "timezone": "America/Chicago",
            "postal_code": "60601",
            "date_of_birth": "1985-03-14",
        },
        "contacts": [
            {"channel": "sms", "address": phone, "consent": True},
            {"channel": "voice", "address": phone, "consent": True},
        ],
    }
    async with http.put(f"{stack.gateway_url}/v1/accounts/{ref}", json=body) as response:
        assert response.status in (200, 201), await response.text()


class Phone:
    """A debtor's handset on the emulator: texts Parley and reads what comes back."""

    def __init__(self, stack: BotStack, number: str) -> None:
        self.stack = stack
        self.number = number

    @property
    def emulator(self) -> TwilioEmulator:
        return self.stack.twilio.emulator

    async def _received(self) -> list[dict[str, Any]]:
        async def snapshot() -> list[dict[str, Any]]:
            return [m for m in self.emulator.messages.values() if m["to"] == self.number]

        return await self.stack.twilio.run(snapshot())

    async def text(self, body: str) -> list[str]:
        """Send ``body``; return the texts Parley sent back (through Twilio's REST API)."""
        before = len(await self._received())
        sent = await self.stack.twilio.run(
            self.emulator.send_inbound_sms(
                STACK_PUBLIC_URL + "/webhooks/twilio/sms",
                from_=self.number,
                to=PARLEY_NUMBER,
                body=body,
            )
        )
        assert sent.status == 200, sent.body
        return [m["body"] for m in await answers_after(self._received, before, body)]

    async def call(self) -> VoiceStep:
        """Ring Parley's number; the IVR's first TwiML comes back."""
        return await self.stack.twilio.run(
            self.emulator.start_inbound_call(
                STACK_PUBLIC_URL + "/webhooks/twilio/voice", from_=self.number, to=PARLEY_NUMBER
            )
        )


async def updates(http: aiohttp.ClientSession, stack: BotStack, ref: str) -> list[dict[str, Any]]:
    async with http.get(f"{stack.gateway_url}/v1/accounts/{ref}/updates") as response:
        return list((await response.json())["updates"])


async def delivered(stack: BotStack, update_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for request in stack.received:
            if request.json()["id"] == update_id:
                return dict(request.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"update {update_id} was not delivered")
