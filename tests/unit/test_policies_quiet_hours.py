from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import ConsentState, ContactFacts
from policies.quiet_hours import QuietHours, check_quiet_hours, check_quiet_hours_rule
from policies.rule_settings import QuietHoursSettings, ReplySettings
from policies.ruleset import Ruleset

NEW_YORK = ZoneInfo("America/New_York")
DENVER = ZoneInfo("America/Denver")
PHOENIX = ZoneInfo("America/Phoenix")
CITATION = "12 CFR 1006.6(b)(1)(i)"
# 08:00-21:00, Regulation F's presumption, as the bundled ruleset spells it out.
WINDOW = REG_F.quiet_hours.window


def _facts(*zones: str) -> ContactFacts:
    return ContactFacts(
        channel="voice", purpose="collection", consent=ConsentState.GRANTED, timezones=zones
    )


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _assert_outcome(zones: tuple[str, ...], now: datetime, not_before: datetime | None) -> None:
    """not_before=None means allowed now; otherwise a defer until exactly that instant."""
    result = check_quiet_hours(_facts(*zones), now, WINDOW)
    assert result.not_before == not_before
    if not_before is None:
        assert result.reasons == []
    else:
        assert [(r.rule, r.citation) for r in result.reasons] == [("quiet_hours", CITATION)]


@pytest.mark.parametrize(
    ("now", "not_before"),
    [
        # Winter (EST, UTC-5).
        (datetime(2024, 1, 15, 7, 59, 59, tzinfo=NEW_YORK), _utc(2024, 1, 15, 13)),
        (datetime(2024, 1, 15, 8, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK), _utc(2024, 1, 16, 13)),
        (datetime(2024, 1, 15, 0, 0, tzinfo=NEW_YORK), _utc(2024, 1, 15, 13)),
        # Summer (EDT, UTC-4).
        (datetime(2024, 7, 15, 7, 59, 59, tzinfo=NEW_YORK), _utc(2024, 7, 15, 12)),
        (datetime(2024, 7, 15, 8, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 21, 0, tzinfo=NEW_YORK), _utc(2024, 7, 16, 12)),
    ],
)
def test_window_boundaries_in_one_zone(now: datetime, not_before: datetime | None) -> None:
    _assert_outcome(("America/New_York",), now, not_before)


@pytest.mark.parametrize(
    ("zones", "now", "not_before"),
    [
        # New York springs forward at 2024-03-10 07:00Z: 08:00 that day is 12:00Z, not 13:00Z.
        (("America/New_York",), _utc(2024, 3, 10, 2, 0), _utc(2024, 3, 10, 12)),
        (("America/New_York",), _utc(2024, 3, 10, 6, 30), _utc(2024, 3, 10, 12)),
        (("America/New_York",), _utc(2024, 3, 10, 7, 30), _utc(2024, 3, 10, 12)),
        (("America/New_York",), _utc(2024, 3, 10, 11, 59, 59), _utc(2024, 3, 10, 12)),
        (("America/New_York",), _utc(2024, 3, 10, 12), None),
        # New York falls back at 2024-11-03 06:00Z: 08:00 that day is 13:00Z, not 12:00Z.
        (("America/New_York",), _utc(2024, 11, 3, 1, 0), _utc(2024, 11, 3, 13)),
        (("America/New_York",), _utc(2024, 11, 3, 5, 30), _utc(2024, 11, 3, 13)),
        (("America/New_York",), _utc(2024, 11, 3, 6, 30), _utc(2024, 11, 3, 13)),
        (("America/New_York",), _utc(2024, 11, 3, 12, 0), _utc(2024, 11, 3, 13)),
        (("America/New_York",), _utc(2024, 11, 3, 13, 0), None),
        (("America/New_York",), _utc(2024, 11, 4, 1, 59, 59), None),
        (("America/New_York",), _utc(2024, 11, 4, 2, 0), _utc(2024, 11, 4, 13)),
        # Denver observes DST; Phoenix stays on MST (UTC-7) all year.
        (("America/Denver",), _utc(2024, 3, 10, 5), _utc(2024, 3, 10, 14)),
        (("America/Phoenix",), _utc(2024, 3, 10, 5), _utc(2024, 3, 10, 15)),
        (("America/Denver",), _utc(2024, 11, 3, 4), _utc(2024, 11, 3, 15)),
        (("America/Phoenix",), _utc(2024, 11, 3, 4), _utc(2024, 11, 3, 15)),
        (("America/Denver",), _utc(2024, 3, 10, 14, 30), None),
        (("America/Phoenix",), _utc(2024, 3, 10, 14, 30), _utc(2024, 3, 10, 15)),
        # Together: Phoenix opens last in summer, Denver closes first.
        (("America/Denver", "America/Phoenix"), _utc(2024, 3, 10, 14, 30), _utc(2024, 3, 10, 15)),
        (("America/Denver", "America/Phoenix"), _utc(2024, 3, 9, 14, 30), _utc(2024, 3, 9, 15)),
        (("America/Denver", "America/Phoenix"), _utc(2024, 7, 15, 2, 59, 59), None),
        (("America/Denver", "America/Phoenix"), _utc(2024, 7, 15, 3), _utc(2024, 7, 15, 15)),
        (("America/Denver", "America/Phoenix"), _utc(2024, 1, 16, 3, 59, 59), None),
        (("America/Denver", "America/Phoenix"), _utc(2024, 1, 16, 4), _utc(2024, 1, 16, 15)),
    ],
)
def test_dst_transitions(
    zones: tuple[str, ...], now: datetime, not_before: datetime | None
) -> None:
    _assert_outcome(zones, now, not_before)


