"""Properties of `evaluate` on simple facts, checked with Hypothesis: quiet hours against an
oracle written from the regulation, and decisions that depend neither on how `now` is written
nor on the process's time zone."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from policy_property_helpers import CONTIGUOUS_US, PROCESS_ZONES, US_ZONES, nows, process_timezone
from rulesets import REG_F

from policies import CHANNELS, ConsentState, ContactFacts, Decision, Outcome, evaluate

zone_sets = st.lists(st.sampled_from(US_ZONES), unique=True, max_size=4).map(tuple)
# "localtime" is the host's own zone, which the policy rejects on purpose.
world_zone_sets = st.lists(
    st.timezones().map(str).filter(lambda z: z != "localtime"), unique=True, min_size=1, max_size=3
).map(tuple)
any_facts = st.builds(
    ContactFacts,
    channel=st.sampled_from(CHANNELS),
    purpose=st.sampled_from(("collection", "validation_notice", "transactional", "reply")),
    consent=st.sampled_from(ConsentState),
    timezones=zone_sets,
    do_not_contact=st.booleans(),
    cease_communication=st.booleans(),
)


def _convenient(instant: datetime, zones: tuple[str, ...]) -> bool:
    """An oracle written from the regulation, independent of the implementation."""
    return all(8 <= instant.astimezone(ZoneInfo(z)).hour < 21 for z in zones or CONTIGUOUS_US)


def _quiet_only(zones: tuple[str, ...]) -> ContactFacts:
    return ContactFacts(
        channel="email",
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=zones,
        provenance="consumer_provided",
    )


def _assert_matches_minute_search(now: datetime, zones: tuple[str, ...]) -> Decision:
    decision = evaluate(_quiet_only(zones), now, REG_F)
    assert (decision.outcome is Outcome.ALLOW) == _convenient(now, zones)
    # Zone offsets are whole minutes, so a common window always opens on a whole minute.
    first_minute = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    if decision.outcome is Outcome.DEFER:
        assert decision.not_before is not None
        assert decision.not_before >= now
        assert _convenient(decision.not_before, zones)
        assert not _convenient(decision.not_before - timedelta(seconds=1), zones)
        minutes = int((decision.not_before - first_minute) / timedelta(minutes=1))
    else:
        assert decision.not_before is None
        minutes = 8 * 24 * 60 if decision.outcome is Outcome.BLOCK else 0
    assert not any(_convenient(first_minute + timedelta(minutes=m), zones) for m in range(minutes))
    return decision


@settings(deadline=None)
@given(now=nows, zones=zone_sets)
def test_us_zones_defer_to_the_first_convenient_minute(
    now: datetime, zones: tuple[str, ...]
) -> None:
    decision = _assert_matches_minute_search(now, zones)
    # US offsets span ten hours (Guam to Puerto Rico), within the 13-hour window.
    assert decision.outcome is not Outcome.BLOCK


@settings(deadline=None)
@given(now=nows, zones=world_zone_sets)
def test_any_zones_block_only_without_a_common_window(
    now: datetime, zones: tuple[str, ...]
) -> None:
    _assert_matches_minute_search(now, zones)


@given(now=nows, facts=any_facts)
def test_representation_of_now_does_not_matter(now: datetime, facts: ContactFacts) -> None:
    assert evaluate(facts, now, REG_F) == evaluate(facts, now.astimezone(UTC), REG_F)


@given(now=nows, facts=any_facts)
def test_result_ignores_the_process_time_zone(now: datetime, facts: ContactFacts) -> None:
    decisions: list[Decision] = []
    offsets: set[int] = set()
    for name in PROCESS_ZONES:
        with process_timezone(name):
            offsets.add(time.localtime(now.timestamp()).tm_gmtoff)
            decisions.append(evaluate(facts, now, REG_F))
    # Guards the test itself: the process zone really changed between evaluations.
    assert len(offsets) == len(PROCESS_ZONES)
    assert all(d == decisions[0] for d in decisions)
