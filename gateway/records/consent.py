"""The consent ledger: append-only events, with the current state cached on the contact point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import consent_events, contact_points
from gateway.records.audit import AuditEntry, account_chain

# Revocations the consumer made themselves: a core system's routine sync saying
# "consent: true" must not silently undo them; only the consumer (START) or an agent can.
CONSUMER_SOURCES = frozenset({"keyword", "provider"})


async def record_consent(
    conn: AsyncConnection,
    *,
    account_id: int,
    account_ref: str,
    channel: str,
    address: str,
    action: str,
    source: str,
    at: datetime,
    evidence: str | None = None,
) -> AuditEntry:
    """Append a granted/revoked event and update the contact point; returns its audit entry."""
    assert action in {"granted", "revoked"}
    await conn.execute(
        insert(consent_events).values(
            account_id=account_id,
            channel=channel,
            address=address,
            action=action,
            source=source,
            evidence=evidence,
            at=at,
        )
    )
    await conn.execute(
        update(contact_points)
        .where(
            contact_points.c.account_id == account_id,
            contact_points.c.channel == channel,
            contact_points.c.address == address,
        )
        .values(consent=action, consent_source=source, consent_at=at)
    )
    return AuditEntry(
        chain_key=account_chain(account_ref),
        event=f"consent.{action}",
        at=at,
        subject=f"{channel}:{address}",
        payload={"channel": channel, "address": address, "source": source, "evidence": evidence},
    )
