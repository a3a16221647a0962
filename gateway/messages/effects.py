"""What a provider's refusal teaches about a contact point, recorded for every later decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import Effect
from gateway.records.accounts import invalidate_contact
from gateway.records.audit import AuditEntry
from gateway.records.consent import record_consent


async def record_effect(
    conn: AsyncConnection,
    effect: Effect | None,
    *,
    code: str,
    account_id: int,
    account_ref: str,
    channel: str,
    address: str,
    now: datetime,
    evidence: str,
) -> list[AuditEntry]:
    """Revoke consent (the carrier says the recipient opted out) or invalidate the number.

    ``code`` is the provider's error code, kept as evidence. Returns the audit entries to
    append in the caller's transaction; none when the error says nothing about the contact.
    """
    if effect == "opted_out":
        entry = await record_consent(
            conn,
            account_id=account_id,
            account_ref=account_ref,
            channel=channel,
            address=address,
            action="revoked",
            source="provider",
            at=now,
            evidence=f"{code}:{evidence}",
        )
    elif effect == "invalid_contact":
        entry = await invalidate_contact(
            conn,
            account_id=account_id,
            account_ref=account_ref,
            channel=channel,
            address=address,
            reason=f"provider_{code}",
            now=now,
        )
    else:
        return []
    return [entry]
