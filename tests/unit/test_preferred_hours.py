"""The hours a consumer said suit them: a further limit inside quiet hours (12 CFR
1006.6(b)(1)(i)) in every zone the consumer may be in, never a loosening; preferred hours that
leave nothing block; a reply to a consumer writing now ignores them; they survive the audit
JSON and the account snapshot, and unreadable ones fail closed."""

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from policy_engine_helpers import contact_facts
from quiet_hours_helpers import NEW_YORK, utc
from rulesets import FIRST_PARTY, REG_F

from gateway.errors import ValidationFailed
from gateway.outreach.decisions import decide
from gateway.outreach.snapshots import AccountSnapshot, ContactPoint
from policies import ContactFacts, Outcome, evaluate, facts_from_dict, facts_to_dict
from policies.facts_json import parse_preferred_hours
from policies.quiet_hours import CITATION, check_quiet_hours_rule
from policies.rule_settings import QuietHoursSettings
from policies.ruleset import Ruleset

EVENING = (time(18), time(20))
# Area codes in other zones than the declared New York one.
CHICAGO_PHONE = "+13125550142"
SAN_FRANCISCO_PHONE = "+14155550123"
PHOENIX_PHONE = "+16025550110"


def _ny(day: tuple[int, int, int], hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(*day, hour, minute, second, tzinfo=NEW_YORK)


def _check(facts: ContactFacts, now: datetime, ruleset: Ruleset = REG_F) -> datetime | None:
    """None when allowed now, else the not_before of a quiet-hours defer (which it asserts)."""
    result = check_quiet_hours_rule(facts, now, ruleset)
    if result.passed:
        return None
    assert [(r.rule, r.citation) for r in result.reasons] == [("quiet_hours", CITATION)]
    assert result.not_before is not None, result.reasons
    return result.not_before


WINTER = (2024, 1, 15)


@pytest.mark.parametrize(
    ("now", "not_before"),
    [
        pytest.param(_ny(WINTER, 7), utc(2024, 1, 15, 23), id="before quiet hours end"),
        pytest.param(_ny(WINTER, 13), utc(2024, 1, 15, 23), id="afternoon, inside quiet hours"),
        pytest.param(_ny(WINTER, 17, 59, 59), utc(2024, 1, 15, 23), id="a second before"),
        pytest.param(_ny(WINTER, 18), None, id="start is inclusive"),
        pytest.param(_ny(WINTER, 19, 5), None, id="inside"),
        pytest.param(_ny(WINTER, 19, 59, 59), None, id="last second"),
        pytest.param(_ny(WINTER, 20), utc(2024, 1, 16, 23), id="end is exclusive"),
        pytest.param(_ny(WINTER, 21, 30), utc(2024, 1, 16, 23), id="night"),
    ],
)
@pytest.mark.parametrize("ruleset", [REG_F, FIRST_PARTY], ids=["reg_f", "first_party"])
def test_inside_and_outside_the_preferred_hours(
    now: datetime, not_before: datetime | None, ruleset: Ruleset
) -> None:
    assert _check(contact_facts(preferred_hours=EVENING), now, ruleset) == not_before


@pytest.mark.parametrize("channel", ["sms", "email", "voice", "chat"])
def test_every_channel_quiet_hours_cover_honours_them(channel: str) -> None:
    facts = contact_facts(channel=channel, preferred_hours=EVENING)
    assert _check(facts, _ny(WINTER, 13)) == utc(2024, 1, 15, 23)


def test_a_channel_quiet_hours_do_not_cover_is_not_held_back_by_them() -> None:
    voice_only = replace(
        REG_F,
        quiet_hours=QuietHoursSettings(True, REG_F.quiet_hours.window, frozenset({"voice"})),
    )
    facts = contact_facts(channel="email", preferred_hours=EVENING)
    assert check_quiet_hours_rule(facts, _ny(WINTER, 13), voice_only).passed


@pytest.mark.parametrize(
    ("preferred", "now", "not_before"),
    [
        # Wider than quiet hours: quiet hours alone decide.
        pytest.param((time(0), time(23, 59)), _ny(WINTER, 7, 59), utc(2024, 1, 15, 13), id="wide"),
        pytest.param((time(0), time(23, 59)), _ny(WINTER, 21), utc(2024, 1, 16, 13), id="wide 21"),
        pytest.param((time(0), time(23, 59)), _ny(WINTER, 20, 59), None, id="wide 20:59"),
        # Overlapping one edge: only the overlap is convenient.
        pytest.param((time(19), time(23)), _ny(WINTER, 20, 59, 59), None, id="ends at 21:00"),
        pytest.param((time(19), time(23)), _ny(WINTER, 21), utc(2024, 1, 17, 0), id="21:00"),
        pytest.param((time(19), time(23)), _ny(WINTER, 22), utc(2024, 1, 17, 0), id="22:00"),
        pytest.param((time(6), time(9)), _ny(WINTER, 7), utc(2024, 1, 15, 13), id="starts at 8"),
        pytest.param((time(6), time(9)), _ny(WINTER, 9), utc(2024, 1, 16, 13), id="after 9"),
        # Ending exactly where quiet hours do.
        pytest.param((time(17), time(21)), _ny(WINTER, 20, 59, 59), None, id="until 21:00"),
        pytest.param((time(17), time(21)), _ny(WINTER, 21), utc(2024, 1, 16, 22), id="at 21:00"),
        pytest.param((time(8, 15), time(8, 45)), _ny(WINTER, 8), utc(2024, 1, 15, 13, 15)),
    ],
)
def test_the_window_is_the_intersection_with_quiet_hours(
    preferred: tuple[time, time], now: datetime, not_before: datetime | None
) -> None:
    assert _check(contact_facts(preferred_hours=preferred), now) == not_before


@pytest.mark.parametrize(
    ("preferred", "phones", "now", "not_before"),
    [
        # New York 18-20 and Chicago 18-20 overlap 00:00-01:00Z (19-20 in New York).
        pytest.param(EVENING, (CHICAGO_PHONE,), utc(2024, 1, 15, 23, 30), utc(2024, 1, 16, 0)),
        pytest.param(EVENING, (CHICAGO_PHONE,), utc(2024, 1, 16, 0, 30), None),
        pytest.param(EVENING, (CHICAGO_PHONE,), utc(2024, 1, 16, 1), utc(2024, 1, 17, 0)),
        # New York 17-21 and Phoenix (no DST) 17-21: 00:00-02:00Z in winter ...
        pytest.param((time(17), time(21)), (PHOENIX_PHONE,), utc(2024, 1, 16, 1, 30), None),
        pytest.param(
            (time(17), time(21)), (PHOENIX_PHONE,), utc(2024, 1, 15, 23), utc(2024, 1, 16, 0)
        ),
        # ... 00:00-01:00Z in summer.
        pytest.param((time(17), time(21)), (PHOENIX_PHONE,), utc(2024, 7, 16, 0, 30), None),
        pytest.param(
            (time(17), time(21)), (PHOENIX_PHONE,), utc(2024, 7, 16, 1, 30), utc(2024, 7, 17, 0)
        ),
    ],
)
def test_the_preferred_hours_hold_in_every_candidate_zone(
    preferred: tuple[time, time],
    phones: tuple[str, ...],
    now: datetime,
    not_before: datetime | None,
) -> None:
    facts = contact_facts(preferred_hours=preferred, phones=phones)
    assert _check(facts, now) == not_before


@pytest.mark.parametrize(
    ("now", "not_before"),
    [
        # New York springs forward at 2024-03-10 07:00Z: 18:00 that day is 22:00Z, not 23:00Z.
        pytest.param(utc(2024, 3, 10, 1, 30), utc(2024, 3, 10, 22), id="night before spring"),
        pytest.param(utc(2024, 3, 10, 12), utc(2024, 3, 10, 22), id="spring morning"),
        pytest.param(utc(2024, 3, 10, 22), None, id="spring 18:00 EDT"),
        pytest.param(utc(2024, 3, 11, 0), utc(2024, 3, 11, 22), id="spring 20:00 EDT"),
        # New York falls back at 2024-11-03 06:00Z: 18:00 that day is 23:00Z, not 22:00Z.
        pytest.param(utc(2024, 11, 3, 0, 30), utc(2024, 11, 3, 23), id="night before fall"),
        pytest.param(utc(2024, 11, 3, 22, 30), utc(2024, 11, 3, 23), id="fall 17:30 EST"),
        pytest.param(utc(2024, 11, 4, 0, 30), None, id="fall 19:30 EST"),
    ],
)
def test_dst_days_land_on_the_real_local_start(now: datetime, not_before: datetime | None) -> None:
    assert _check(contact_facts(preferred_hours=EVENING), now) == not_before


@pytest.mark.parametrize(
    ("preferred", "phones", "message"),
    [
        pytest.param(
            (time(21, 30), time(23)),
            (),
            "The consumer's preferred hours (21:30-23:00) leave no convenient time "
            "within 08:00-21:00",
            id="after quiet hours",
        ),
        pytest.param(
            (time(21), time(22)),
            (),
            "The consumer's preferred hours (21:00-22:00) leave no convenient time "
            "within 08:00-21:00",
            id="starting at 21:00",
        ),
        pytest.param(
            (time(6), time(8)),
            (),
            "The consumer's preferred hours (06:00-08:00) leave no convenient time "
            "within 08:00-21:00",
            id="ending at 08:00",
        ),
        pytest.param(
            EVENING,
            (SAN_FRANCISCO_PHONE,),
            "The consumer's time zones (America/Los_Angeles, America/New_York) have no common "
            "convenient time within 18:00-20:00 (the consumer's preferred hours within "
            "08:00-21:00) in the next 8 days",
            id="no overlap between the zones",
        ),
    ],
)
@pytest.mark.parametrize("now", [_ny(WINTER, 13), _ny(WINTER, 19), _ny(WINTER, 22)])
def test_nothing_convenient_blocks(
    preferred: tuple[time, time], phones: tuple[str, ...], message: str, now: datetime
) -> None:
    facts = contact_facts(preferred_hours=preferred, phones=phones)
    result = check_quiet_hours_rule(facts, now, REG_F)
    assert result.not_before is None
    assert [(r.rule, r.message, r.citation) for r in result.reasons] == [
        ("quiet_hours", message, CITATION)
    ]
    decision = evaluate(facts, now, REG_F)
    assert decision.outcome is Outcome.BLOCK
    assert [r.rule for r in decision.reasons] == ["quiet_hours"]


@pytest.mark.parametrize(
    ("preferred", "now", "message"),
    [
        pytest.param(
            EVENING,
            _ny(WINTER, 20, 5),
            "20:05 in America/New_York is outside 18:00-20:00 "
            "(the consumer's preferred hours within 08:00-21:00)",
            id="inside the rules' window",
        ),
        pytest.param(
            (time(19), time(23)),
            _ny(WINTER, 18),
            "18:00 in America/New_York is outside 19:00-21:00 "
            "(the consumer's preferred hours 19:00-23:00 within 08:00-21:00)",
            id="reaching past it",
        ),
    ],
)
def test_the_reason_names_the_preferred_hours(
    preferred: tuple[time, time], now: datetime, message: str
) -> None:
    (reason,) = check_quiet_hours_rule(contact_facts(preferred_hours=preferred), now, REG_F).reasons
    assert reason.message == message


def _reply(channel: str, minutes_ago: float, preferred: tuple[time, time]) -> ContactFacts:
    return contact_facts(
        channel=channel,
        purpose="reply",
        preferred_hours=preferred,
        last_inbound_at=_ny(WINTER, 13) - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("facts", "not_before"),
    [
        pytest.param(_reply("sms", 5, EVENING), None, id="sms in the grace"),
        pytest.param(_reply("email", 30, EVENING), None, id="email at the end of the grace"),
        pytest.param(_reply("chat", 0, EVENING), None, id="chat, writing now"),
        pytest.param(_reply("sms", 0, (time(21, 30), time(23))), None, id="nothing convenient"),
        pytest.param(_reply("sms", 31, EVENING), utc(2024, 1, 15, 23), id="after the grace"),
        pytest.param(_reply("voice", 5, EVENING), utc(2024, 1, 15, 23), id="no grace for calls"),
    ],
)
def test_a_reply_in_the_grace_ignores_them(
    facts: ContactFacts, not_before: datetime | None
) -> None:
    assert _check(facts, _ny(WINTER, 13)) == not_before


@pytest.mark.parametrize(
    ("preferred", "stored"),
    [
        (None, None),
        (EVENING, ["18:00", "20:00"]),
        ((time(8, 15), time(20, 45)), ["08:15", "20:45"]),
        ((time(0), time(23, 59)), ["00:00", "23:59"]),
    ],
)
def test_they_round_trip_through_the_audit_json(
    preferred: tuple[time, time] | None, stored: list[str] | None
) -> None:
    facts = contact_facts(preferred_hours=preferred)
    data = json.loads(json.dumps(facts_to_dict(facts)))
    assert data["preferred_hours"] == stored
    assert facts_from_dict(data) == facts


def test_audit_rows_written_before_them_still_read() -> None:
    data = facts_to_dict(contact_facts())
    del data["preferred_hours"]
    assert facts_from_dict(data).preferred_hours is None


@pytest.mark.parametrize(
    "stored",
    [
        ["18:00"],
        ["18:00", "20:00", "21:00"],
        ["20:00", "18:00"],
        ["18:00", "18:00"],
        ["18:00", None],
        [None, None],
        ["18", "20"],
        ["6:00", "8:00"],
        ["18:00:00", "20:00:00"],
        ["18:00", "24:00"],
        [1800, 2000],
        "18:00-20:00",
    ],
)
def test_unreadable_ones_in_the_audit_json_are_rejected(stored: object) -> None:
    data = facts_to_dict(contact_facts()) | {"preferred_hours": stored}
    with pytest.raises(ValueError, match="preferred"):
        facts_from_dict(data)


@pytest.mark.parametrize(
    ("preferred", "error"),
    [
        ([time(18), time(20)], TypeError),
        ((time(18),), TypeError),
        ((time(18), time(19), time(20)), TypeError),
        (("18:00", "20:00"), TypeError),
        ((datetime(2024, 1, 15, 18, tzinfo=UTC), datetime(2024, 1, 15, 20, tzinfo=UTC)), TypeError),
        ((time(20), time(18)), ValueError),
        ((time(22), time(7)), ValueError),
        ((time(18), time(18)), ValueError),
        ((time(18, 0, 30), time(20)), ValueError),
        ((time(18), time(20, 0, 0, 1)), ValueError),
        ((time(18, tzinfo=UTC), time(20, tzinfo=UTC)), ValueError),
    ],
)
def test_invalid_preferred_hours_are_rejected(preferred: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="preferred_hours"):
        contact_facts(preferred_hours=preferred)


def _snapshot(start: str | None, end: str | None) -> AccountSnapshot:
    return AccountSnapshot(
        id=1,
        ref="A-1",
        creditor="Acme Bank",
        collector_type="third_party",
        balance_amount="432.10",
        currency="USD",
        debtor_name="Dana Debtor",
        timezone="America/New_York",
        postal_code=None,
        do_not_contact=False,
        cease_communication=False,
        disputed=False,
        validation_recorded=False,
        attorney_represented=False,
        contacts=(ContactPoint("sms", "+12125550199", "granted", True, None, "consumer_provided"),),
        history=(),
        preferred_contact_start=start,
        preferred_contact_end=end,
    )


@pytest.mark.parametrize(
    ("start", "end", "preferred"),
    [
        (None, None, None),
        ("18:00", "20:00", EVENING),
        ("07:30", "09:05", (time(7, 30), time(9, 5))),
    ],
)
def test_the_snapshot_passes_the_stored_hours_into_the_facts(
    start: str | None, end: str | None, preferred: tuple[time, time] | None
) -> None:
    snapshot = _snapshot(start, end)
    facts = snapshot.facts("sms", "collection", snapshot.contact_for("sms"), REG_F)
    assert facts.preferred_hours == preferred


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("18:00", None),
        (None, "20:00"),
        ("6pm", "8pm"),
        ("18:00", ""),
        ("20:00", "18:00"),
        ("25:00", "26:00"),
    ],
)
def test_unreadable_stored_hours_fail_closed(start: str | None, end: str | None) -> None:
    with pytest.raises(ValueError, match="preferred"):
        parse_preferred_hours(start, end)
    # The decision on such an account raises instead of allowing at 13:00, outside 18-20.
    with pytest.raises(ValidationFailed, match="preferred") as caught:
        decide(_snapshot(start, end), "sms", "collection", _ny(WINTER, 13))
    assert caught.value.code == "unreadable_facts"