@pytest.mark.parametrize(
    ("now", "not_before"),
    [
        # No signal: 08:00 in Los Angeles and before 21:00 in New York, i.e. 11:00-21:00 Eastern.
        (datetime(2024, 1, 15, 10, 59, 59, tzinfo=NEW_YORK), _utc(2024, 1, 15, 16)),
        (datetime(2024, 1, 15, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK), _utc(2024, 1, 16, 16)),
        (datetime(2024, 7, 15, 10, 59, 59, tzinfo=NEW_YORK), _utc(2024, 7, 15, 15)),
        (datetime(2024, 7, 15, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 21, 0, tzinfo=NEW_YORK), _utc(2024, 7, 16, 15)),
        (datetime(2024, 3, 9, 21, 0, tzinfo=NEW_YORK), _utc(2024, 3, 10, 15)),
        (datetime(2024, 3, 10, 10, 59, 59, tzinfo=NEW_YORK), _utc(2024, 3, 10, 15)),
        (datetime(2024, 3, 10, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 11, 3, 10, 59, 59, tzinfo=NEW_YORK), _utc(2024, 11, 3, 16)),
        (datetime(2024, 11, 3, 11, 0, tzinfo=NEW_YORK), None),
    ],
)
def test_no_signal_means_every_contiguous_us_zone(
    now: datetime, not_before: datetime | None
) -> None:
    _assert_outcome((), now, not_before)


@pytest.mark.parametrize(
    ("zones", "now", "not_before"),
    [
        # Tokyo (UTC+9) and New York (UTC-5) share 23:00Z-02:00Z in winter.
        (("America/New_York", "Asia/Tokyo"), _utc(2024, 1, 15, 12), _utc(2024, 1, 15, 23)),
        (("America/New_York", "Asia/Tokyo"), _utc(2024, 1, 15, 23), None),
        (("America/New_York", "Asia/Tokyo"), _utc(2024, 1, 16, 1, 59, 59), None),
        (("America/New_York", "Asia/Tokyo"), _utc(2024, 1, 16, 2), _utc(2024, 1, 16, 23)),
        # Kiritimati (UTC+14) is 19 hours ahead: local windows still overlap 18:00Z-02:00Z.
        (("America/New_York", "Pacific/Kiritimati"), _utc(2024, 1, 15, 14), _utc(2024, 1, 15, 18)),
        (("America/New_York", "Pacific/Kiritimati"), _utc(2024, 1, 16, 1), None),
        # A repeated zone is one zone.
        (("America/Phoenix", "America/Phoenix"), _utc(2024, 1, 15, 14), _utc(2024, 1, 15, 15)),
    ],
)
def test_declared_zones_must_all_be_convenient(
    zones: tuple[str, ...], now: datetime, not_before: datetime | None
) -> None:
    _assert_outcome(zones, now, not_before)


