"""The consent ledger: append-only events, with the current state cached on the contact point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, consent_events, contact_points
from gateway.records.audit import AuditEntry, account_chain

# Revocations the consumer made themselves: a core system's routine sync saying
# "consent: true" must not silently undo them; only the consumer (START) or an agent can.
CONSUMER_SOURCES = frozenset({"keyword", "provider", "unsubscribe_link", "portal", "transcript"})


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


async def revoke_address(
    conn: AsyncConnection,
    *,
    channel: str,
    address: str,
    source: str,
    at: datetime,
    evidence: str | None = None,
) -> list[AuditEntry]:
    """Revoke consent for ``address`` on every account that has it: whoever owns the address
    asked for nothing more there (an unsubscribe names the address, not a debt). Contact
    points already revoked are left as they are, so a repeated request records nothing.
    Addresses match without regard to case: providers report email addresses lowercased."""
    rows = await conn.execute(
        select(accounts.c.id, accounts.c.account_ref, contact_points.c.address)
        .join(contact_points, contact_points.c.account_id == accounts.c.id)
        .where(
            contact_points.c.channel == channel,
            func.lower(contact_points.c.address) == address.lower(),
            contact_points.c.consent != "revoked",
        )
        .order_by(accounts.c.id)
    )
    return [
        await record_consent(
            conn,
            account_id=row.id,
            account_ref=row.account_ref,
            channel=channel,
            address=row.address,
            action="revoked",
            source=source,
            at=at,
            evidence=evidence,
        )
        for row in rows.all()
    ]
