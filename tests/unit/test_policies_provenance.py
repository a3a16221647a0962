"""Work email addresses and the third-party-disclosure safe harbors, as tables."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from policy_engine_helpers import contact_facts
from rulesets import FIRST_PARTY, REG_F

from policies import Outcome, Ruleset, evaluate
from policies.provenance import check_address

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.mark.parametrize(
    ("overrides", "reasons", "warnings"),
    [
        # Email: the consumer gave or used the address, or nothing is safe.
        ({"channel": "email", "provenance": "consumer_provided"}, [], []),
        ({"channel": "email", "provenance": "consumer_used"}, [], []),
        ({"channel": "email", "provenance": "creditor_provided"}, ["address_provenance"], []),
        ({"channel": "email", "provenance": "skip_trace"}, ["address_provenance"], []),
        ({"channel": "email", "provenance": None}, ["address_provenance"], []),
        (
            {
                "channel": "email",
                "provenance": "skip_trace",
                "consumer_used_at": NOW - timedelta(days=400),
            },
            [],
            [],
        ),
        # A work address: never, unless the consumer gave it or wrote from it.
        (
            {"channel": "email", "provenance": "creditor_provided", "work_address": True},
            ["work_address", "address_provenance"],
            [],
        ),
        ({"channel": "email", "provenance": "consumer_provided", "work_address": True}, [], []),
        (
            {
                "channel": "email",
                "provenance": "creditor_provided",
                "work_address": True,
                "consumer_used_at": NOW - timedelta(days=2),
            },
            [],
            [],
        ),
        # Texts: the consumer texted within 60 days, or a reassigned-numbers check; else warn.
        ({"channel": "sms", "consumer_used_at": NOW - timedelta(days=59)}, [], []),
        (
            {"channel": "sms", "consumer_used_at": NOW - timedelta(days=61)},
            [],
            ["address_provenance"],
        ),
        ({"channel": "sms", "reassigned_check_at": NOW - timedelta(days=200)}, [], []),
        ({"channel": "sms"}, [], ["address_provenance"]),
        # Calls are not electronic messages; a reply is not a collection message.
        ({"channel": "voice", "provenance": "skip_trace"}, [], []),
        ({"channel": "email", "provenance": "skip_trace", "purpose": "reply"}, [], []),
    ],
)
def test_third_party_address_rules(
    overrides: dict[str, Any], reasons: list[str], warnings: list[str]
) -> None:
    check = check_address(contact_facts(**overrides), NOW, REG_F)
    assert [r.rule for r in check.reasons] == reasons
    assert [r.rule for r in check.warnings] == warnings
    assert all(r.citation.startswith("12 CFR 1006.") for r in [*check.reasons, *check.warnings])


@pytest.mark.parametrize("ruleset", [FIRST_PARTY])
def test_first_party_creditors_are_not_bound(ruleset: Ruleset) -> None:
    facts = contact_facts(channel="email", provenance="skip_trace", work_address=True)
    assert check_address(facts, NOW, ruleset) == ([], [])


def test_a_warning_goes_with_the_decision_without_changing_it() -> None:
    decision = evaluate(contact_facts(channel="sms"), NOW, REG_F)
    assert decision.outcome is Outcome.ALLOW
    assert [w.rule for w in decision.warnings] == ["address_provenance"]
    blocked = evaluate(contact_facts(channel="email", provenance="skip_trace"), NOW, REG_F)
    assert blocked.outcome is Outcome.BLOCK
    assert [r.rule for r in blocked.reasons] == ["address_provenance"]
