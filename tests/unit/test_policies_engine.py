"""`evaluate` on one set of facts: the decision table, what a decision says and how it
serialises, `now` in any representation, the inputs it refuses, and no default ruleset."""

import inspect
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from policy_engine_helpers import DAY, NEXT_MORNING, NIGHT, contact_facts
from rulesets import REG_F

from policies import ConsentState, Outcome, evaluate
from policies.call_frequency import check_call_frequency
from policies.caps import check_channel_caps
from policies.consent import check_consent
from policies.holds import check_holds
from policies.quiet_hours import check_quiet_hours, check_quiet_hours_rule

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("overrides", "now", "outcome", "rules", "not_before"),
    [
        ({}, DAY, Outcome.ALLOW, [], None),
        ({}, NIGHT, Outcome.DEFER, ["quiet_hours"], NEXT_MORNING),
        ({"do_not_contact": True}, DAY, Outcome.BLOCK, ["do_not_contact"], None),
        ({"cease_communication": True}, DAY, Outcome.BLOCK, ["cease_communication"], None),
        ({"cease_communication": True, "purpose": "transactional"}, DAY, Outcome.ALLOW, [], None),
        (
            {"cease_communication": True, "purpose": "transactional"},
            NIGHT,
            Outcome.DEFER,
            ["quiet_hours"],
            NEXT_MORNING,
        ),
        ({"consent": ConsentState.REVOKED}, DAY, Outcome.BLOCK, ["opted_out"], None),
        ({"consent": ConsentState.MISSING}, DAY, Outcome.BLOCK, ["consent_missing"], None),
        (
            {"channel": "voice", "consent": ConsentState.MISSING},
            DAY,
            Outcome.BLOCK,
            ["consent_missing"],
            None,
        ),
        ({"channel": "email", "consent": ConsentState.MISSING}, DAY, Outcome.ALLOW, [], None),
        (
            {"channel": "email", "consent": ConsentState.MISSING},
            NIGHT,
            Outcome.DEFER,
            ["quiet_hours"],
            NEXT_MORNING,
        ),
        (
            {"channel": "email", "consent": ConsentState.REVOKED},
            DAY,
            Outcome.BLOCK,
            ["opted_out"],
            None,
        ),
        # Every reason is reported, not just the first, and any block beats a defer.
        (
            {"do_not_contact": True, "consent": ConsentState.REVOKED},
            NIGHT,
            Outcome.BLOCK,
            ["do_not_contact", "opted_out", "quiet_hours"],
            None,
        ),
        (
            {"do_not_contact": True, "cease_communication": True, "consent": ConsentState.MISSING},
            NIGHT,
            Outcome.BLOCK,
            ["do_not_contact", "cease_communication", "consent_missing", "quiet_hours"],
            None,
        ),
        (
            {
                "consent": ConsentState.REVOKED,
                "timezones": ("America/New_York", "Asia/Tokyo", "Europe/Moscow"),
            },
            DAY,
            Outcome.BLOCK,
            ["opted_out", "quiet_hours"],
            None,
        ),
        # No common window is a block on its own.
        (
            {"timezones": ("America/New_York", "Asia/Tokyo", "Europe/Moscow")},
            DAY,
            Outcome.BLOCK,
            ["quiet_hours"],
            None,
        ),
    ],
)
def test_decision_table(
    overrides: dict[str, Any],
    now: datetime,
    outcome: Outcome,
    rules: list[str],
    not_before: datetime | None,
) -> None:
    decision = evaluate(contact_facts(**overrides), now, REG_F)
    assert decision.outcome is outcome
    assert [r.rule for r in decision.reasons] == rules
    assert decision.not_before == not_before
    assert decision.allowed is (outcome is Outcome.ALLOW)


def test_blocked_decision_still_explains_quiet_hours() -> None:
    decision = evaluate(
        contact_facts(do_not_contact=True, consent=ConsentState.REVOKED), NIGHT, REG_F
    )
    assert decision.to_dict() == {
        "outcome": "block",
        "not_before": None,
        "reasons": [
            {
                "rule": "do_not_contact",
                "message": "The creditor has marked this account do-not-contact",
                "citation": "Creditor instruction; FDCPA 15 U.S.C. 1692c",
            },
            {
                "rule": "opted_out",
                "message": "The consumer revoked consent for sms at this address",
                "citation": "47 U.S.C. 227 (TCPA); 12 CFR 1006.6(e)",
            },
            {
                "rule": "quiet_hours",
                "message": "21:30 in America/New_York is outside 08:00-21:00",
                "citation": "12 CFR 1006.6(b)(1)(i)",
            },
        ],
        # The default third-party ruleset warns (rather than blocks) on a text without a
        # safe harbor: the consumer never texted from the number and no check is recorded.
        "warnings": [
            {
                "rule": "address_provenance",
                "message": "No safe harbor for this number: the consumer has not texted from "
                "it in the last 60 days and no reassigned-numbers check is recorded",
                "citation": "12 CFR 1006.6(d)(5)",
            }
        ],
    }


def test_defer_serialises_to_json() -> None:
    decision = evaluate(contact_facts(), NIGHT, REG_F)
    assert json.loads(json.dumps(decision.to_dict()))["not_before"] == "2024-01-16T13:00:00Z"


@pytest.mark.parametrize(
    "now",
    [
        NIGHT,
        NIGHT.astimezone(NEW_YORK),
        NIGHT.astimezone(ZoneInfo("Asia/Kolkata")),
        NIGHT.astimezone(ZoneInfo("Pacific/Chatham")),
    ],
)
def test_representation_of_now_does_not_matter(now: datetime) -> None:
    decision = evaluate(contact_facts(), now, REG_F)
    assert decision.not_before == NEXT_MORNING
    assert decision.not_before is not None
    assert decision.not_before.utcoffset() == timedelta(0)


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_naive_now_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(contact_facts(**overrides), datetime(2024, 1, 15, 18, 0), REG_F)


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_unknown_zone_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        evaluate(contact_facts(timezones=("America/Nowhere",), **overrides), DAY, REG_F)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"postal_code": "00000"}, "postal code '00000' does not exist"),
        ({"postal_code": "6060"}, "invalid postal code"),
        ({"phones": ("4155550123",)}, "not in E.164 form"),
        ({"phones": ("+11115550123",)}, "not a valid number"),
        ({"timezones": ("Central",)}, "unknown time zone"),
    ],
)
@pytest.mark.parametrize("hold", [{}, {"do_not_contact": True}])
def test_bad_location_facts_raise_instead_of_deciding(
    overrides: dict[str, Any], match: str, hold: dict[str, bool]
) -> None:
    with pytest.raises(ValueError, match=match):
        evaluate(contact_facts(**overrides, **hold), DAY, REG_F)


@pytest.mark.parametrize(
    ("check", "parameter"),
    [
        (evaluate, "ruleset"),
        (check_holds, "ruleset"),
        (check_consent, "ruleset"),
        (check_quiet_hours_rule, "ruleset"),
        (check_quiet_hours, "rules"),
        (check_call_frequency, "ruleset"),
        (check_channel_caps, "ruleset"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_no_rule_falls_back_to_a_default_ruleset(
    check: Callable[..., object], parameter: str
) -> None:
    # Which rules bind depends on who collects; a silent default could apply the wrong law.
    assert inspect.signature(check).parameters[parameter].default is inspect.Parameter.empty
