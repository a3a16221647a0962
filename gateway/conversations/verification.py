"""Checking who is on the other end: one verification fact, a few attempts, then a person."""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import clock
from gateway.config import Settings
from gateway.conversations.handoff import hand_off
from gateway.conversations.store import HUMAN_STATES, load_conversation
from gateway.conversations.update_data import Terms
from gateway.db.tables import conversations
from gateway.normalize import local_today, parse_date_of_birth, parse_zip
from gateway.records import audit
from gateway.records.accounts import identity_hash
from gateway.records.audit import AuditEntry, account_chain
from policies import candidate_zones
from policies.channels import PHONE_CHANNELS


async def verify_identity(
    conn: AsyncConnection,
    conversation: Any,
    value: str,
    settings: Settings,
    now: datetime,
    *,
    turn_running: bool = False,
) -> tuple[str, Any, list[int]]:
    """Check ``value`` against the account's verification fact (a keyed-hash compare).

    Returns the outcome (verified | mismatch | unparsed | locked), the conversation as it is
    now, and the ids of updates recorded (a handoff once the attempts are used up).
    ``turn_running``: the assistant asks in the middle of a turn (see ``escalate``).
    """
    if conversation.verified_at is not None:
        return "verified", conversation, []
    if attempts_left(conversation, settings) == 0 or conversation.state in HUMAN_STATES:
        return "locked", conversation, []
    presented = fact_hash(value, conversation, settings)
    if presented is None:
        return "unparsed", conversation, []
    expected = expected_hash(conversation, settings)
    matched = expected is not None and hmac.compare_digest(presented, expected)
    values: dict[str, Any] = {"updated_at": now}
    if matched:
        values["verified_at"] = now
    else:
        values["verify_attempts"] = conversation.verify_attempts + 1
    await conn.execute(
        update(conversations).where(conversations.c.id == conversation.id).values(**values)
    )
    event = "identity.verified" if matched else "identity.mismatch"
    await audit_conversation(conn, conversation, event, now)
    conversation = await load_conversation(conn, conversation.id)
    if matched:
        return "verified", conversation, []
    if expected is not None and attempts_left(conversation, settings) > 0:
        return "mismatch", conversation, []
    # No fact on file to check against counts as a failed check: a person verifies.
    reason = "identity_not_verified" if expected else "identity_fact_missing"
    updates = await hand_off(conn, conversation, reason=reason, now=now, turn_running=turn_running)
    return "locked", await load_conversation(conn, conversation.id), updates


def attempts_left(conversation: Any, settings: Settings) -> int:
    """How many more tries the debtor has before a person must verify them."""
    return max(0, settings.bot_verify_attempts - int(conversation.verify_attempts))


def fact_hash(value: str, conversation: Any, settings: Settings) -> str | None:
    """The keyed hash of what the debtor gave, or None when it is not a fact of that kind."""
    if conversation.account_ref is None:
        return None
    if settings.bot_verification_fact == "date_of_birth":
        born = parse_date_of_birth(value, terms_for(conversation, settings).today)
        fact = born.isoformat() if born else None
    else:
        fact = parse_zip(value)
    if fact is None:
        return None
    key = settings.identity_key.get_secret_value().encode()
    return identity_hash(key, conversation.account_ref, fact)


def expected_hash(conversation: Any, settings: Settings) -> str | None:
    """The keyed hash of the fact on file, or None when the account has none."""
    if conversation.account_ref is None:
        return None
    if settings.bot_verification_fact == "date_of_birth":
        return conversation.dob_hash  # type: ignore[no-any-return]
    if not conversation.postal_code:
        return None
    key = settings.identity_key.get_secret_value().encode()
    return identity_hash(key, conversation.account_ref, conversation.postal_code[:5])


def terms_for(conversation: Any, settings: Settings) -> Terms:
    """Dates are relative to the debtor's last message, in the debtor's time zone."""
    written_at = conversation.last_inbound_at or clock.utcnow()
    return Terms(
        today=local_today(written_at, debtor_zone(conversation)),
        balance=Decimal(conversation.balance_amount or "0"),
        currency=conversation.currency or "USD",
        horizon_days=settings.bot_date_horizon_days,
    )


def debtor_zone(conversation: Any) -> str:
    """The debtor's time zone: declared, else from ZIP or phone number, else the first US one."""
    if conversation.timezone:
        return str(conversation.timezone)
    phones = (conversation.address,) if conversation.channel in PHONE_CHANNELS else ()
    try:
        return candidate_zones((), conversation.postal_code, phones)[0]
    except ValueError:
        return candidate_zones((), None, ())[0]


async def audit_conversation(
    conn: AsyncConnection, conversation: Any, event: str, now: datetime
) -> None:
    """An audit row about the conversation, in its account's chain."""
    if conversation.account_ref is not None:
        entry = AuditEntry(account_chain(conversation.account_ref), event, now, {}, conversation.id)
        await audit.append(conn, [entry])
