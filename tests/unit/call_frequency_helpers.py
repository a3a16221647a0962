"""Calls, facts and a checked call-frequency check, shared by the tests of 12 CFR
1006.14(b)(2) (test_policies_call_frequency.py, test_policies_call_after_conversation.py).

March 2026: Monday the 2nd; US DST starts Sunday the 8th; Monday the 9th.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rulesets import REG_F

from policies import ConsentState, ContactFacts, ContactRecord
from policies.call_frequency import check_call_frequency
from policies.decision import RuleCheck
from policies.ruleset import Ruleset

CHICAGO = ZoneInfo("America/Chicago")
ATTEMPTS = ("call_frequency_7in7", "12 CFR 1006.14(b)(2)(i)(A)")
CONVERSATION = ("call_after_conversation", "12 CFR 1006.14(b)(2)(i)(B)")


def at(day: int, hour: int = 10, minute: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    """An instant in March 2026, local to `zone`."""
    return datetime(2026, 3, day, hour, minute, tzinfo=zone)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def call(when: datetime, outcome: str = "no_answer", direction: str = "outbound") -> ContactRecord:
    return ContactRecord(channel="voice", direction=direction, at=when, outcome=outcome)


def calls(*days: int, outcome: str = "no_answer") -> tuple[ContactRecord, ...]:
    return tuple(call(at(day, 9 + i % 10), outcome) for i, day in enumerate(days))


def voice_facts(history: tuple[ContactRecord, ...], **overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "voice",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": ("America/Chicago",),
        "history": history,
    }
    return ContactFacts(**(fields | overrides))


def check(
    history: tuple[ContactRecord, ...], now: datetime, ruleset: Ruleset = REG_F, **overrides: Any
) -> RuleCheck:
    facts = voice_facts(history, **overrides)
    result = check_call_frequency(facts, now, ruleset)
    if result.not_before is not None:
        # A defer's not_before is itself allowed by this rule, and the instant before is not.
        assert result.not_before > now
        assert check_call_frequency(facts, result.not_before, ruleset).passed
        assert not check_call_frequency(
            facts, result.not_before - timedelta(seconds=1), ruleset
        ).passed
    return result


def rules(result: RuleCheck) -> list[tuple[str, str]]:
    return [(r.rule, r.citation) for r in result.reasons]
