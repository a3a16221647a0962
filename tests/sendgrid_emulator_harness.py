"""What the SendGrid emulator's own tests share (test_sendgrid_emulator_*.py): the emulator, a
client session, and a mail built by the sendgrid SDK's Mail helper, sent and recorded."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sendgrid.helpers.mail import (  # type: ignore[import-untyped]
    CustomArg,
    From,
    Header,
    Mail,
    ReplyTo,
    To,
)
from sendgrid_emulator import (
    DEFAULT_API_KEY,
    SendGridEmulator,
    SentMail,
)

DEBTOR = "debtor@example.com"
TEXT_PLAIN = {"type": "text/plain", "value": "x"}
X_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{22}")
UNAUTHORIZED = {
    "errors": [
        {
            "field": None,
            "message": "The provided authorization grant is invalid, expired, or revoked",
            "help": None,
        }
    ]
}
DISCONNECTS = (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError)


@pytest.fixture(name="emulator")
async def emulator_fixture() -> AsyncIterator[SendGridEmulator]:
    """A running SendGrid emulator (this name shadows the Twilio one of the conftest)."""
    async with SendGridEmulator() as emu:
        yield emu


@pytest.fixture(name="session")
async def session_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def helper_mail() -> dict[str, Any]:
    """What the gateway will send: the ``sendgrid`` package's ``Mail(...).get()``."""
    mail = Mail(
        from_email=From("notices@parley.example", "Parley Notices"),
        to_emails=To(DEBTOR),
        subject="Your payment plan",
        plain_text_content="Your next payment is due on Friday.",
        html_content="<p>Your next payment is due on <b>Friday</b>.</p>",
    )
    mail.add_custom_arg(CustomArg("parley_message_id", "msg-42"))
    # A personalization's custom arg, merged with the top-level ones.
    mail.add_custom_arg(CustomArg("tenant", "acme", p=0))
    mail.add_header(Header("X-Parley-Message", "msg-42"))
    mail.reply_to = ReplyTo("replies@parse.parley.example", "Parley")
    body: dict[str, Any] = mail.get()
    return body


async def send(
    session: aiohttp.ClientSession,
    emulator: SendGridEmulator,
    body: object,
    *,
    authorization: str | None = f"Bearer {DEFAULT_API_KEY}",
    content_type: str = "application/json",
    patience: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` (bytes as they are, anything else as JSON) to Mail Send, waiting
    ``patience`` seconds at most; the status, headers and body of the answer."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with session.post(
        f"{emulator.base_url}/v3/mail/send",
        # A file object: aiohttp warns that a large bytes body blocks the loop.
        data=io.BytesIO(data),
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=patience),
    ) as response:
        return response.status, dict(response.headers), await response.read()


async def sent_mail(session: aiohttp.ClientSession, emulator: SendGridEmulator) -> SentMail:
    """A mail sent through the emulator, for events about it."""
    status, _, _ = await send(session, emulator, helper_mail())
    assert status == 202
    return emulator.sent[-1]


# -- Mail Send ------------------------------------------------------------------------------------
