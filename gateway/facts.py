"""Reading the facts of a proposed contact from storage, for the pure policy engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, contact_points
from policies import ConsentState, ContactFacts


@dataclass(frozen=True, slots=True)
class ContactPoint:
    channel: str
    address: str
    consent: str
    valid: bool


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account and its active contact points, as one consistent read."""

    id: int
    ref: str
    creditor: str
    balance_amount: str
    currency: str
    debtor_name: str
    timezone: str | None
    do_not_contact: bool
    cease_communication: bool
    disputed: bool
    attorney_represented: bool
    contacts: tuple[ContactPoint, ...]

    def contact_for(self, channel: str, address: str | None = None) -> ContactPoint | None:
        """The contact point to use: the given address, else the first valid one on file."""
        for contact in self.contacts:
            if contact.channel != channel:
                continue
            if contact.address == address or (address is None and contact.valid):
                return contact
        return None

    def facts(self, channel: str, purpose: str, contact: ContactPoint | None) -> ContactFacts:
        """The policy facts of contacting this account on a channel at a contact point."""
        return ContactFacts(
            channel=channel,
            purpose=purpose,
            consent=ConsentState(contact.consent) if contact else ConsentState.MISSING,
            timezones=(self.timezone,) if self.timezone else (),
            contact_valid=contact is not None and contact.valid,
            do_not_contact=self.do_not_contact,
            cease_communication=self.cease_communication,
            disputed=self.disputed,
            attorney_represented=self.attorney_represented,
        )

    def template_context(self, collector: dict[str, str]) -> dict[str, Any]:
        """What every template may use besides the request's variables."""
        return {
            "collector": collector,
            "creditor": self.creditor,
            "account_ref": self.ref,
            "balance": {"amount": self.balance_amount, "currency": self.currency},
            "debtor": {"name": self.debtor_name, "first_name": self.debtor_name.split()[0]},
        }


async def load_snapshots(
    conn: AsyncConnection, *, refs: Iterable[str] = (), ids: Iterable[int] = ()
) -> dict[str, AccountSnapshot]:
    """Snapshots of the given accounts (by ref or id), keyed by account ref; two queries in all."""
    refs, ids = list(refs), list(ids)
    where = accounts.c.account_ref.in_(refs) if refs else accounts.c.id.in_(ids)
    rows = list(await conn.execute(select(accounts).where(where)))
    if not rows:
        return {}
    by_account: dict[int, list[ContactPoint]] = {}
    points = await conn.execute(
        select(contact_points)
        .where(
            contact_points.c.account_id.in_([r.id for r in rows]),
            contact_points.c.active.is_(True),
        )
        .order_by(contact_points.c.position, contact_points.c.id)
    )
    for p in points:
        by_account.setdefault(p.account_id, []).append(
            ContactPoint(p.channel, p.address, p.consent, p.valid)
        )
    return {
        r.account_ref: AccountSnapshot(
            id=r.id,
            ref=r.account_ref,
            creditor=r.creditor,
            balance_amount=r.balance_amount,
            currency=r.currency,
            debtor_name=r.debtor_name,
            timezone=r.timezone,
            do_not_contact=r.do_not_contact,
            cease_communication=r.cease_communication,
            disputed=r.disputed,
            attorney_represented=r.attorney_represented,
            contacts=tuple(by_account.get(r.id, ())),
        )
        for r in rows
    }
