"""Accounts: upsert from core systems, the account lock, and invalidating a contact point."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, contact_points
from gateway.errors import NotFound
from gateway.records import audit
from gateway.records.account_input import AccountIn
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.consent import CONSUMER_SOURCES, record_consent

FLAGS = (
    "cease_communication",
    "disputed",
    "validation_recorded",
    "do_not_contact",
    "attorney_represented",
)


def first_name(debtor_name: str | None) -> str | None:
    """How templates, the assistant and canned responses address the debtor."""
    parts = (debtor_name or "").split()
    return parts[0] if parts else None


def identity_hash(key: bytes, account_ref: str, fact: str) -> str:
    """Keyed hash of an identity-check fact; the key keeps small spaces (birth dates) secret."""
    return hmac.new(key, f"{account_ref}\x00{fact}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class UpsertResult:
    account_id: int
    created: bool
    notes: tuple[str, ...]


async def find_account_id(conn: AsyncConnection, ref: str) -> int:
    """The internal id of an account, or NotFound."""
    account_id = await conn.scalar(select(accounts.c.id).where(accounts.c.account_ref == ref))
    if account_id is None:
        raise NotFound(f"no account {ref!r}", code="account_not_found")
    return int(account_id)


async def upsert_account(
    conn: AsyncConnection, ref: str, body: AccountIn, *, now: datetime, identity_key: bytes
) -> UpsertResult:
    """Create or update an account, its contact points and their consent, with audit rows."""
    values: dict[str, Any] = {
        "creditor": body.creditor,
        "collector_type": body.collector_type,
        "balance_amount": body.balance.amount,
        "currency": body.balance.currency,
        "debtor_name": body.debtor.name,
        "language": body.debtor.language,
        "timezone": body.debtor.timezone,
        "postal_code": body.debtor.postal_code,
        "updated_at": now,
    }
    if body.debtor.date_of_birth is not None:
        values["dob_hash"] = identity_hash(identity_key, ref, body.debtor.date_of_birth.isoformat())
    if body.flags is not None:
        values.update(body.flags.model_dump())
    values["time_barred"] = body.time_barred
    values["limitations_date"] = body.limitations_date
    values["itemization"] = (
        None if body.itemization is None else body.itemization.model_dump(mode="json")
    )
    if body.validation_provided_at is not None:
        values["validation_provided_at"] = body.validation_provided_at
        values["validation_source"] = "core"

    existing = (await conn.execute(select(accounts).where(accounts.c.account_ref == ref))).first()
    chain = account_chain(ref)
    entries: list[AuditEntry] = []
    if existing is None:
        account_id = int(
            await conn.scalar(
                insert(accounts)
                .values(account_ref=ref, created_at=now, **{f: False for f in FLAGS} | values)
                .returning(accounts.c.id)
            )
        )
        entries.append(AuditEntry(chain, "account.created", now, _public(values), ref))
    else:
        account_id = existing.id
        changed = {
            k: v for k, v in values.items() if k != "updated_at" and getattr(existing, k) != v
        }
        await conn.execute(update(accounts).where(accounts.c.id == account_id).values(values))
        if changed:
            entries.append(AuditEntry(chain, "account.updated", now, _public(changed), ref))
        held = {f: (getattr(existing, f), values[f]) for f in FLAGS if f in changed}
        if held:
            entries.append(AuditEntry(chain, "hold.changed", now, {"flags": held}, ref))

    notes = await _sync_contacts(conn, account_id, ref, body, now, entries)
    await audit.append(conn, entries)
    return UpsertResult(account_id, existing is None, tuple(notes))


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in {"dob_hash", "updated_at"}}


async def _sync_contacts(
    conn: AsyncConnection,
    account_id: int,
    ref: str,
    body: AccountIn,
    now: datetime,
    entries: list[AuditEntry],
) -> list[str]:
    rows = {
        (r.channel, r.address): r
        for r in await conn.execute(
            select(contact_points).where(contact_points.c.account_id == account_id)
        )
    }
    listed = set()
    notes = []
    for position, contact in enumerate(body.contacts):
        key = (contact.channel, contact.address)
        listed.add(key)
        row = rows.get(key)
        described = {
            "position": position,
            "provenance": contact.provenance,
            "work_address": contact.work_address,
            "reassigned_check_at": contact.reassigned_check_at,
        }
        if row is None:
            await conn.execute(
                insert(contact_points).values(
                    account_id=account_id,
                    channel=contact.channel,
                    address=contact.address,
                    created_at=now,
                    **described,
                )
            )
            current, current_source = "missing", None
        else:
            await conn.execute(
                update(contact_points)
                .where(contact_points.c.id == row.id)
                .values(active=True, **described)
            )
            current, current_source = row.consent, row.consent_source
        action = _consent_change(contact.consent, current, current_source)
        if action == "kept_revoked":
            notes.append(
                f"consent for {contact.channel} {contact.address} stays revoked: the consumer "
                "revoked it and only the consumer or an agent can grant it again"
            )
        elif action is not None:
            entries.append(
                await record_consent(
                    conn,
                    account_id=account_id,
                    account_ref=ref,
                    channel=contact.channel,
                    address=contact.address,
                    action=action,
                    source=contact.consent_source or "api",
                    at=now,
                )
            )
    for key, row in rows.items():
        if key not in listed and row.active:
            await conn.execute(
                update(contact_points).where(contact_points.c.id == row.id).values(active=False)
            )
    return notes


def _consent_change(wanted: bool, current: str, source: str | None) -> str | None:
    if wanted and current != "granted":
        if current == "revoked" and source in CONSUMER_SOURCES:
            return "kept_revoked"
        return "granted"
    if not wanted and current == "granted":
        return "revoked"
    return None


async def hold_account(conn: AsyncConnection, account_id: int) -> None:
    """Serialise this transaction with every other change of the account (see lock_account),
    without reading anything: on SQLite the transaction holds the database's write lock
    already, so only PostgreSQL needs a statement."""
    if conn.dialect.name == "postgresql":
        await lock_account(conn, account_id)


async def lock_account(conn: AsyncConnection, account_id: int) -> Any:
    """Lock the account row for this transaction (PostgreSQL; SQLite's writers are serial).

    Every change that can stop a send (consent, holds, updates) and every send-time policy
    check takes this lock first, so a check never acts on facts another transaction is changing.
    Returns the hold flags that writers of updates need.
    """
    query = select(
        accounts.c.disputed,
        accounts.c.validation_recorded,
        accounts.c.collector_type,
        accounts.c.timezone,
        accounts.c.postal_code,
        accounts.c.validation_provided_at,
    ).where(accounts.c.id == account_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"no account with id {account_id}", code="account_not_found")
    return row


async def invalidate_contact(
    conn: AsyncConnection,
    *,
    account_id: int,
    account_ref: str,
    channel: str,
    address: str,
    reason: str,
    now: datetime,
) -> AuditEntry:
    """Mark a contact point unusable (nothing is sent there again); returns its audit entry."""
    await conn.execute(
        update(contact_points)
        .where(
            contact_points.c.account_id == account_id,
            contact_points.c.channel == channel,
            contact_points.c.address == address,
        )
        .values(valid=False)
    )
    return AuditEntry(
        account_chain(account_ref),
        "contact_point.invalidated",
        now,
        {"channel": channel, "address": address, "reason": reason},
        f"{channel}:{address}",
    )
