"""What a provider's refusal teaches about a contact point, recorded for every later decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import ProviderError
from gateway.accounts import invalidate_contact
from gateway.audit import AuditEntry
from gateway.consent import record_consent


async def record_effect(
    conn: AsyncConnection,
    exc: ProviderError,
    *,
    account_id: int,
    account_ref: str,
    channel: str,
    address: str,
    now: datetime,
    evidence: str,
) -> list[AuditEntry]:
    """Revoke consent (the carrier says the recipient opted out) or invalidate the number.

    Returns the audit entries to append in the caller's transaction; none when the error
    says nothing about the contact point.
    """
    if exc.effect == "opted_out":
        entry = await record_consent(
            conn,
            account_id=account_id,
            account_ref=account_ref,
            channel=channel,
            address=address,
            action="revoked",
            source="provider",
            at=now,
            evidence=f"{exc.code}:{evidence}",
        )
    elif exc.effect == "invalid_contact":
        entry = await invalidate_contact(
            conn,
            account_id=account_id,
            account_ref=account_ref,
            channel=channel,
            address=address,
            reason=f"provider_{exc.code}",
            now=now,
        )
    else:
        return []
    return [entry]
