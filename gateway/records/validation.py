"""The validation-notice clock of an account (12 CFR 1006.34), as stored and as shown.

The first communication in connection with the debt starts it; validation information sent by
Parley's ``validation_notice`` template or recorded by the core system stops it. Dates are the
consumer's calendar dates: with several candidate zones the due date is read from the earliest
(never later than the law allows) and the period's end from the latest (never earlier).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.db.tables import accounts
from policies import Ruleset, candidate_zones
from policies.timezones import load_zone
from policies.validation_period import validation_due, validation_period_end

VALIDATION_TEMPLATE = "validation_notice"


def _local_dates(row: Any, instant: datetime) -> list[date]:
    declared = (row.timezone,) if row.timezone else ()
    zones = candidate_zones(declared, row.postal_code, ())
    return sorted(instant.astimezone(load_zone(zone)).date() for zone in zones)


def period_end(row: Any, provided_at: datetime) -> date:
    """The last day of the validation period for information provided at ``provided_at``."""
    return validation_period_end(_local_dates(row, provided_at)[-1])


def validation_view(row: Any, ruleset: Ruleset, now: datetime) -> dict[str, Any]:
    """The clock as ``GET /v1/accounts/{ref}`` shows it."""
    settings = ruleset.validation_notice
    first, provided = row.first_communication_at, row.validation_provided_at
    due_by = (
        validation_due(_local_dates(row, first)[0], settings.due_days)
        if first is not None
        else None
    )
    if not settings.enabled:
        status = "not_required"
    elif provided is not None:
        status = "provided"
    elif due_by is None:
        status = "not_started"
    else:
        status = "overdue" if _local_dates(row, now)[0] > due_by else "due"
    return {
        "status": status,
        "first_communication_at": iso(first),
        "due_by": None if due_by is None else due_by.isoformat(),
        "provided_at": iso(provided),
        "provided_by": row.validation_source,
        "period_ends": None if provided is None else period_end(row, provided).isoformat(),
    }


def disputed_in_time(row: Any, now: datetime) -> bool:
    """Whether a dispute made ``now`` falls inside the validation period (or no period has
    started, in which case the consumer keeps every right)."""
    provided = row.validation_provided_at
    return provided is None or _local_dates(row, now)[0] <= period_end(row, provided)


async def record_first_communication(conn: AsyncConnection, account_id: int, at: datetime) -> None:
    """Start the clock unless an earlier communication already did."""
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .where(
            (accounts.c.first_communication_at.is_(None)) | (accounts.c.first_communication_at > at)
        )
        .values(first_communication_at=at)
    )


async def record_validation_sent(conn: AsyncConnection, account_id: int, at: datetime) -> None:
    """Parley's own validation notice went out: the information is provided."""
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id, accounts.c.validation_provided_at.is_(None))
        .values(validation_provided_at=at, validation_source="template")
    )
