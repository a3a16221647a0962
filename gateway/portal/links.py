"""Signed links into the debtor portal: minted for an account, kept only as a hash, revocable.

A link's token is 192 random bits; the database keeps its SHA-256, so neither a copy of the
table nor a log line (tokens are never logged) can be turned back into a working link. A link
opens nothing by itself: behind it the debtor proves who they are (``gateway.portal.access``),
and too many wrong answers lock it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.config import Settings
from gateway.db.tables import accounts, portal_links
from gateway.ids import new_id
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain

PREFIX = "/portal"
_TOKEN_BYTES = 24
_TOKEN_CHARS = 32  # base64url of 24 bytes
# Anything much longer than a token we mint is not ours, and is not even hashed.
_MAX_TOKEN_CHARS = 64


@dataclass(frozen=True, slots=True)
class MintedLink:
    """A new link: its address (holding the token, shown once) and when it stops working."""

    id: str
    url: str
    expires_at: datetime


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def portal_url(settings: Settings, token: str) -> str:
    """The public address of a link: PARLEY_PUBLIC_URL, never the Host header of a request."""
    return settings.public_endpoint(f"{PREFIX}/{token}")


def preview_portal_url(settings: Settings) -> str:
    """A link's address as a decision before the send sees it: as long as a real one, and
    opening nothing."""
    return portal_url(settings, "0" * _TOKEN_CHARS)


async def mint_link(
    conn: AsyncConnection,
    *,
    account_id: int,
    account_ref: str,
    settings: Settings,
    now: datetime,
    hours: int | None = None,
    message_id: str | None = None,
) -> MintedLink:
    """Store a new link for the account and return it (its token exists only in the URL).

    ``message_id``: the message that will carry it, stored already (``attach_message`` names it
    once stored)."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    link_id = new_id("plk")
    expires_at = now + timedelta(hours=hours or settings.portal_link_hours)
    await conn.execute(
        portal_links.insert().values(
            id=link_id,
            account_id=account_id,
            token_hash=token_hash(token),
            message_id=message_id,
            attempts=0,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await _audit(
        conn, account_ref, "portal_link.created", now, link_id, {"expires_at": iso(expires_at)}
    )
    return MintedLink(link_id, portal_url(settings, token), expires_at)


async def attach_message(conn: AsyncConnection, link_id: str, message_id: str) -> None:
    """Record which message carries the link (stored after the link, since it holds its URL)."""
    await conn.execute(
        update(portal_links).where(portal_links.c.id == link_id).values(message_id=message_id)
    )


async def revoke_links(
    conn: AsyncConnection, *, account_id: int, account_ref: str, now: datetime
) -> int:
    """Revoke every live link of the account; returns how many were live."""
    result = await conn.execute(
        update(portal_links)
        .where(
            portal_links.c.account_id == account_id,
            portal_links.c.revoked_at.is_(None),
            portal_links.c.expires_at > now,
        )
        .values(revoked_at=now)
    )
    if result.rowcount:
        await _audit(
            conn, account_ref, "portal_link.revoked", now, None, {"links": result.rowcount}
        )
    return int(result.rowcount)


async def usable_link(
    conn: AsyncConnection, token: str, now: datetime, *, lock: bool = False
) -> Any:
    """The link of ``token`` with its account's ref, if it may still be used; None for an
    unknown, expired, revoked or locked one (callers answer all of them alike).

    ``lock`` takes the link's row lock on PostgreSQL, so answers to one link are counted in turn.
    """
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    query = (
        select(portal_links, accounts.c.account_ref)
        .join(accounts, accounts.c.id == portal_links.c.account_id)
        .where(portal_links.c.token_hash == token_hash(token))
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=portal_links)
    row = (await conn.execute(query)).first()
    if row is None or row.revoked_at is not None or row.locked_at is not None:
        return None
    return row if row.expires_at > now else None


async def _audit(
    conn: AsyncConnection,
    account_ref: str,
    event: str,
    now: datetime,
    subject: str | None,
    payload: dict[str, Any],
) -> None:
    await audit.append(conn, [AuditEntry(account_chain(account_ref), event, now, payload, subject)])
