"""Account-level holds that stop contact regardless of channel or time."""

from __future__ import annotations

from datetime import datetime

from policies.decision import Reason
from policies.facts import ContactFacts
from policies.ruleset import Ruleset

DO_NOT_CONTACT = Reason(
    rule="do_not_contact",
    message="The creditor has marked this account do-not-contact",
    citation="Creditor instruction; FDCPA 15 U.S.C. 1692c",
)


def check_holds(facts: ContactFacts, now: datetime, ruleset: Ruleset) -> list[Reason]:
    """Return a blocking reason for each hold on the account that forbids this contact.

    Holds apply on every channel alike. Which purposes each hold lets through is a ruleset
    setting. Holds do not depend on time; `now` is taken so the engine can treat rules alike.
    """
    reasons = []
    if facts.do_not_contact and ruleset.do_not_contact.enabled:
        reasons.append(DO_NOT_CONTACT)
    cease = ruleset.cease_communication
    if (
        facts.cease_communication
        and cease.enabled
        and facts.purpose not in cease.permitted_purposes
    ):
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
    dispute = ruleset.dispute_hold
    if (
        facts.disputed
        and not facts.validation_recorded
        and dispute.enabled
        and facts.purpose in dispute.blocked_purposes
    ):
        reasons.append(
            Reason(
                rule="dispute_hold",
                message=(
                    f"The consumer disputed the debt; {facts.purpose} messages wait until "
                    "the validation (verification) of the debt is recorded"
                ),
                citation="15 U.S.C. 1692g(b)",
            )
        )
    attorney = ruleset.attorney_represented
    if (
        facts.attorney_represented
        and attorney.enabled
        and facts.purpose not in attorney.permitted_purposes
    ):
        reasons.append(
            Reason(
                rule="attorney_represented",
                message=(
                    "The consumer is represented by an attorney about this debt; "
                    f"a {facts.purpose} message must go to the attorney, not the consumer"
                ),
                citation="15 U.S.C. 1692c(a)(2); 12 CFR 1006.6(b)(2)",
            )
        )
    return reasons
