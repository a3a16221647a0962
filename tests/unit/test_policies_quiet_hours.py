"""Quiet hours, 12 CFR 1006.6(b)(1)(i): the 08:00-21:00 window in every zone the consumer may
be in, at its edges and across DST changes, zones without a common window, and the messages
that name the local times."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from quiet_hours_helpers import NEW_YORK, WINDOW, utc, voice_facts

from policies.quiet_hours import QuietHours, check_quiet_hours

DENVER = ZoneInfo("America/Denver")
PHOENIX = ZoneInfo("America/Phoenix")
CITATION = "12 CFR 1006.6(b)(1)(i)"


def _assert_outcome(zones: tuple[str, ...], now: datetime, not_before: datetime | None) -> None:
    """not_before=None means allowed now; otherwise a defer until exactly that instant."""
    result = check_quiet_hours(voice_facts(*zones), now, WINDOW)
    assert result.not_before == not_before
    if not_before is None:
        assert result.reasons == []
    else:
        assert [(r.rule, r.citation) for r in result.reasons] == [("quiet_hours", CITATION)]


@pytest.mark.parametrize(
    ("now", "not_before"),
    [
        # Winter (EST, UTC-5).
        (datetime(2024, 1, 15, 7, 59, 59, tzinfo=NEW_YORK), utc(2024, 1, 15, 13)),
        (datetime(2024, 1, 15, 8, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK), utc(2024, 1, 16, 13)),
        (datetime(2024, 1, 15, 0, 0, tzinfo=NEW_YORK), utc(2024, 1, 15, 13)),
        # Summer (EDT, UTC-4).
        (datetime(2024, 7, 15, 7, 59, 59, tzinfo=NEW_YORK), utc(2024, 7, 15, 12)),
        (datetime(2024, 7, 15, 8, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 21, 0, tzinfo=NEW_YORK), utc(2024, 7, 16, 12)),
    ],
)
def test_window_boundaries_in_one_zone(now: datetime, not_before: datetime | None) -> None:
    _assert_outcome(("America/New_York",), now, not_before)


@pytest.mark.parametrize(
    ("zones", "now", "not_before"),
    [
        # New York springs forward at 2024-03-10 07:00Z: 08:00 that day is 12:00Z, not 13:00Z.
        (("America/New_York",), utc(2024, 3, 10, 2, 0), utc(2024, 3, 10, 12)),
        (("America/New_York",), utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 12)),
        (("America/New_York",), utc(2024, 3, 10, 7, 30), utc(2024, 3, 10, 12)),
        (("America/New_York",), utc(2024, 3, 10, 11, 59, 59), utc(2024, 3, 10, 12)),
        (("America/New_York",), utc(2024, 3, 10, 12), None),
        # New York falls back at 2024-11-03 06:00Z: 08:00 that day is 13:00Z, not 12:00Z.
        (("America/New_York",), utc(2024, 11, 3, 1, 0), utc(2024, 11, 3, 13)),
        (("America/New_York",), utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 13)),
        (("America/New_York",), utc(2024, 11, 3, 6, 30), utc(2024, 11, 3, 13)),
        (("America/New_York",), utc(2024, 11, 3, 12, 0), utc(2024, 11, 3, 13)),
        (("America/New_York",), utc(2024, 11, 3, 13, 0), None),
        (("America/New_York",), utc(2024, 11, 4, 1, 59, 59), None),
        (("America/New_York",), utc(2024, 11, 4, 2, 0), utc(2024, 11, 4, 13)),
        # Denver observes DST; Phoenix stays on MST (UTC-7) all year.
        (("America/Denver",), utc(2024, 3, 10, 5), utc(2024, 3, 10, 14)),
        (("America/Phoenix",), utc(2024, 3, 10, 5), utc(2024, 3, 10, 15)),
        (("America/Denver",), utc(2024, 11, 3, 4), utc(2024, 11, 3, 15)),
        (("America/Phoenix",), utc(2024, 11, 3, 4), utc(2024, 11, 3, 15)),
        (("America/Denver",), utc(2024, 3, 10, 14, 30), None),
        (("America/Phoenix",), utc(2024, 3, 10, 14, 30), utc(2024, 3, 10, 15)),
        # Together: Phoenix opens last in summer, Denver closes first.
        (("America/Denver", "America/Phoenix"), utc(2024, 3, 10, 14, 30), utc(2024, 3, 10, 15)),
        (("America/Denver", "America/Phoenix"), utc(2024, 3, 9, 14, 30), utc(2024, 3, 9, 15)),
        (("America/Denver", "America/Phoenix"), utc(2024, 7, 15, 2, 59, 59), None),
        (("America/Denver", "America/Phoenix"), utc(2024, 7, 15, 3), utc(2024, 7, 15, 15)),
        (("America/Denver", "America/Phoenix"), utc(2024, 1, 16, 3, 59, 59), None),
        (("America/Denver", "America/Phoenix"), utc(2024, 1, 16, 4), utc(2024, 1, 16, 15)),
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
        (datetime(2024, 1, 15, 10, 59, 59, tzinfo=NEW_YORK), utc(2024, 1, 15, 16)),
        (datetime(2024, 1, 15, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 20, 59, 59, tzinfo=NEW_YORK), None),
        (datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK), utc(2024, 1, 16, 16)),
        (datetime(2024, 7, 15, 10, 59, 59, tzinfo=NEW_YORK), utc(2024, 7, 15, 15)),
        (datetime(2024, 7, 15, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 7, 15, 21, 0, tzinfo=NEW_YORK), utc(2024, 7, 16, 15)),
        (datetime(2024, 3, 9, 21, 0, tzinfo=NEW_YORK), utc(2024, 3, 10, 15)),
        (datetime(2024, 3, 10, 10, 59, 59, tzinfo=NEW_YORK), utc(2024, 3, 10, 15)),
        (datetime(2024, 3, 10, 11, 0, tzinfo=NEW_YORK), None),
        (datetime(2024, 11, 3, 10, 59, 59, tzinfo=NEW_YORK), utc(2024, 11, 3, 16)),
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
        (("America/New_York", "Asia/Tokyo"), utc(2024, 1, 15, 12), utc(2024, 1, 15, 23)),
        (("America/New_York", "Asia/Tokyo"), utc(2024, 1, 15, 23), None),
        (("America/New_York", "Asia/Tokyo"), utc(2024, 1, 16, 1, 59, 59), None),
        (("America/New_York", "Asia/Tokyo"), utc(2024, 1, 16, 2), utc(2024, 1, 16, 23)),
        # Kiritimati (UTC+14) is 19 hours ahead: local windows still overlap 18:00Z-02:00Z.
        (("America/New_York", "Pacific/Kiritimati"), utc(2024, 1, 15, 14), utc(2024, 1, 15, 18)),
        (("America/New_York", "Pacific/Kiritimati"), utc(2024, 1, 16, 1), None),
        # A repeated zone is one zone.
        (("America/Phoenix", "America/Phoenix"), utc(2024, 1, 15, 14), utc(2024, 1, 15, 15)),
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
        (("America/New_York", "Asia/Tokyo", "Europe/Moscow"), utc(2024, 1, 15, 12), QuietHours()),
        (("Etc/UTC", "Asia/Shanghai", "America/Los_Angeles"), utc(2024, 7, 15, 12), QuietHours()),
        (("America/New_York", "Asia/Tokyo"), utc(2024, 1, 15, 12), QuietHours(time(9), time(17))),
        # The search is bounded: with no days ahead, tonight can only block.
        (("America/New_York",), utc(2024, 1, 16, 2, 30), QuietHours(search_days=0)),
    ],
)
def test_zones_without_common_window_block(
    zones: tuple[str, ...], now: datetime, rules: QuietHours
) -> None:
    result = check_quiet_hours(voice_facts(*zones), now, rules)
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
            utc(2024, 1, 15, 14),
            "07:00 in America/Denver, 07:00 in America/Phoenix are outside 08:00-21:00",
        ),
    ],
)
def test_message_names_local_times(zones: tuple[str, ...], now: datetime, message: str) -> None:
    (reason,) = check_quiet_hours(voice_facts(*zones), now, WINDOW).reasons
    assert reason.message == message


def test_not_before_is_utc() -> None:
    now = datetime(2024, 1, 15, 22, tzinfo=DENVER)
    not_before = check_quiet_hours(voice_facts("America/Denver"), now, WINDOW).not_before
    assert not_before is not None
    assert not_before.tzinfo is UTC
    assert not_before.astimezone(DENVER) == datetime(2024, 1, 16, 8, tzinfo=DENVER)
    assert not_before.astimezone(PHOENIX).hour == 8
