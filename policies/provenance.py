"""Where an address came from: work email addresses and the third-party-disclosure safe harbors.

Both rules look only at the address the message would go to. A work email address is never
written to unless the consumer gave it or wrote from it (12 CFR 1006.22(f)(3)). An electronic
collection message goes only where a safe harbor against reaching someone else holds: for
email 1006.6(d)(4) (the consumer used the address with the collector, or gave it), for texts
1006.6(d)(5) (the consumer texted from the number lately, or a reassigned-numbers check found
it still theirs). A ruleset may let a message without a safe harbor go with a warning.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from policies.decision import Reason
from policies.facts import ContactFacts
from policies.ruleset import Ruleset

WORK_ADDRESS = Reason(
    rule="work_address",
    message=(
        "This email address is known to be provided by the consumer's employer, and the "
        "consumer has neither given it nor written from it"
    ),
    citation="12 CFR 1006.22(f)(3)",
)
_CONSUMER_GAVE = frozenset({"consumer_provided", "consumer_used"})


class AddressCheck(NamedTuple):
    """Blocking reasons and warnings about the address."""

    reasons: list[Reason]
    warnings: list[Reason]


def check_address(facts: ContactFacts, now: datetime, ruleset: Ruleset) -> AddressCheck:
    """Check the address of a proposed contact against the work-address and safe-harbor rules."""
    reasons: list[Reason] = []
    warnings: list[Reason] = []
    consumer_gave = facts.provenance in _CONSUMER_GAVE or facts.consumer_used_at is not None
    if (
        ruleset.work_address.enabled
        and facts.channel == "email"
        and facts.work_address
        and not consumer_gave
    ):
        reasons.append(WORK_ADDRESS)
    harbor = ruleset.address_provenance
    if not harbor.enabled or facts.purpose not in harbor.purposes:
        return AddressCheck(reasons, warnings)
    missing: Reason | None = None
    action = "block"
    if facts.channel == "email":
        action = harbor.email_action
        if facts.provenance not in harbor.email_safe_provenances and facts.consumer_used_at is None:
            missing = Reason(
                rule="address_provenance",
                message=(
                    f"No safe harbor for this email address (provenance: "
                    f"{facts.provenance or 'not recorded'}): the consumer has not written from "
                    "it and it is not among the ruleset's safe provenances"
                ),
                citation="12 CFR 1006.6(d)(4)",
            )
    elif facts.channel == "sms":
        action = harbor.sms_action
        days = harbor.sms_consumer_used_days
        texted = facts.consumer_used_at is not None and now - facts.consumer_used_at <= timedelta(
            days=days
        )
        if not texted and facts.reassigned_check_at is None:
            missing = Reason(
                rule="address_provenance",
                message=(
                    f"No safe harbor for this number: the consumer has not texted from it in "
                    f"the last {days} days and no reassigned-numbers check is recorded"
                ),
                citation="12 CFR 1006.6(d)(5)",
            )
    if missing is not None:
        (reasons if action == "block" else warnings).append(missing)
    return AddressCheck(reasons, warnings)
