import inspect
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import (
    ConsentState,
    ContactFacts,
    ContactRecord,
    Outcome,
    Reason,
    RuleCheck,
    Ruleset,
    engine,
    evaluate,
)
from policies.call_frequency import check_call_frequency
from policies.caps import check_channel_caps
from policies.consent import check_consent
from policies.holds import check_holds
from policies.quiet_hours import check_quiet_hours, check_quiet_hours_rule

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
    decision = evaluate(_facts(**overrides), now, REG_F)
    assert decision.outcome is outcome
    assert [r.rule for r in decision.reasons] == rules
    assert decision.not_before == not_before
    assert decision.allowed is (outcome is Outcome.ALLOW)


def test_blocked_decision_still_explains_quiet_hours() -> None:
    decision = evaluate(_facts(do_not_contact=True, consent=ConsentState.REVOKED), NIGHT, REG_F)
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
    decision = evaluate(_facts(), NIGHT, REG_F)
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
    decision = evaluate(_facts(), now, REG_F)
    assert decision.not_before == NEXT_MORNING
    assert decision.not_before is not None
    assert decision.not_before.utcoffset() == timedelta(0)


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_naive_now_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(_facts(**overrides), datetime(2024, 1, 15, 18, 0), REG_F)


@pytest.mark.parametrize("overrides", [{}, {"do_not_contact": True}])
def test_unknown_zone_raises(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        evaluate(_facts(timezones=("America/Nowhere",), **overrides), DAY, REG_F)


# --- Every rule together ---------------------------------------------------------------------

CHICAGO = ZoneInfo("America/Chicago")


def _call(at: datetime, outcome: str = "no_answer", direction: str = "outbound") -> ContactRecord:
    return ContactRecord(channel="voice", direction=direction, at=at, outcome=outcome)


def _voice(history: tuple[ContactRecord, ...], **overrides: Any) -> ContactFacts:
    return _facts(channel="voice", history=history, timezones=("America/Chicago",), **overrides)


def test_a_wait_ending_at_midnight_is_pushed_to_the_morning() -> None:
    conversation = datetime(2026, 3, 2, 14, tzinfo=CHICAGO)
    decision = evaluate(
        _voice((_call(conversation, "conversation"),)), conversation + timedelta(hours=2), REG_F
    )
    # Day 8 starts at 00:00 on Monday 9th in Chicago; quiet hours hold the call until 08:00.
    assert decision.outcome is Outcome.DEFER
    assert decision.not_before == datetime(2026, 3, 9, 8, 0, tzinfo=CHICAGO)
    assert [r.rule for r in decision.reasons] == ["call_after_conversation", "quiet_hours"]
    assert decision.reasons[1].message == (
        "00:00 in America/Chicago is outside 08:00-21:00 (at 2026-03-09T05:00:00Z, when the "
        "other rules would next allow this contact)"
    )
    assert evaluate(
        _voice((_call(conversation, "conversation"),)), decision.not_before, REG_F
    ).allowed


def test_a_defer_across_zones_waits_for_every_rule_in_every_zone() -> None:
    # The consumer called in at 00:30 Tuesday New York time, 21:30 Monday in Los Angeles.
    conversation = datetime(2026, 3, 3, 0, 30, tzinfo=ZoneInfo("America/New_York"))
    facts = _facts(
        channel="voice",
        timezones=(),
        postal_code="10001",
        phones=("+14155550123",),
        history=(_call(conversation, "conversation", "inbound"),),
    )
    decision = evaluate(facts, conversation + timedelta(hours=1), REG_F)
    # Day 8 starts on Tuesday 10th in New York (04:00Z); 08:00 in Los Angeles is 15:00Z.
    assert decision.not_before == datetime(2026, 3, 10, 15, tzinfo=UTC)
    assert [r.rule for r in decision.reasons] == ["quiet_hours", "call_after_conversation"]
    assert evaluate(facts, decision.not_before, REG_F).allowed
    assert not evaluate(facts, decision.not_before - timedelta(seconds=1), REG_F).allowed


def test_caps_and_quiet_hours_defer_together() -> None:
    now = datetime(2026, 3, 10, 22, tzinfo=CHICAGO)
    texts = tuple(
        ContactRecord("sms", "outbound", now - timedelta(days=d, hours=9), "delivered")
        for d in (1, 2, 3)
    )
    facts = _facts(timezones=("America/Chicago",), history=texts)
    decision = evaluate(facts, now, REG_F)
    assert decision.outcome is Outcome.DEFER
    assert [r.rule for r in decision.reasons] == ["quiet_hours", "channel_cap"]
    # The oldest text (13:00 CST on the 7th) leaves the 7 x 24-hour window at 19:00Z on the
    # 14th: 14:00 local, since the clocks moved forward in between.
    assert decision.not_before == datetime(2026, 3, 14, 14, tzinfo=CHICAGO)
    assert evaluate(facts, decision.not_before, REG_F).allowed


def test_every_reason_is_listed() -> None:
    now = datetime(2026, 3, 4, 23, tzinfo=CHICAGO)
    history = (
        _call(datetime(2026, 3, 2, 14, tzinfo=CHICAGO), "conversation"),
        *(_call(datetime(2026, 3, 3, 9 + i, tzinfo=CHICAGO)) for i in range(7)),
    )
    facts = _voice(
        history,
        do_not_contact=True,
        cease_communication=True,
        disputed=True,
        attorney_represented=True,
        consent=ConsentState.REVOKED,
    )
    decision = evaluate(facts, now, REG_F)
    assert decision.outcome is Outcome.BLOCK
    assert [r.rule for r in decision.reasons] == [
        "do_not_contact",
        "cease_communication",
        "dispute_hold",
        "attorney_represented",
        "opted_out",
        "quiet_hours",
        "call_frequency_7in7",
        "call_after_conversation",
    ]
    assert all(r.message and r.citation for r in decision.reasons)


@pytest.mark.parametrize(
    ("ruleset", "outcome", "rules"),
    [
        (REG_F, Outcome.BLOCK, ["dispute_hold", "call_frequency_7in7"]),
        (FIRST_PARTY, Outcome.ALLOW, []),
    ],
)
def test_the_ruleset_decides_which_rules_run(
    ruleset: Ruleset, outcome: Outcome, rules: list[str]
) -> None:
    history = tuple(_call(datetime(2026, 3, 3, 9 + i, tzinfo=CHICAGO)) for i in range(7))
    decision = evaluate(
        _voice(history, disputed=True), datetime(2026, 3, 4, 12, tzinfo=CHICAGO), ruleset
    )
    assert decision.outcome is outcome
    assert [r.rule for r in decision.reasons] == rules


@pytest.mark.parametrize(
    ("minutes_ago", "outcome"), [(10, Outcome.ALLOW), (45, Outcome.DEFER), (None, Outcome.DEFER)]
)
def test_a_reply_to_a_consumer_writing_now_goes_out_at_night(
    minutes_ago: int | None, outcome: Outcome
) -> None:
    last = None if minutes_ago is None else NIGHT - timedelta(minutes=minutes_ago)
    decision = evaluate(_facts(purpose="reply", last_inbound_at=last), NIGHT, REG_F)
    assert decision.outcome is outcome


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
        evaluate(_facts(**overrides, **hold), DAY, REG_F)


def test_a_settlement_that_never_settles_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    def always_later(
        facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
    ) -> RuleCheck:
        reason = Reason(rule="quiet_hours", message="never", citation="test")
        return RuleCheck([reason], at + timedelta(hours=1))

    def wait_two_hours(
        facts: ContactFacts, at: datetime, rules: Ruleset, zones: tuple[str, ...]
    ) -> RuleCheck:
        reason = Reason(rule="channel_cap", message="wait", citation="test")
        return RuleCheck([reason], DAY + timedelta(hours=2))

    restless = engine.TimeRule("restless", always_later, stays_passed=False)
    waiting = engine.TimeRule("waiting", wait_two_hours, stays_passed=True)
    monkeypatch.setattr(engine, "TIME_RULES", (restless, waiting))
    monkeypatch.setattr(engine, "UNSETTLED_TIME_RULES", (restless,))
    decision = evaluate(_facts(), DAY, REG_F)
    assert decision.outcome is Outcome.BLOCK
    assert [r.rule for r in decision.reasons] == ["quiet_hours", "channel_cap"]


def test_decision_json_of_a_call_frequency_defer() -> None:
    history = tuple(_call(datetime(2026, 3, 3, 9 + i, tzinfo=CHICAGO)) for i in range(7))
    decision = evaluate(_voice(history), datetime(2026, 3, 4, 12, tzinfo=CHICAGO), REG_F)
    as_json = json.loads(json.dumps(decision.to_dict()))
    assert as_json["outcome"] == "defer"
    # Day 8 after Tuesday 3rd is Tuesday 10th; 08:00 CDT is 13:00Z.
    assert as_json["not_before"] == "2026-03-10T13:00:00Z"
    assert [r["citation"] for r in as_json["reasons"]] == [
        "12 CFR 1006.14(b)(2)(i)(A)",
        "12 CFR 1006.6(b)(1)(i)",
    ]


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
