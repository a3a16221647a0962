"""Properties of the policy on rich facts (history, postal codes, phones, holds, preferred
hours), checked with Hypothesis: each rule allows its own not_before, holds and preferred hours
only ever block more, facts survive JSON, call frequency matches the regulation's text, and the
history the rules read is enough."""

import json
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from policy_property_helpers import PROCESS_ZONES, US_ZONES, nows, process_timezone
from rulesets import FIRST_PARTY, REG_F

from gateway.outreach.rulesets import load_overlays
from policies import (
    PROVENANCES,
    PURPOSES,
    ConsentState,
    ContactFacts,
    ContactRecord,
    Outcome,
    Ruleset,
    candidate_zones,
    engine,
    evaluate,
    facts_from_dict,
    facts_to_dict,
    history_read,
)
from policies.call_frequency import check_call_frequency
from policies.caps import check_channel_caps
from policies.quiet_hours import check_quiet_hours_rule

POSTAL_CODES = (None, "10001", "60601", "94103", "85001", "80202", "96813", "99501", "09001")
PHONES = (
    "+12125550199",
    "+14155550123",
    "+13125550142",
    "+16025550110",
    "+19075550123",
    "+18085550123",
    "+18005550100",
)
OUTCOMES = ("conversation", "no_answer", "voicemail", "busy", "failed", "delivered", "sent")
HOLDS = ("do_not_contact", "cease_communication", "disputed", "attorney_represented")
RULESETS = (REG_F, FIRST_PARTY)
# The bundled state overlays on top of the federal ruleset, as the gateway loads it.
WITH_STATES = REG_F.with_overlays(load_overlays())
DAY_SECONDS = 86400


def _history(
    now: datetime, voice_only: bool = False
) -> st.SearchStrategy[tuple[ContactRecord, ...]]:
    channels = ("voice",) if voice_only else ("voice", "voice", "sms", "sms", "email", "chat")
    # Mostly the last 10 days, where the limits bite, some up to 30 days back.
    ages = st.one_of(st.integers(0, 10 * DAY_SECONDS), st.integers(0, 30 * DAY_SECONDS)).map(
        lambda seconds: now - timedelta(seconds=seconds)
    )
    record = st.builds(
        ContactRecord,
        channel=st.sampled_from(channels),
        direction=st.sampled_from(("outbound", "outbound", "outbound", "inbound")),
        at=ages,
        outcome=st.sampled_from(OUTCOMES),
    )
    # Short histories, and dense ones like 30 days of a busy account.
    return (st.lists(record, max_size=8) | st.lists(record, min_size=20, max_size=40)).map(tuple)


