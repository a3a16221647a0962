"""Per-message unsubscribe links for email (12 CFR 1006.6(e); RFC 8058 one-click).

Every email carries a link to ``/unsubscribe/<token>``, visible in the text and in the
``List-Unsubscribe`` header. The token is the message id and a keyed MAC of it, so nothing is
stored to mint one and nobody can forge one for another message. What it unsubscribes is the
address that message went to, on every account that has it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.db.tables import messages
from gateway.records import audit
from gateway.records.consent import revoke_address

PREFIX = "/unsubscribe"
SOURCE = "unsubscribe_link"
# A message id that stands for the one not minted yet (the decision before the send).
PREVIEW_MESSAGE_ID = "msg_preview"
_MAC_CHARS = 27  # 160 bits of the SHA-256 MAC, base64url


def _mac(settings: Settings, message_id: str) -> str:
    key = settings.unsubscribe_key.get_secret_value().encode()
    digest = hmac.new(key, b"unsubscribe\x00" + message_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:_MAC_CHARS]


def unsubscribe_token(settings: Settings, message_id: str) -> str:
    """The token of ``message_id``'s link."""
    return f"{message_id}.{_mac(settings, message_id)}"


def unsubscribe_url(settings: Settings, message_id: str) -> str:
    """The public address of ``message_id``'s unsubscribe link."""
    return settings.public_endpoint(f"{PREFIX}/{unsubscribe_token(settings, message_id)}")


def message_of(settings: Settings, token: str) -> str | None:
    """The message a token was minted for; None when it is not one of ours."""
    message_id, dot, mac = token.rpartition(".")
    if not dot or not message_id or len(token) > 200:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(settings, message_id).encode()):
        return None
    return message_id


@dataclass(frozen=True, slots=True)
class Recipient:
    """The address a message went to, shown masked on the page."""

    address: str

    @property
    def masked(self) -> str:
        """``d***@example.com``: enough to recognise, not enough to harvest."""
        local, _, domain = self.address.partition("@")
        return f"{local[:1]}***@{domain}"


async def recipient(conn: AsyncConnection, message_id: str) -> Recipient | None:
    """Where the email went; None for a message that is not an email we sent."""
    address = await conn.scalar(
        select(messages.c.address).where(
            messages.c.id == message_id,
            messages.c.direction == "outbound",
            messages.c.channel == "email",
        )
    )
    return None if address is None else Recipient(address)


async def unsubscribe(
    conn: AsyncConnection, found: Recipient, message_id: str, now: datetime
) -> int:
    """Revoke email consent for the address message ``message_id`` went to (``found``) at once;
    returns how many contact points changed (0 when they were revoked already)."""
    entries = await revoke_address(
        conn, channel="email", address=found.address, source=SOURCE, at=now, evidence=message_id
    )
    await audit.append(conn, entries)
    return len(entries)
