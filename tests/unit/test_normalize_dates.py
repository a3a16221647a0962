"""Reading payment dates as debtors type them, relative to their local today."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.normalize import format_date, local_today, parse_date

WEDNESDAY = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
YEAR_END = date(2026, 12, 28)  # a Monday

todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
RELATIVE = (
    "today",
    "tonight",
    "tomorrow",
    "day after tomorrow",
    "friday",
    "this sunday",
    "next monday",
    "friday next week",
    "next week",
    "in 3 days",
    "in two weeks",
    "in a month",
    "end of the month",
    "next month",
    "the 15th of next month",
    "the 1st",
    "the 31st",
    "dec 3",
    "feb 28",
    "12/3",
    "1/1",
)

PHRASE_PARTS = (
    "the", "15th", "31st", "next", "friday", "in", "a", "3", "days", "ago", "of", "month",
    "week", "dec", "2026", "12/3", "1/2/26", "2026-12-03", "-", "/", ".", "tomorrow",
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", WEDNESDAY),
        ("Tonight!", WEDNESDAY),
        ("this evening", WEDNESDAY),
        ("yesterday", date(2026, 11, 24)),
        ("tomorrow", date(2026, 11, 26)),
        ("tmrw", date(2026, 11, 26)),
        ("tommorow morning", date(2026, 11, 26)),
        ("day after tomorrow", FRIDAY),
        ("the day after tmrw", FRIDAY),
        # Weekdays: the next one on or after today; "next" is the next one after today.
        ("friday", FRIDAY),
        ("fri.", FRIDAY),
        ("Friday!", FRIDAY),
        ("on friday", FRIDAY),
        ("this friday", FRIDAY),
        ("next friday", FRIDAY),
        ("wednesday", WEDNESDAY),
        ("next wednesday", date(2026, 12, 2)),
        ("tuesday", date(2026, 12, 1)),
        ("thurs", date(2026, 11, 26)),
        ("friday next week", date(2026, 12, 4)),
        ("next week on monday", date(2026, 11, 30)),
        # A weekday next to a full date only has to be that date's weekday.
        ("friday, december 4", date(2026, 12, 4)),
        ("friday the 27th", FRIDAY),
        ("friday dec 5", None),
        # Month and day.
        ("December 3rd", date(2026, 12, 3)),
        ("dec 3", date(2026, 12, 3)),
        ("dec. 3rd", date(2026, 12, 3)),
        ("3 december", date(2026, 12, 3)),
        ("the 3rd of dec", date(2026, 12, 3)),
        ("december first", date(2026, 12, 1)),
        ("december 3, 2026", date(2026, 12, 3)),
        ("December 3rd 2027", date(2027, 12, 3)),
        ("nov 25", WEDNESDAY),
        ("nov 24", date(2027, 11, 24)),
        ("feb 30", None),
        # Numeric: US order; two-digit years are 20yy.
        ("12/3", date(2026, 12, 3)),
        ("11/24", date(2027, 11, 24)),
        ("12/03/2026", date(2026, 12, 3)),
        ("12-03-26", date(2026, 12, 3)),
        ("12.3.2026", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("11/01/2026", date(2026, 11, 1)),
        ("13/01/2026", None),
        # A day of the month alone.
        ("the 15th", date(2026, 12, 15)),
        ("15th", date(2026, 12, 15)),
        ("on the 1st", date(2026, 12, 1)),
        ("the 25th", WEDNESDAY),
        ("the 24th", date(2026, 12, 24)),
        ("the fifteenth", date(2026, 12, 15)),
        ("the first of the month", date(2026, 12, 1)),
        ("the 32nd", None),
        # Relative spans.
        ("in 3 days", date(2026, 11, 28)),
        ("in a week", date(2026, 12, 2)),
        ("in two weeks", date(2026, 12, 9)),
        ("2 weeks from today", date(2026, 12, 9)),
        ("in a couple of weeks", date(2026, 12, 9)),
        ("in a month", date(2026, 12, 25)),
        ("next week", date(2026, 12, 2)),
        ("3 days ago", date(2026, 11, 22)),
        ("a month ago", date(2026, 10, 25)),
        ("in a few days", None),
        # Months.
        ("end of the month", date(2026, 11, 30)),
        ("end of month", date(2026, 11, 30)),
        ("by the end of next month", date(2026, 12, 31)),
        ("first of next month", date(2026, 12, 1)),
        ("beginning of next month", date(2026, 12, 1)),
        ("next month", date(2026, 12, 1)),
        ("the 15th of next month", date(2026, 12, 15)),
        ("the 31st of next month", date(2026, 12, 31)),
        # Nothing, or two different dates.
        ("", None),
        ("whenever I get paid", None),
        ("friday or monday", None),
        ("12/3 or 12/4", None),
        ("tomorrow, thursday", date(2026, 11, 26)),
        ("I can pay 50 on the 15th", date(2026, 12, 15)),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "friday" said on a Friday is today; "next friday" is a week away.
        ("friday", FRIDAY),
        ("this friday", FRIDAY),
        ("next friday", date(2026, 12, 4)),
        ("thursday", date(2026, 12, 3)),
        ("next week", date(2026, 12, 4)),
        ("friday next week", date(2026, 12, 4)),
    ],
)
def test_weekdays_said_on_a_friday(text: str, expected: date) -> None:
    assert parse_date(text, FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jan 2", date(2027, 1, 2)),
        ("1/2", date(2027, 1, 2)),
        ("12/3", date(2027, 12, 3)),
        ("dec 31", date(2026, 12, 31)),
        ("tomorrow", date(2026, 12, 29)),
        ("friday", date(2027, 1, 1)),
        ("next week", date(2027, 1, 4)),
        ("friday next week", date(2027, 1, 8)),
        ("in two weeks", date(2027, 1, 11)),
        ("in a month", date(2027, 1, 28)),
        ("end of month", date(2026, 12, 31)),
        ("next month", date(2027, 1, 1)),
        ("the 2nd", date(2027, 1, 2)),
    ],
)
def test_year_end_rollover(text: str, expected: date) -> None:
    assert parse_date(text, YEAR_END) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # A day the current month lacks moves on to the next month that has it.
        ("the 31st", date(2026, 4, 5), date(2026, 5, 31)),
        ("the 31st", date(2026, 1, 31), date(2026, 1, 31)),
        ("the 30th", date(2026, 1, 31), date(2026, 3, 30)),
        ("the 29th", date(2027, 2, 1), date(2027, 3, 29)),
        ("the 29th", date(2028, 2, 1), date(2028, 2, 29)),
        # A month on from a long month ends at the end of a short one.
        ("in a month", date(2026, 1, 31), date(2026, 2, 28)),
        ("in a month", date(2028, 1, 31), date(2028, 2, 29)),
        ("end of the month", date(2028, 2, 10), date(2028, 2, 29)),
        ("feb 29", date(2027, 1, 10), date(2028, 2, 29)),
    ],
)
def test_month_lengths(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        (FRIDAY, WEDNESDAY, "Friday, November 27"),
        (date(2027, 1, 1), YEAR_END, "Friday, January 1, 2027"),
        (date(2026, 3, 1), WEDNESDAY, "Sunday, March 1"),
        (FRIDAY, None, "Friday, November 27, 2026"),
    ],
)
def test_format_date(value: date, today: date | None, expected: str) -> None:
    assert format_date(value, today) == expected


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        (datetime(2026, 11, 27, 4, 59, tzinfo=UTC), "America/New_York", date(2026, 11, 26)),
        (datetime(2026, 11, 27, 5, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 27)),
        (datetime(2026, 11, 27, 9, 59, tzinfo=UTC), "Pacific/Honolulu", date(2026, 11, 26)),
        (datetime(2026, 11, 27, 23, 0, tzinfo=UTC), "Asia/Kolkata", date(2026, 11, 28)),
        (
            datetime(2026, 11, 27, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles")),
            "America/New_York",
            date(2026, 11, 27),
        ),
    ],
)
def test_local_today(at: datetime, zone: str, expected: date) -> None:
    assert local_today(at, zone) == expected


@pytest.mark.parametrize(
    ("at", "zone", "problem"),
    [
        (datetime(2026, 11, 27, 12, 0), "America/New_York", "needs an aware datetime"),
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "Mars/Olympus_Mons", "unknown time zone"),
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "localtime", "unknown time zone"),
    ],
)
def test_local_today_rejects(at: datetime, zone: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        local_today(at, zone)


@given(todays, st.sampled_from(RELATIVE))
def test_relative_dates_are_never_before_today(today: date, text: str) -> None:
    value = parse_date(text, today)
    assert value is not None
    assert today <= value <= today + timedelta(days=366)


@given(todays, st.integers(min_value=1, max_value=31))
def test_day_of_month_is_the_next_one(today: date, day: int) -> None:
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day, "th")
    value = parse_date(f"the {day}{suffix}", today)
    assert value is not None
    assert value.day == day
    assert today <= value < today + timedelta(days=92)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), todays)
def test_formatted_dates_read_back(value: date, today: date) -> None:
    assert parse_date(format_date(value), today) == value
    if value >= today:
        assert parse_date(format_date(value, today), today) == value


@given(st.lists(st.sampled_from(PHRASE_PARTS), max_size=8).map(" ".join), todays)
def test_any_phrase_reads_as_a_date_or_nothing(text: str, today: date) -> None:
    assert isinstance(parse_date(text, today), date | None)
