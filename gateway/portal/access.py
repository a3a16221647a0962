"""The identity check behind a portal link: the same fact and keyed-hash compare as the bot's.

Every session starts with the check, even on a link that was answered before: a forwarded link
must not open the account for whoever holds it. Wrong answers are counted on the link; when
``PARLEY_BOT_VERIFY_ATTEMPTS`` are used up the link is locked and handed to agents. A right
answer records a right-party contact and opens the link's web-chat conversation (verified, so
the assistant does not ask again).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.handoff import hand_off
from gateway.conversations.store import OPEN_STATES, load_conversation, open_conversation
from gateway.conversations.verification import expected_hash, fact_hash
from gateway.db.tables import accounts, conversations, portal_links
from gateway.records import audit
from gateway.records.accounts import hold_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact

LOCK_REASON = "portal_identity_not_verified"


@dataclass(frozen=True, slots=True)
class _Subject:
    """What the verification helpers read of a conversation, for an account with none yet."""

    account_ref: str
    timezone: str | None
    postal_code: str | None
    dob_hash: str | None
    balance_amount: str
    currency: str
    channel: str = "chat"
    address: None = None
    last_inbound_at: None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What an answer did: ``outcome`` verified | mismatch | unparsed | locked, the link's
    conversation once verified, attempts left, and updates to deliver (a lock's handoff)."""

    outcome: str
    conversation_id: str | None = None
    attempts_left: int = 0
    updates: tuple[int, ...] = ()


async def check_answer(
    conn: AsyncConnection, link: Any, value: str, settings: Settings, now: datetime
) -> CheckResult:
    """Check ``value`` against the account's fact for ``link`` (locked by the caller)."""
    await hold_account(conn, link.account_id)
    row = (
        await conn.execute(
            select(
                accounts.c.account_ref,
                accounts.c.timezone,
                accounts.c.postal_code,
                accounts.c.dob_hash,
                accounts.c.balance_amount,
                accounts.c.currency,
            ).where(accounts.c.id == link.account_id)
        )
    ).one()
    subject = _Subject(**row._mapping)
    presented = fact_hash(value, subject, settings)
    left = settings.bot_verify_attempts - int(link.attempts)
    if presented is None:
        return CheckResult("unparsed", attempts_left=left)
    expected = expected_hash(subject, settings)
    if expected is not None and hmac.compare_digest(presented, expected):
        conversation_id = await _verified(conn, link, now)
        return CheckResult("verified", conversation_id=conversation_id)
    attempts = int(link.attempts) + 1
    values: dict[str, Any] = {"attempts": attempts}
    # No fact on file to check against counts as a failed check: a person verifies.
    locked = expected is None or attempts >= settings.bot_verify_attempts
    if locked:
        values["locked_at"] = now
    await conn.execute(update(portal_links).where(portal_links.c.id == link.id).values(**values))
    event = "portal_link.locked" if locked else "portal_link.mismatch"
    await _audit(conn, link, event, now, {"attempts": attempts})
    if not locked:
        return CheckResult("mismatch", attempts_left=settings.bot_verify_attempts - attempts)
    conversation_id = await _conversation(conn, link, now, verified=False)
    conversation = await load_conversation(conn, conversation_id, lock=True)
    updates = await hand_off(conn, conversation, reason=LOCK_REASON, now=now)
    return CheckResult("locked", conversation_id=conversation_id, updates=tuple(updates))


async def _verified(conn: AsyncConnection, link: Any, now: datetime) -> str:
    conversation_id = await _conversation(conn, link, now, verified=True)
    await conn.execute(
        update(portal_links)
        .where(portal_links.c.id == link.id)
        .values(attempts=0, verified_at=now, conversation_id=conversation_id)
    )
    # The debtor proved who they are to us: a right-party contact in the account's history.
    await record_contact(
        conn,
        account_id=link.account_id,
        channel="chat",
        direction="inbound",
        at=now,
        outcome="conversation",
        address=None,
        message_id=None,
    )
    await _audit(conn, link, "portal.verified", now, {"conversation_id": conversation_id})
    return conversation_id


async def _conversation(conn: AsyncConnection, link: Any, now: datetime, *, verified: bool) -> str:
    """The link's open web-chat conversation, or a new one (history survives a new session)."""
    if link.conversation_id is not None:
        state = await conn.scalar(
            select(conversations.c.state).where(conversations.c.id == link.conversation_id)
        )
        if state in OPEN_STATES:
            if verified:
                await conn.execute(
                    update(conversations)
                    .where(conversations.c.id == link.conversation_id)
                    .values(verified_at=now, updated_at=now)
                )
            return str(link.conversation_id)
    conversation_id = await open_conversation(
        conn,
        account_id=link.account_id,
        channel="chat",
        address=None,
        now=now,
        verified_at=now if verified else None,
    )
    await conn.execute(
        update(portal_links)
        .where(portal_links.c.id == link.id)
        .values(conversation_id=conversation_id)
    )
    return conversation_id


async def _audit(
    conn: AsyncConnection, link: Any, event: str, now: datetime, payload: dict[str, Any]
) -> None:
    entry = AuditEntry(account_chain(link.account_ref), event, now, payload, link.id)
    await audit.append(conn, [entry])
