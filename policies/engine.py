"""Runs every rule on a proposed contact and combines their reasons into one Decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from policies.call_frequency import check_call_frequency
from policies.caps import check_channel_caps
from policies.consent import check_consent
from policies.decision import Decision, Outcome, Reason, RuleCheck
from policies.disclosures import check_message
from policies.facts import ContactFacts
from policies.facts_json import format_instant
from policies.holds import check_holds
from policies.provenance import check_address
from policies.quiet_hours import check_quiet_hours_rule
from policies.ruleset import Ruleset
from policies.state_overlays import StateOverlay, overlays_for
from policies.state_rules import check_state_rules, state_disclosures
from policies.states import candidate_regions
from policies.timezones import candidate_zones

# Each round can only move not_before later, and only quiet hours is re-checked, so one
# round settles it; the bound is a guard, not a tuning knob.
MAX_ROUNDS = 8


def evaluate(facts: ContactFacts, now: datetime, ruleset: Ruleset) -> Decision:
    """Evaluate a proposed contact at `now` (timezone-aware) against every rule `ruleset` enables.

    Every rule runs, so the decision lists every reason that applies, not just the first:
    compliance must be able to see all of them. Any blocking reason blocks. Otherwise any
    deferring reason defers until the first instant at which every time rule allows the
    contact (found by re-checking the latest `not_before` until nothing moves it); a rule
    that only objects at that later instant (say, a call-frequency wait ending at midnight,
    inside quiet hours) adds its reason too. Otherwise the contact is allowed.

    The ruleset is required: which rules bind depends on who is collecting, which only the
    caller knows, so there is no default to fall back on. Raises ValueError for a naive `now`
    and for bad location facts (unknown zone, unknown postal code, phone not in E.164), never
    allowing.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zones = candidate_zones(facts.timezones, facts.postal_code, facts.phones)
    now = now.astimezone(UTC)

    overlays = applicable_overlays(facts, ruleset)
    address = check_address(facts, now, ruleset)
    reasons = [
        *check_holds(facts, now, ruleset),
        *check_consent(facts, now, ruleset),
        *address.reasons,
        *check_message(facts, ruleset, extra=state_disclosures(facts, overlays)),
    ]
    warnings = tuple(address.warnings)
    blocked = bool(reasons)
    not_before: datetime | None = None
    latest: TimeRule | None = None
    for rule in TIME_RULES:
        check = rule.check(facts, now, ruleset, zones)
        if check.reasons:
            reasons.extend(check.reasons)
            if check.not_before is None:
                blocked = True
            elif not_before is None or check.not_before > not_before:
                not_before, latest = check.not_before, rule

    if blocked:
        return Decision(Outcome.BLOCK, None, tuple(reasons), warnings)
    if not_before is None:
        return Decision(Outcome.ALLOW, None, (), warnings)
    if (latest,) == UNSETTLED_TIME_RULES:
        # The only rule that could object later set not_before itself, and a rule's own
        # not_before passes that rule: nothing to re-check.
        return Decision(Outcome.DEFER, not_before, tuple(reasons), warnings)
    return replace(_settle(facts, ruleset, zones, reasons, not_before), warnings=warnings)


def applicable_overlays(facts: ContactFacts, ruleset: Ruleset) -> tuple[StateOverlay, ...]:
    """The ruleset's state overlays for every region the consumer may be in."""
    if not ruleset.overlays:
        return ()
    return overlays_for(candidate_regions(facts.postal_code, facts.phones), ruleset.overlays)


def _settle(
    facts: ContactFacts,
    rules: Ruleset,
    zones: tuple[str, ...],
    reasons: list[Reason],
    not_before: datetime,
) -> Decision:
    """Move `not_before` to the first instant from there on that passes every time rule.

    Rules that stay passed need no re-check: each one that deferred passes from its own
    not_before on, which is at or before this one, and each one that passed still does.
    The others are re-checked at the candidate until none of them moves it.
    """
    seen = {reason.rule for reason in reasons}
    for _ in range(MAX_ROUNDS):
        later = [
            check
            for rule in UNSETTLED_TIME_RULES
            if (check := rule.check(facts, not_before, rules, zones)).reasons
        ]
        if not later:
            return Decision(outcome=Outcome.DEFER, not_before=not_before, reasons=tuple(reasons))
        when = format_instant(not_before)
        for check in later:
            for reason in check.reasons:
                if reason.rule not in seen:
                    seen.add(reason.rule)
                    reasons.append(
                        Reason(
                            rule=reason.rule,
                            message=f"{reason.message} (at {when}, when the other rules "
                            "would next allow this contact)",
                            citation=reason.citation,
                        )
                    )
        if any(check.not_before is None for check in later):
            return Decision(outcome=Outcome.BLOCK, not_before=None, reasons=tuple(reasons))
        not_before = max(check.not_before for check in later if check.not_before is not None)
    # Fail closed: no instant satisfied every rule within the bound.
    return Decision(outcome=Outcome.BLOCK, not_before=None, reasons=tuple(reasons))


def _quiet_hours(
    facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
) -> RuleCheck:
    return check_quiet_hours_rule(facts, at, rules, zones=zones)


def _call_frequency(
    facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
) -> RuleCheck:
    return check_call_frequency(facts, at, rules, zones=zones)


def _state_rules(
    facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
) -> RuleCheck:
    return check_state_rules(facts, at, applicable_overlays(facts, rules), zones)


def _channel_caps(
    facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
) -> RuleCheck:
    return check_channel_caps(facts, at, rules)


@dataclass(frozen=True, slots=True)
class TimeRule:
    """A rule whose answer depends on the instant.

    `stays_passed`: once it allows a contact at some instant it allows it at every later
    instant on the same facts. True of rules that count past events (they only age out);
    not of quiet hours, which close every evening. The property tests check both claims.
    """

    name: str
    check: Callable[[ContactFacts, datetime, Ruleset, tuple[str, ...]], RuleCheck]
    stays_passed: bool


# In the order their reasons are reported, after holds and consent.
TIME_RULES = (
    TimeRule("quiet_hours", _quiet_hours, stays_passed=False),
    TimeRule("call_frequency", _call_frequency, stays_passed=True),
    TimeRule("channel_caps", _channel_caps, stays_passed=True),
    TimeRule("state_rules", _state_rules, stays_passed=True),
)
UNSETTLED_TIME_RULES = tuple(rule for rule in TIME_RULES if not rule.stays_passed)
