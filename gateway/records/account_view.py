"""An account as the API shows it: consent per contact point, holds, recent contact counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.db.tables import accounts, contact_events, contact_points
from gateway.errors import NotFound
from gateway.outreach.rulesets import ruleset_for
from gateway.records.accounts import FLAGS
from gateway.records.validation import validation_view
from policies.channels import ADDRESSED_CHANNELS


def holds(row: Any) -> list[str]:
    """The holds in force, named by the policy rule that enforces them."""
    active = [
        f
        for f in ("cease_communication", "do_not_contact", "attorney_represented")
        if getattr(row, f)
    ]
    if row.disputed and not row.validation_recorded:
        active.append("dispute_hold")
    return active


async def account_view(
    conn: AsyncConnection, ref: str, *, now: datetime, ruleset_override: str | None = None
) -> dict[str, Any]:
    """The account as the API shows it: consent per contact point, holds, recent contacts,
    the validation-notice clock."""
    row = (await conn.execute(select(accounts).where(accounts.c.account_ref == ref))).first()
    if row is None:
        raise NotFound(f"no account {ref!r}", code="account_not_found")
    contacts = await conn.execute(
        select(contact_points)
        .where(contact_points.c.account_id == row.id, contact_points.c.active.is_(True))
        .order_by(contact_points.c.position, contact_points.c.id)
    )
    counts: dict[str, dict[str, int]] = {}
    for window in (1, 7, 30):
        since = now - timedelta(days=window)
        result = await conn.execute(
            select(contact_events.c.channel, func.count())
            .where(
                contact_events.c.account_id == row.id,
                contact_events.c.direction == "outbound",
                contact_events.c.at >= since,
            )
            .group_by(contact_events.c.channel)
        )
        for channel, count in result:
            counts.setdefault(channel, {})[f"{window}d"] = count
    return {
        "account_ref": row.account_ref,
        "creditor": row.creditor,
        "collector_type": row.collector_type,
        "balance": {"amount": row.balance_amount, "currency": row.currency},
        "debtor": {
            "name": row.debtor_name,
            "timezone": row.timezone,
            "postal_code": row.postal_code,
            "language": row.language,
            "identity_check": {"date_of_birth": row.dob_hash is not None},
        },
        "contacts": [
            {
                "channel": c.channel,
                "address": c.address,
                "consent": c.consent,
                "consent_source": c.consent_source,
                "consent_at": iso(c.consent_at),
                "valid": c.valid,
                "provenance": c.provenance,
                "work_address": c.work_address,
                "consumer_used_at": iso(c.consumer_used_at),
                "reassigned_check_at": iso(c.reassigned_check_at),
            }
            for c in contacts
        ],
        "flags": {f: getattr(row, f) for f in FLAGS},
        "time_barred": row.time_barred,
        "limitations_date": None
        if row.limitations_date is None
        else row.limitations_date.isoformat(),
        "itemization": row.itemization,
        "validation": validation_view(row, ruleset_for(row.collector_type, ruleset_override), now),
        "holds": holds(row),
        "contact_counts": {
            ch: {w: counts.get(ch, {}).get(w, 0) for w in ("1d", "7d", "30d")}
            for ch in ADDRESSED_CHANNELS
        },
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
