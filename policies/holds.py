"""Account-level holds that stop contact regardless of channel or time."""

from __future__ import annotations

from datetime import datetime

from policies.decision import Reason
from policies.facts import ContactFacts

# Purposes still allowed after a cease request: the notices 15 U.S.C. 1692c(c) permits
# (that collection efforts end, or that specific remedies may or will be invoked).
CEASE_PERMITTED_PURPOSES = frozenset({"transactional"})


def check_holds(facts: ContactFacts, now: datetime) -> list[Reason]:
    """Return a blocking reason for each hold flag on the account that forbids this contact.

    `now` is unused today; every rule takes it so the engine can treat rules alike.
    """
    reasons = []
    if facts.do_not_contact:
        reasons.append(
            Reason(
                rule="do_not_contact",
                message="The creditor has marked this account do-not-contact",
                citation="Creditor instruction; FDCPA 15 U.S.C. 1692c",
            )
        )
    if facts.cease_communication and facts.purpose not in CEASE_PERMITTED_PURPOSES:
        reasons.append(
            Reason(
                rule="cease_communication",
                message=(
                    f"The consumer asked that communication cease; a {facts.purpose} "
                    "message is not one of the permitted notices"
                ),
                citation="15 U.S.C. 1692c(c); 12 CFR 1006.6(c)",
            )
        )
    return reasons
