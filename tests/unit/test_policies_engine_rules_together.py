"""`evaluate` with every rule together: waits that meet quiet hours, defers across zones,
every reason listed, the ruleset choosing the rules, the reply grace, and a settlement of time
rules that never settles."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from policy_engine_helpers import DAY, NIGHT, contact_facts
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

CHICAGO = ZoneInfo("America/Chicago")


def _call(at: datetime, outcome: str = "no_answer", direction: str = "outbound") -> ContactRecord:
    return ContactRecord(channel="voice", direction=direction, at=at, outcome=outcome)


def _voice(history: tuple[ContactRecord, ...], **overrides: Any) -> ContactFacts:
    return contact_facts(
        channel="voice", history=history, timezones=("America/Chicago",), **overrides
    )


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
    facts = contact_facts(
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
    facts = contact_facts(timezones=("America/Chicago",), history=texts)
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
    decision = evaluate(contact_facts(purpose="reply", last_inbound_at=last), NIGHT, REG_F)
    assert decision.outcome is outcome


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
    decision = evaluate(contact_facts(), DAY, REG_F)
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