# Whole minutes, start before end: what the portal stores. Often none, as on most accounts.
_minutes = st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=2, unique=True).map(sorted)
preferred_hours = st.none() | _minutes.map(
    lambda m: (time(m[0] // 60, m[0] % 60), time(m[1] // 60, m[1] % 60))
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[ContactFacts, datetime]:
    """Facts and `now` as the gateway would load them: history up to `now`."""
    now = draw(nows)
    facts = ContactFacts(
        channel=draw(st.sampled_from(("sms", "email", "voice", "voice", "chat"))),
        purpose=draw(st.sampled_from(PURPOSES)),
        consent=draw(st.sampled_from(ConsentState)),
        timezones=draw(st.lists(st.sampled_from(US_ZONES), unique=True, max_size=2).map(tuple)),
        postal_code=draw(st.sampled_from(POSTAL_CODES)),
        phones=draw(st.lists(st.sampled_from(PHONES), unique=True, max_size=2).map(tuple)),
        contact_valid=draw(st.booleans()),
        history=draw(_history(now)),
        do_not_contact=draw(st.booleans()),
        cease_communication=draw(st.booleans()),
        disputed=draw(st.booleans()),
        validation_recorded=draw(st.booleans()),
        attorney_represented=draw(st.booleans()),
        last_inbound_at=draw(
            st.none() | st.integers(0, 3 * 3600).map(lambda s: now - timedelta(seconds=s))
        ),
        provenance=draw(st.sampled_from((None, *PROVENANCES))),
        work_address=draw(st.booleans()),
        consumer_used_at=draw(
            st.none() | st.integers(0, 90 * DAY_SECONDS).map(lambda s: now - timedelta(seconds=s))
        ),
        consent_source=draw(st.sampled_from((None, "written", "api"))),
        time_barred=draw(st.booleans()),
        preferred_hours=draw(preferred_hours),
    )
    return facts, now


def _unblocked(facts: ContactFacts) -> ContactFacts:
    return replace(
        facts,
        consent=ConsentState.GRANTED,
        contact_valid=True,
        do_not_contact=False,
        cease_communication=False,
        disputed=False,
        attorney_represented=False,
        provenance="consumer_provided",
        work_address=False,
    )


RULE_CHECKS = (
    ("quiet_hours", lambda f, t, r: check_quiet_hours_rule(f, t, r)),
    ("call_frequency", lambda f, t, r: check_call_frequency(f, t, r)),
    ("channel_caps", lambda f, t, r: check_channel_caps(f, t, r)),
)


@settings(deadline=None)
@given(scenario=scenarios(), ruleset=st.sampled_from(RULESETS))
def test_a_rule_allows_its_own_not_before(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset
) -> None:
    facts, now = scenario
    for name, check in RULE_CHECKS:
        result = check(facts, now, ruleset)
        assert result.passed is (not result.reasons)
        if result.not_before is not None:
            assert result.not_before > now, name
            assert check(facts, result.not_before, ruleset).passed, name


@settings(deadline=None)
@given(scenario=scenarios(), ruleset=st.sampled_from(RULESETS))
def test_a_deferred_contact_is_allowed_at_its_not_before(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset
) -> None:
    facts, now = scenario
    facts = _unblocked(facts)
    decision = evaluate(facts, now, ruleset)
    if facts.preferred_hours is None:
        assert decision.outcome is not Outcome.BLOCK  # US zones always share a window
    elif decision.outcome is Outcome.BLOCK:
        # Preferred hours may leave no time, or none common to the zones.
        assert {r.rule for r in decision.reasons} >= {"quiet_hours"}
        return
    if decision.outcome is Outcome.DEFER:
        assert decision.not_before is not None
        assert decision.not_before > now
        assert evaluate(facts, decision.not_before, ruleset).outcome is Outcome.ALLOW
        assert {r.rule for r in decision.reasons} <= {
            "quiet_hours",
            "call_frequency_7in7",
            "call_after_conversation",
            "channel_cap",
        }
    else:
        assert decision.reasons == ()


@settings(deadline=None)
@given(
    scenario=scenarios(),
    ruleset=st.sampled_from(RULESETS),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_rules_that_stay_passed_do(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset, later: timedelta
) -> None:
    facts, now = scenario
    zones = candidate_zones(facts.timezones, facts.postal_code, facts.phones)
    for rule in engine.TIME_RULES:
        if rule.stays_passed and rule.check(facts, now, ruleset, zones).passed:
            assert rule.check(facts, now + later, ruleset, zones).passed, rule.name


SEVERITY = {Outcome.ALLOW: 0, Outcome.DEFER: 1, Outcome.BLOCK: 2}


@settings(deadline=None)
@given(
    scenario=scenarios(),
    ruleset=st.sampled_from(RULESETS),
    hold=st.sampled_from((*HOLDS, "contact_valid", "consent")),
)
def test_blocking_is_monotone_in_added_holds(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset, hold: str
) -> None:
    facts, now = scenario
    if hold == "contact_valid":
        held = replace(facts, contact_valid=False)
    elif hold == "consent":
        held = replace(facts, consent=ConsentState.REVOKED)
    else:
        held = replace(facts, **{hold: True})
    before, after = evaluate(facts, now, ruleset), evaluate(held, now, ruleset)
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome]
    if before.outcome is Outcome.BLOCK:
        assert after.outcome is Outcome.BLOCK
        kept = {r.rule for r in before.reasons}
        if hold == "contact_valid":
            # Without a contact point, its consent is moot: invalid_contact replaces it.
            kept -= {"opted_out", "consent_missing"}
        if hold == "consent":
            # Consent is one state: a revocation replaces "missing".
            kept -= {"consent_missing"}
        assert kept <= {r.rule for r in after.reasons}
    if after.outcome is before.outcome is Outcome.DEFER:
        assert after == before


@settings(deadline=None)
@given(scenario=scenarios(), ruleset=st.sampled_from(RULESETS), preferred=preferred_hours)
def test_preferred_hours_only_ever_block_or_defer_more(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset, preferred: tuple[time, time] | None
) -> None:
    facts, now = scenario
    # Stating hours is a restriction, never a loosening (12 CFR 1006.6(b)(1)(i)).
    free = replace(facts, preferred_hours=None)
    restricted = replace(facts, preferred_hours=preferred or facts.preferred_hours)
    before, after = evaluate(free, now, ruleset), evaluate(restricted, now, ruleset)
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome]
    if before.outcome is Outcome.BLOCK:
        assert {r.rule for r in before.reasons} <= {r.rule for r in after.reasons}
    if after.outcome is before.outcome is Outcome.DEFER:
        assert after.not_before is not None
        assert before.not_before is not None
        assert after.not_before >= before.not_before


@settings(deadline=None)
@given(scenario=scenarios())
def test_state_overlays_only_ever_block_or_defer_more(
    scenario: tuple[ContactFacts, datetime],
) -> None:
    facts, now = scenario
    federal, with_states = evaluate(facts, now, REG_F), evaluate(facts, now, WITH_STATES)
    assert SEVERITY[with_states.outcome] >= SEVERITY[federal.outcome]
    if federal.outcome is Outcome.BLOCK:
        assert {r.rule for r in federal.reasons} <= {r.rule for r in with_states.reasons}
    if with_states.outcome is federal.outcome is Outcome.DEFER:
        assert with_states.not_before is not None
        assert federal.not_before is not None
        assert with_states.not_before >= federal.not_before


@given(scenario=scenarios())
def test_facts_round_trip_through_json(scenario: tuple[ContactFacts, datetime]) -> None:
    facts, now = scenario
    stored = json.loads(json.dumps(facts_to_dict(facts)))
    restored = facts_from_dict(stored)
    assert restored == facts
    assert facts_to_dict(restored) == stored
    # `parley policy explain` re-runs the decision on the stored facts.
    assert evaluate(restored, now, REG_F) == evaluate(facts, now, REG_F)


@settings(deadline=None)
@given(scenario=scenarios())
def test_rich_decisions_ignore_the_process_time_zone(
    scenario: tuple[ContactFacts, datetime],
) -> None:
    facts, now = scenario
    decisions = []
    for name in PROCESS_ZONES:
        with process_timezone(name):
            decisions.append(evaluate(facts, now, REG_F))
    assert all(d == decisions[0] for d in decisions)


def _frequency_oracle(
    history: tuple[ContactRecord, ...], instant: datetime, zone: ZoneInfo
) -> bool:
    """12 CFR 1006.14(b)(2)(i), written from the text: may a call be placed at `instant`?"""
    day = instant.astimezone(zone).date()
    week = timedelta(days=6)
    calls = [
        r.at.astimezone(zone).date()
        for r in history
        if r.channel == "voice" and r.direction == "outbound"
    ]
    # (A) every 7 consecutive days that include this call hold no more than 7 calls.
    for first in (day - timedelta(days=k) for k in range(7)):
        if sum(first <= d <= first + week for d in calls) + 1 > 7:
            return False
    # (B) no call on days 1-7 of a conversation, its own date being day 1.
    conversations = [
        r.at.astimezone(zone).date()
        for r in history
        if r.channel == "voice" and r.outcome == "conversation"
    ]
    return not any(c <= day <= c + week for c in conversations)


@settings(deadline=None)
@given(
    data=st.data(),
    zone=st.sampled_from(
        ("America/Chicago", "America/New_York", "America/Phoenix", "Pacific/Honolulu")
    ),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)),
)
def test_call_frequency_matches_the_regulation(
    data: st.DataObject, zone: str, later: timedelta
) -> None:
    now = data.draw(nows)
    history = data.draw(_history(now, voice_only=True))
    facts = ContactFacts(
        channel="voice",
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=(zone,),
        history=history,
    )
    tz = ZoneInfo(zone)
    for instant in (now, now + later):
        result = check_call_frequency(facts, instant, REG_F)
        assert result.passed is _frequency_oracle(history, instant, tz)
        if result.not_before is not None:
            # The first instant the regulation allows: allowed there, not a second before.
            assert _frequency_oracle(history, result.not_before, tz)
            assert not _frequency_oracle(history, result.not_before - timedelta(seconds=1), tz)


@settings(deadline=None)
@given(scenario=scenarios(), ruleset=st.sampled_from(RULESETS))
def test_the_history_the_rules_read_decides_as_the_whole_history_does(
    scenario: tuple[ContactFacts, datetime], ruleset: Ruleset
) -> None:
    facts, now = scenario
    read = history_read(facts.history, facts.channel, facts.purpose, ruleset)
    assert set(read) <= set(facts.history)
    assert evaluate(replace(facts, history=read), now, ruleset) == evaluate(facts, now, ruleset)
