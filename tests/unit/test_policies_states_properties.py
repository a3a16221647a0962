"""Properties of the state overlays, checked with Hypothesis: adding overlays only adds reasons
and disclosures (an overlay never lifts what another rule says, so the strictest applies), a
frequency wait ends where it says, and a passed check stays passed."""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import policies
from policies import CHANNELS, CONTACT_OUTCOMES, PURPOSES, ConsentState, ContactFacts, RuleCheck
from policies.facts import ContactRecord
from policies.state_overlays import StateOverlay, parse_overlay
from policies.state_rules import check_state_rules, state_disclosures

STATES_DIR = Path(policies.__file__).parent / "rulesets" / "states"
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu")
START = datetime(2026, 1, 1, tzinfo=UTC)


@cache
def loaded() -> dict[str, StateOverlay]:
    return {
        path.stem: parse_overlay(path.read_bytes(), str(path))
        for path in sorted(STATES_DIR.glob("*.yaml"))
    }


instants = st.integers(min_value=0, max_value=120 * 24 * 60).map(
    lambda minutes: START + timedelta(minutes=minutes)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[ContactFacts, datetime, tuple[str, ...]]:
    now = draw(instants)
    records = draw(
        st.lists(
            st.builds(
                ContactRecord,
                channel=st.sampled_from(CHANNELS),
                direction=st.sampled_from(("outbound", "inbound")),
                at=st.integers(min_value=-35 * 24 * 60, max_value=24 * 60).map(
                    lambda minutes: now + timedelta(minutes=minutes)
                ),
                outcome=st.sampled_from(CONTACT_OUTCOMES),
            ),
            max_size=8,
        )
    )
    contact = ContactFacts(
        channel=draw(st.sampled_from(CHANNELS)),
        purpose=draw(st.sampled_from(PURPOSES)),
        consent=draw(st.sampled_from(ConsentState)),
        consent_source=draw(st.sampled_from((None, "written", "api", "agent"))),
        timezones=("America/New_York",),
        history=tuple(records),
        work_address=draw(st.booleans()),
        time_barred=draw(st.booleans()),
    )
    zones = tuple(sorted(draw(st.sets(st.sampled_from(ZONES), min_size=1, max_size=3))))
    return contact, now, zones


region_sets = st.sets(st.sampled_from(("ca", "ma", "ny", "nyc", "wa", "wv")))


def _check(
    contact: ContactFacts, now: datetime, regions: set[str], zones: tuple[str, ...]
) -> RuleCheck:
    overlays = tuple(loaded()[r] for r in sorted(regions))
    return check_state_rules(contact, now, overlays, zones)


@settings(deadline=None)
@given(scenario=scenarios(), smaller=region_sets, extra=region_sets)
def test_adding_overlays_only_adds_reasons(
    scenario: tuple[ContactFacts, datetime, tuple[str, ...]], smaller: set[str], extra: set[str]
) -> None:
    contact, now, zones = scenario
    larger = smaller | extra
    few, more = _check(contact, now, smaller, zones), _check(contact, now, larger, zones)
    assert set(few.reasons) <= set(more.reasons)
    # Never less strict: a block stays a block, a wait only gets longer.
    if few.reasons and few.not_before is None:
        assert more.not_before is None
    if few.not_before is not None and more.not_before is not None:
        assert more.not_before >= few.not_before
    overlays = tuple(loaded()[r] for r in sorted(larger))
    assert set(
        state_disclosures(contact, tuple(o for o in overlays if o.region in smaller))
    ) <= set(state_disclosures(contact, overlays))
    # No overlay, nothing added.
    assert check_state_rules(contact, now, (), zones).passed


@settings(deadline=None)
@given(
    scenario=scenarios(),
    regions=region_sets,
    later=st.integers(min_value=0, max_value=40 * 24 * 60),
)
def test_a_wait_ends_where_it_says_and_a_pass_stays_passed(
    scenario: tuple[ContactFacts, datetime, tuple[str, ...]], regions: set[str], later: int
) -> None:
    contact, now, zones = scenario
    result = _check(contact, now, regions, zones)
    if result.reasons and result.not_before is None:
        # Consent does not change with time: still blocked later.
        assert _check(contact, now + timedelta(minutes=later), regions, zones).not_before is None
        return
    if result.not_before is not None:
        assert result.not_before > now
        assert not _check(
            contact, result.not_before - timedelta(microseconds=1), regions, zones
        ).passed
        now = result.not_before
    # Frequency limits only count past events: once allowed, allowed from then on.
    assert _check(contact, now, regions, zones).passed
    assert _check(contact, now + timedelta(minutes=later), regions, zones).passed
