"""Reading the facts of a proposed contact from storage, for the pure policy engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, contact_events, contact_points
from gateway.outreach.rulesets import history_days
from gateway.records.accounts import first_name
from gateway.records.validation import period_end
from policies import (
    ConsentState,
    ContactFacts,
    ContactRecord,
    MessageFacts,
    Ruleset,
    history_read,
)
from policies.channels import PHONE_CHANNELS
from policies.facts_json import parse_preferred_hours


@dataclass(frozen=True, slots=True)
class ContactPoint:
    channel: str
    address: str
    consent: str
    valid: bool
    consent_source: str | None = None
    provenance: str | None = None
    work_address: bool = False
    consumer_used_at: datetime | None = None
    reassigned_check_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account, its active contact points and recent contact history, as one read."""

    id: int
    ref: str
    creditor: str
    collector_type: str
    balance_amount: str
    currency: str
    debtor_name: str
    timezone: str | None
    postal_code: str | None
    do_not_contact: bool
    cease_communication: bool
    disputed: bool
    validation_recorded: bool
    attorney_represented: bool
    contacts: tuple[ContactPoint, ...]
    history: tuple[ContactRecord, ...]
    time_barred: bool = False
    # None until a communication in connection with the debt reached the consumer.
    first_communication_at: datetime | None = None
    # The itemization a validation notice states (records.account_input.Itemization).
    itemization: Mapping[str, Any] | None = None
    # The hours the consumer said suit them, as stored ("HH:MM" or None). Kept unparsed so
    # a bad value fails the decision on this account (see `facts`), not the whole load.
    preferred_contact_start: str | None = None
    preferred_contact_end: str | None = None

    def contact_for(self, channel: str, address: str | None = None) -> ContactPoint | None:
        """The contact point to use: the given address, else the first valid one on file.

        A chat session is a contact point of its own: the consumer opened it, so it is valid
        and no consent is on file for it (the rules need none).
        """
        if channel == "chat":
            return ContactPoint(channel, address or "", ConsentState.MISSING, valid=True)
        for contact in self.contacts:
            if contact.channel != channel:
                continue
            if contact.address == address or (address is None and contact.valid):
                return contact
        return None

    def facts(
        self,
        channel: str,
        purpose: str,
        contact: ContactPoint | None,
        ruleset: Ruleset,
        message: MessageFacts | None = None,
    ) -> ContactFacts:
        """The policy facts of contacting this account on a channel at a contact point, with
        the part of the history ``ruleset``'s rules read (and the text, when there is one).

        Raises ValueError when the stored preferred hours cannot be read: dropping them would
        contact the consumer at hours they ruled out, so the decision fails closed instead.
        """
        inbound = [r.at for r in self.history if r.channel == channel and r.direction == "inbound"]
        return ContactFacts(
            channel=channel,
            purpose=purpose,
            consent=ConsentState(contact.consent) if contact else ConsentState.MISSING,
            timezones=(self.timezone,) if self.timezone else (),
            postal_code=self.postal_code,
            phones=self.phones,
            contact_valid=contact is not None and contact.valid,
            history=history_read(self.history, channel, purpose, ruleset),
            do_not_contact=self.do_not_contact,
            cease_communication=self.cease_communication,
            disputed=self.disputed,
            validation_recorded=self.validation_recorded,
            attorney_represented=self.attorney_represented,
            last_inbound_at=max(inbound, default=None),
            consent_source=contact.consent_source if contact else None,
            provenance=contact.provenance if contact else None,
            work_address=contact.work_address if contact else False,
            consumer_used_at=contact.consumer_used_at if contact else None,
            reassigned_check_at=contact.reassigned_check_at if contact else None,
            time_barred=self.time_barred,
            message=message,
            preferred_hours=parse_preferred_hours(
                self.preferred_contact_start, self.preferred_contact_end
            ),
        )

    @property
    def phones(self) -> tuple[str, ...]:
        """Every phone number on file: each area code is a location signal."""
        return tuple(sorted({c.address for c in self.contacts if c.channel in PHONE_CHANNELS}))

    def template_context(self, collector: dict[str, str], now: datetime) -> dict[str, Any]:
        """What every template may use besides the request's variables: ``dispute_deadline``
        is the end of the validation period of a notice sent ``now`` (12 CFR 1006.34(b)(5))."""
        deadline = period_end(self, now)
        context: dict[str, Any] = {
            "dispute_deadline": f"{deadline:%B} {deadline.day}, {deadline.year}",
            "collector": collector,
            "creditor": self.creditor,
            "account_ref": self.ref,
            "balance": {"amount": self.balance_amount, "currency": self.currency},
            "debtor": {"name": self.debtor_name, "first_name": first_name(self.debtor_name)},
        }
        if self.itemization is not None:
            # Absent otherwise: a validation notice needs it, and fails to render without it.
            context["itemization"] = {"creditor": self.creditor} | {
                k: v for k, v in self.itemization.items() if v is not None
            }
        return context


