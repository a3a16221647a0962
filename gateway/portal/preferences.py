"""How the debtor lets Parley contact them: per channel and address, stop or allow messages;
the language; the hours that suit them.

A stop is a revocation in the consent ledger with source ``portal`` and takes effect at once
(every send checks the ledger again); an allow is a grant recorded the same way, which is the
consumer's own consent evidence. Preferred hours only ever narrow quiet hours
(``policies.quiet_hours``), so the choices offered lie inside 08:00-21:00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, contact_points
from gateway.errors import ValidationFailed
from gateway.portal.sessions import PortalSession
from gateway.records import audit
from gateway.records.accounts import lock_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.consent import record_consent

SOURCE = "portal"
LANGUAGES = {"en": "English", "es": "Español"}
# Whole hours inside the quiet-hours window: a preference can only narrow it.
HOURS = tuple(f"{hour:02d}:00" for hour in range(8, 22))
_CHANNEL_NAMES = {"sms": "Text messages", "email": "Email", "voice": "Phone calls"}


@dataclass(frozen=True, slots=True)
class ContactChoice:
    """One contact point as the preferences page shows it."""

    id: int
    channel: str
    address: str  # for the ledger; the page shows only ``masked``
    label: str
    masked: str
    consent: str  # granted | revoked | missing (never asked: neither choice is marked)
    valid: bool


def mask(channel: str, address: str) -> str:
    """Enough of an address to recognise it, not enough to read it off a shoulder."""
    if channel == "email":
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"•••-•••-{address[-4:]}"


async def preferences(conn: AsyncConnection, account_id: int) -> dict[str, Any]:
    """The account's contact points with their consent, its language and preferred hours."""
    account = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).one()
    points = await conn.execute(
        select(contact_points)
        .where(contact_points.c.account_id == account_id, contact_points.c.active.is_(True))
        .order_by(contact_points.c.position, contact_points.c.id)
    )
    return {
        "contacts": [
            ContactChoice(
                id=p.id,
                channel=p.channel,
                address=p.address,
                label=_CHANNEL_NAMES.get(p.channel, p.channel),
                masked=mask(p.channel, p.address),
                consent=p.consent,
                valid=p.valid,
            )
            for p in points
        ],
        "language": account.language,
        "preferred_start": account.preferred_contact_start,
        "preferred_end": account.preferred_contact_end,
    }


async def save_preferences(
    conn: AsyncConnection, session: PortalSession, form: Mapping[str, str], now: datetime
) -> list[str]:
    """Apply the preferences form in the caller's transaction; returns what changed, in plain
    words. Invalid values raise ValidationFailed naming the field, before anything changes."""
    await lock_account(conn, session.account_id)
    current = await preferences(conn, session.account_id)
    language = form.get("language", current["language"])
    start, end = form.get("preferred_start", ""), form.get("preferred_end", "")
    problems = []
    if language not in LANGUAGES:
        problems.append({"field": "language", "message": "choose one of the languages listed"})
    if bool(start) != bool(end) or (start and (start not in HOURS or end not in HOURS)):
        problems.append({"field": "preferred_start", "message": "choose a start and an end time"})
    elif start and start >= end:
        problems.append({"field": "preferred_end", "message": "the end must be after the start"})
    wanted: list[tuple[ContactChoice, bool]] = []
    for choice in current["contacts"]:
        value = form.get(f"contact_{choice.id}")
        if value not in (None, "allow", "stop"):
            problems.append({"field": f"contact_{choice.id}", "message": "allow or stop"})
        elif value is not None and choice.consent != ("granted" if value == "allow" else "revoked"):
            if value == "allow" and not choice.valid:
                problems.append(
                    {"field": f"contact_{choice.id}", "message": "this address no longer works"}
                )
            wanted.append((choice, value == "allow"))
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems, code="invalid_preferences")
    changed: list[str] = []
    entries = []
    for choice, allow in wanted:
        entries.append(
            await record_consent(
                conn,
                account_id=session.account_id,
                account_ref=session.account_ref,
                channel=choice.channel,
                address=choice.address,
                action="granted" if allow else "revoked",
                source=SOURCE,
                at=now,
                evidence=session.link_id,
            )
        )
        changed.append(f"{choice.label} to {choice.masked}: {'allowed' if allow else 'stopped'}")
    values: dict[str, Any] = {}
    if language != current["language"]:
        values["language"] = language
        changed.append(f"Language: {LANGUAGES[language]}")
    if (start or None, end or None) != (current["preferred_start"], current["preferred_end"]):
        values |= {"preferred_contact_start": start or None, "preferred_contact_end": end or None}
        changed.append(f"Best time to reach you: {start}-{end}" if start else "Any time of day")
    if values:
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == session.account_id)
            .values(**values, updated_at=now)
        )
        chain = account_chain(session.account_ref)
        entries.append(AuditEntry(chain, "portal.preferences", now, values, session.link_id))
    await audit.append(conn, entries)
    return changed
