import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from policies import ConsentState, ContactFacts, Outcome, evaluate

NEW_YORK = ZoneInfo("America/New_York")
# 13:00 in New York, 10:00 in Los Angeles: convenient everywhere in the contiguous US.
DAY = datetime(2024, 1, 15, 18, 0, tzinfo=UTC)
# 21:30 in New York.
NIGHT = datetime(2024, 1, 16, 2, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2024, 1, 16, 13, 0, tzinfo=UTC)


def _facts(**overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "sms",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": ("America/New_York",),
    }
    return ContactFacts(**(fields | overrides))


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
    decision = evaluate(_facts(**overrides), now)
    assert decision.outcome is outcome
    assert [r.rule for r in decision.reasons] == rules
    assert decision.not_before == not_before
    assert decision.allowed is (outcome is Outcome.ALLOW)


def test_blocked_decision_still_explains_quiet_hours() -> None:
    decision = evaluate(_facts(do_not_contact=True, consent=ConsentState.REVOKED), NIGHT)
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
    }


def test_defer_serialises_to_json() -> None:
    decision = evaluate(_facts(), NIGHT)
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
    decision = evaluate(_facts(), now)
    assert decision.not_before == NEXT_MORNING
    assert decision.not_before is not None
    assert decision.not_before.utcoffset() == timedelta(0)


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_naive_now_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(_facts(**overrides), datetime(2024, 1, 15, 18, 0))


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_unknown_zone_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        evaluate(_facts(timezones=("America/Nowhere",), **overrides), DAY)