async def load_snapshots(
    conn: AsyncConnection,
    *,
    now: datetime,
    refs: Iterable[str] = (),
    ids: Iterable[int] = (),
    ruleset_override: str | None = None,
    channel: str | None = None,
) -> dict[str, AccountSnapshot]:
    """Snapshots of the given accounts (by ref or id), keyed by account ref; three queries.

    With ``channel``, only that channel's contact history is read: all a decision about a
    contact on it needs.
    """
    refs, ids = list(refs), list(ids)
    where = accounts.c.account_ref.in_(refs) if refs else accounts.c.id.in_(ids)
    rows = list(await conn.execute(select(accounts).where(where)))
    if not rows:
        return {}
    account_ids = [r.id for r in rows]
    points: dict[int, list[ContactPoint]] = {}
    for p in await conn.execute(
        select(contact_points)
        .where(contact_points.c.account_id.in_(account_ids), contact_points.c.active.is_(True))
        .order_by(contact_points.c.position, contact_points.c.id)
    ):
        points.setdefault(p.account_id, []).append(
            ContactPoint(
                p.channel,
                p.address,
                p.consent,
                p.valid,
                p.consent_source,
                p.provenance,
                p.work_address,
                p.consumer_used_at,
                p.reassigned_check_at,
            )
        )
    history: dict[int, list[ContactRecord]] = {}
    events = (
        select(
            contact_events.c.account_id,
            contact_events.c.channel,
            contact_events.c.direction,
            contact_events.c.at,
            contact_events.c.outcome,
        )
        .where(
            contact_events.c.account_id.in_(account_ids),
            contact_events.c.at >= now - timedelta(days=history_days(ruleset_override)),
        )
        .order_by(contact_events.c.at)
    )
    if channel is not None:
        events = events.where(contact_events.c.channel == channel)
    for e in await conn.execute(events):
        history.setdefault(e.account_id, []).append(
            ContactRecord(e.channel, e.direction, e.at, e.outcome)
        )
    return {
        r.account_ref: AccountSnapshot(
            id=r.id,
            ref=r.account_ref,
            creditor=r.creditor,
            collector_type=r.collector_type,
            balance_amount=r.balance_amount,
            currency=r.currency,
            debtor_name=r.debtor_name,
            timezone=r.timezone,
            postal_code=r.postal_code,
            do_not_contact=r.do_not_contact,
            cease_communication=r.cease_communication,
            disputed=r.disputed,
            validation_recorded=r.validation_recorded,
            attorney_represented=r.attorney_represented,
            contacts=tuple(points.get(r.id, ())),
            history=tuple(history.get(r.id, ())),
            time_barred=r.time_barred
            or (r.limitations_date is not None and r.limitations_date < now.date()),
            first_communication_at=r.first_communication_at,
            itemization=r.itemization,
            preferred_contact_start=r.preferred_contact_start,
            preferred_contact_end=r.preferred_contact_end,
        )
        for r in rows
    }