@pytest.mark.parametrize(
    ("zones", "now", "rules"),
    [
        # Any two zones overlap in a 13-hour window; three spread 8 hours apart cannot.
        (("America/New_York", "Asia/Tokyo", "Europe/Moscow"), _utc(2024, 1, 15, 12), QuietHours()),
        (("Etc/UTC", "Asia/Shanghai", "America/Los_Angeles"), _utc(2024, 7, 15, 12), QuietHours()),
        (("America/New_York", "Asia/Tokyo"), _utc(2024, 1, 15, 12), QuietHours(time(9), time(17))),
        # The search is bounded: with no days ahead, tonight can only block.
        (("America/New_York",), _utc(2024, 1, 16, 2, 30), QuietHours(search_days=0)),
    ],
)
def test_zones_without_common_window_block(
    zones: tuple[str, ...], now: datetime, rules: QuietHours
) -> None:
    result = check_quiet_hours(_facts(*zones), now, rules)
    assert result.not_before is None
    (reason,) = result.reasons
    assert (reason.rule, reason.citation) == ("quiet_hours", CITATION)
    assert "no common convenient time" in reason.message
    assert all(zone in reason.message for zone in zones)


@pytest.mark.parametrize(
    ("zones", "now", "message"),
    [
        (
            ("America/New_York",),
            datetime(2024, 1, 15, 21, 30, tzinfo=NEW_YORK),
            "21:30 in America/New_York is outside 08:00-21:00",
        ),
        (
            (),
            datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK),
            "21:00 in America/New_York is outside 08:00-21:00",
        ),
        (
            ("America/Denver", "America/Phoenix"),
            _utc(2024, 1, 15, 14),
            "07:00 in America/Denver, 07:00 in America/Phoenix are outside 08:00-21:00",
        ),
    ],
)
def test_message_names_local_times(zones: tuple[str, ...], now: datetime, message: str) -> None:
    (reason,) = check_quiet_hours(_facts(*zones), now, WINDOW).reasons
    assert reason.message == message


@pytest.mark.parametrize(
    ("rules", "zones", "now", "not_before"),
    [
        (
            QuietHours(time(9), time(20)),
            ("America/New_York",),
            _utc(2024, 1, 15, 13, 59),
            _utc(2024, 1, 15, 14),
        ),
        (QuietHours(time(9), time(20)), ("America/New_York",), _utc(2024, 1, 15, 14), None),
        (
            QuietHours(time(9), time(20)),
            ("America/New_York",),
            _utc(2024, 1, 16, 1),
            _utc(2024, 1, 16, 14),
        ),
        (
            QuietHours(fallback_zones=("Pacific/Honolulu",)),
            (),
            _utc(2024, 1, 15, 17, 59),
            _utc(2024, 1, 15, 18),
        ),
        # A start in the spring-forward gap (02:00-03:00) is read as 03:30 EDT: late, never early.
        (
            QuietHours(time(2, 30)),
            ("America/New_York",),
            _utc(2024, 3, 10, 6),
            _utc(2024, 3, 10, 7, 30),
        ),
        # A start in the repeated fall-back hour takes its first occurrence (EDT).
        (
            QuietHours(time(1, 30)),
            ("America/New_York",),
            _utc(2024, 11, 3, 4),
            _utc(2024, 11, 3, 5, 30),
        ),
    ],
)
def test_window_and_fallback_are_parameters(
    rules: QuietHours, zones: tuple[str, ...], now: datetime, not_before: datetime | None
) -> None:
    result = check_quiet_hours(_facts(*zones), now, rules)
    assert result.not_before == not_before
    assert bool(result.reasons) is (not_before is not None)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (time(21), time(8)),
        (time(8), time(8)),
        (time(8, tzinfo=UTC), time(21)),
        (time(8), time(21, tzinfo=UTC)),
    ],
)
def test_invalid_window_is_rejected(start: time, end: time) -> None:
    with pytest.raises(ValueError, match="quiet-hours"):
        QuietHours(start, end)


