"""Runs every rule on a proposed contact and combines their reasons into one Decision."""

from __future__ import annotations

from datetime import datetime

from policies.consent import check_consent
from policies.decision import Decision, Outcome, Reason
from policies.facts import ContactFacts
from policies.holds import check_holds
from policies.quiet_hours import check_quiet_hours


def evaluate(facts: ContactFacts, now: datetime) -> Decision:
    """Evaluate a proposed contact at `now` (timezone-aware) against every rule.

    Every rule runs, so the decision lists every reason that applies, not just the first:
    compliance must be able to see all of them. Any blocking reason blocks; otherwise any
    deferring reason defers until the latest `not_before`; otherwise the contact is allowed.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    blocking = [*check_holds(facts, now), *check_consent(facts, now)]
    deferring: list[Reason] = []
    not_befores: list[datetime] = []

    quiet = check_quiet_hours(facts, now)
    if quiet.not_before is None:
        blocking.extend(quiet.reasons)
    else:
        deferring.extend(quiet.reasons)
        not_befores.append(quiet.not_before)

    reasons = (*blocking, *deferring)
    if blocking:
        return Decision(outcome=Outcome.BLOCK, not_before=None, reasons=reasons)
    if deferring:
        # Every deferring rule must be satisfied, so wait for the last of them.
        return Decision(outcome=Outcome.DEFER, not_before=max(not_befores), reasons=reasons)
    return Decision(outcome=Outcome.ALLOW, not_before=None, reasons=())
