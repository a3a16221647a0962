"""Email end to end: the process stack (gateway, two workers, real Rasa and actions) reading a
debtor's email through SendGrid's Inbound Parse and answering by email through the Mail Send
API, in the debtor's thread, until a promise reaches the core system."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from sendgrid_emulator import SendGridEmulator, SentMail, inbound_form
from sendgrid_fixtures import INBOUND_PASSWORD, INBOUND_USER, PARLEY_ADDRESS
from shared import answers_after
from stack import BotStack

CREDITOR = "Acme Bank"


class Mailbox:
    """A debtor's mailbox: writes to Parley through Inbound Parse, reads what Parley sent."""

    def __init__(self, stack: BotStack, address: str) -> None:
        assert stack.sendgrid is not None
        self.stack = stack
        self.sendgrid: SendGridEmulator = stack.sendgrid
        self.address = address
        self.written = 0

    async def _received(self) -> list[SentMail]:
        async def snapshot() -> list[SentMail]:
            return [m for m in self.sendgrid.sent if self.address in m.to]

        return await self.stack.twilio.run(snapshot())

    async def write(self, text: str, subject: str = "Re: Your Acme Bank account") -> list[SentMail]:
        """Send an email with quoted history below ``text``; the emails Parley sent back."""
        before = len(await self._received())
        self.written += 1
        message_id = f"<debtor-{self.written}-{time.monotonic_ns()}@mail.example>"
        quoted = f"{text}\n\nOn Mon, Mar 9, 2026 Parley wrote:\n> earlier text\n> more of it\n"
        body, content_type = inbound_form(
            from_=f"Dana Debtor <{self.address}>",
            to=PARLEY_ADDRESS,
            subject=subject,
            text=quoted,
            message_id=message_id,
        )
        status = await self.stack.twilio.run(
            self.sendgrid.post_inbound(
                f"{self.stack.gateway_url}/webhooks/sendgrid/inbound",
                body,
                content_type,
                basic=(INBOUND_USER, INBOUND_PASSWORD),
            )
        )
        assert status == 200
        replies = await answers_after(self._received, before, text)
        for reply in replies:
            assert reply.headers["In-Reply-To"] == message_id
            assert reply.subject == subject
        return replies


async def test_a_conversation_by_email_ends_in_a_promise_delivered_to_the_core_system(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    box = Mailbox(bot_stack, "dana.email@example.com")
    body: dict[str, Any] = {
        "creditor": CREDITOR,
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {
            "name": "Dana Debtor",
            "timezone": "America/Chicago",
            "postal_code": "60601",
            "date_of_birth": "1985-03-14",
        },
        "contacts": [{"channel": "email", "address": box.address, "consent": True}],
    }
    async with http.put(f"{bot_stack.gateway_url}/v1/accounts/SG-PROMISE", json=body) as response:
        assert response.status in (200, 201), await response.text()

    asked = [m.text for m in await box.write("hi")]
    assert any("date of birth" in text for text in asked), asked
    assert not any(CREDITOR in text for text in asked)
    verified = [m.text for m in await box.write("03/14/1985")]
    assert any("verified" in text for text in verified), verified
    assert any("attempt to collect a debt" in text for text in verified), verified
    read_back = [m.text for m in await box.write("I can pay fifty bucks next friday")]
    assert any("$50.00" in text for text in read_back), read_back
    recorded = await box.write("yes")
    assert any("recorded your promise" in m.text for m in recorded)
    assert all("/unsubscribe/" in m.headers["List-Unsubscribe"] for m in recorded)

    async with http.get(f"{bot_stack.gateway_url}/v1/accounts/SG-PROMISE/updates") as response:
        updates = (await response.json())["updates"]
    (promise,) = [u for u in updates if u["kind"] == "promise_to_pay"]
    assert promise["data"]["amount"] == "50.00"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(r.json()["id"] == promise["id"] for r in bot_stack.received):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the promise was not delivered to the core system")