@pytest.mark.parametrize(
    "zones",
    [
        ("Mars/Olympus_Mons",),
        ("America",),
        ("",),
        ("America/New_York ",),
        ("../etc/passwd",),
        ("/etc/localtime",),
        ("localtime",),
        ("America/New_York", "Not/A_Zone"),
    ],
)
def test_unknown_zone_raises_even_when_the_time_is_fine(zones: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="time zone"):
        check_quiet_hours(_facts(*zones), datetime(2024, 1, 15, 12, tzinfo=NEW_YORK), WINDOW)


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_quiet_hours(_facts("America/New_York"), datetime(2024, 1, 15, 12), WINDOW)


def test_not_before_is_utc() -> None:
    now = datetime(2024, 1, 15, 22, tzinfo=DENVER)
    not_before = check_quiet_hours(_facts("America/Denver"), now, WINDOW).not_before
    assert not_before is not None
    assert not_before.tzinfo is UTC
    assert not_before.astimezone(DENVER) == datetime(2024, 1, 16, 8, tzinfo=DENVER)
    assert not_before.astimezone(PHOENIX).hour == 8


# --- Zones from postal codes and phones ------------------------------------------------------


@pytest.mark.parametrize(
    ("postal_code", "phones", "now", "not_before"),
    [
        # 415 phone (Los Angeles) and a New York ZIP: 08:00 in LA and before 21:00 in NY.
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 1, 15, 10, 30, tzinfo=NEW_YORK),
            _utc(2024, 1, 15, 16),
        ),
        ("10001", ("+14155550123",), datetime(2024, 1, 15, 11, 0, tzinfo=NEW_YORK), None),
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK),
            _utc(2024, 1, 16, 16),
        ),
        # The same pair across the spring-forward night.
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 3, 9, 22, 0, tzinfo=NEW_YORK),
            _utc(2024, 3, 10, 15),
        ),
        # Alaska's 907 spans Anchorage (UTC-9) and Adak (UTC-10) in winter.
        (None, ("+19075550123",), _utc(2024, 1, 15, 17, 30), _utc(2024, 1, 15, 18)),
        (None, ("+19075550123",), _utc(2024, 1, 15, 18), None),
        (None, ("+19075550123",), _utc(2024, 1, 16, 6), _utc(2024, 1, 16, 18)),
        # A Honolulu ZIP with a New York phone.
        ("96813", ("+12125550199",), _utc(2024, 1, 15, 17, 59), _utc(2024, 1, 15, 18)),
        ("96813", ("+12125550199",), _utc(2024, 1, 16, 2), _utc(2024, 1, 16, 18)),
        # A toll-free number says nothing: the ZIP alone decides.
        ("60601", ("+18005550100",), _utc(2024, 1, 15, 13, 59), _utc(2024, 1, 15, 14)),
    ],
)
def test_zones_from_postal_codes_and_phones(
    postal_code: str | None, phones: tuple[str, ...], now: datetime, not_before: datetime | None
) -> None:
    facts = ContactFacts(
        channel="sms",
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=(),
        postal_code=postal_code,
        phones=phones,
    )
    assert check_quiet_hours(facts, now, WINDOW).not_before == not_before


@pytest.mark.parametrize(
    ("postal_code", "phones", "match"),
    [("00000", (), "does not exist"), (None, ("+1 415 555 0123",), "E.164")],
)
def test_bad_location_facts_raise(
    postal_code: str | None, phones: tuple[str, ...], match: str
) -> None:
    facts = ContactFacts(
        channel="sms",
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=("America/New_York",),
        postal_code=postal_code,
        phones=phones,
    )
    with pytest.raises(ValueError, match=match):
        check_quiet_hours(facts, datetime(2024, 1, 15, 12, tzinfo=NEW_YORK), WINDOW)


# --- The rule as a ruleset configures it: channels and the reply grace -----------------------

# 21:10 in New York.
LATE = datetime(2024, 1, 15, 21, 10, tzinfo=NEW_YORK)
MORNING = _utc(2024, 1, 16, 13)


def _reply(
    channel: str = "sms", purpose: str = "reply", minutes_ago: float | None = 5
) -> ContactFacts:
    return ContactFacts(
        channel=channel,
        purpose=purpose,
        consent=ConsentState.GRANTED,
        timezones=("America/New_York",),
        last_inbound_at=None if minutes_ago is None else LATE - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("facts", "not_before"),
    [
        pytest.param(_reply(minutes_ago=5), None, id="consumer wrote 5 minutes ago"),
        pytest.param(_reply(minutes_ago=0), None, id="consumer is writing right now"),
        pytest.param(_reply(minutes_ago=30), None, id="exactly at the end of the grace"),
        pytest.param(_reply(minutes_ago=30.01), MORNING, id="just after the grace"),
        pytest.param(_reply(minutes_ago=120), MORNING, id="consumer wrote 2 hours ago"),
        pytest.param(_reply(minutes_ago=None), MORNING, id="no inbound message on record"),
        pytest.param(_reply(minutes_ago=-1), MORNING, id="inbound dated after now"),
        pytest.param(_reply(channel="email"), None, id="email replies too"),
        pytest.param(_reply(channel="chat"), None, id="chat replies too"),
        pytest.param(_reply(channel="chat", minutes_ago=31), MORNING, id="chat after the grace"),
        pytest.param(_reply(channel="chat", purpose="collection"), MORNING, id="chat collection"),
        pytest.param(_reply(channel="voice"), MORNING, id="no grace for calls"),
        pytest.param(_reply(purpose="collection"), MORNING, id="only purpose reply"),
        pytest.param(_reply(purpose="transactional"), MORNING, id="not transactional either"),
    ],
)
def test_reply_grace_during_quiet_hours(facts: ContactFacts, not_before: datetime | None) -> None:
    result = check_quiet_hours_rule(facts, LATE, REG_F)
    assert result.not_before == not_before
    assert result.passed is (not_before is None)


def _with(**changes: Any) -> Ruleset:
    return replace(REG_F, **changes)


@pytest.mark.parametrize(
    ("ruleset", "facts", "passed"),
    [
        pytest.param(
            _with(reply=ReplySettings(True, 0, frozenset({"sms"}))),
            _reply(minutes_ago=1),
            False,
            id="grace of 0 minutes",
        ),
        pytest.param(
            _with(reply=ReplySettings(True, 240, frozenset({"sms"}))),
            _reply(minutes_ago=120),
            True,
            id="grace of 4 hours",
        ),
        pytest.param(
            _with(reply=ReplySettings(False, 30, frozenset({"sms"}))),
            _reply(minutes_ago=1),
            False,
            id="reply rule disabled",
        ),
        pytest.param(
            _with(quiet_hours=QuietHoursSettings(True, QuietHours(), frozenset({"voice", "sms"}))),
            _reply(channel="email", purpose="collection"),
            True,
            id="channel not subject to quiet hours",
        ),
        pytest.param(
            _with(quiet_hours=QuietHoursSettings(False, QuietHours(), frozenset({"sms"}))),
            _reply(purpose="collection"),
            True,
            id="quiet hours disabled",
        ),
        pytest.param(
            _with(
                quiet_hours=QuietHoursSettings(
                    True, QuietHours(time(8), time(22)), frozenset({"sms"})
                )
            ),
            _reply(purpose="collection"),
            True,
            id="window is a setting",
        ),
        pytest.param(
            FIRST_PARTY,
            _reply(purpose="collection"),
            False,
            id="first-party creditors keep quiet hours",
        ),
    ],
)
def test_rule_follows_the_ruleset(ruleset: Ruleset, facts: ContactFacts, passed: bool) -> None:
    assert check_quiet_hours_rule(facts, LATE, ruleset).passed is passed
