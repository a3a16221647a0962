"""Quiet hours from what they are given: the window and the fallback zones as parameters,
zones from postal codes and phones, and the inputs refused (bad windows, unknown zones, a naive
`now`, bad location facts)."""

from datetime import UTC, datetime, time

import pytest
from quiet_hours_helpers import NEW_YORK, WINDOW, utc, voice_facts

from policies import ConsentState, ContactFacts
from policies.quiet_hours import QuietHours, check_quiet_hours


@pytest.mark.parametrize(
    ("rules", "zones", "now", "not_before"),
    [
        (
            QuietHours(time(9), time(20)),
            ("America/New_York",),
            utc(2024, 1, 15, 13, 59),
            utc(2024, 1, 15, 14),
        ),
        (QuietHours(time(9), time(20)), ("America/New_York",), utc(2024, 1, 15, 14), None),
        (
            QuietHours(time(9), time(20)),
            ("America/New_York",),
            utc(2024, 1, 16, 1),
            utc(2024, 1, 16, 14),
        ),
        (
            QuietHours(fallback_zones=("Pacific/Honolulu",)),
            (),
            utc(2024, 1, 15, 17, 59),
            utc(2024, 1, 15, 18),
        ),
        # A start in the spring-forward gap (02:00-03:00) is read as 03:30 EDT: late, never early.
        (
            QuietHours(time(2, 30)),
            ("America/New_York",),
            utc(2024, 3, 10, 6),
            utc(2024, 3, 10, 7, 30),
        ),
        # A start in the repeated fall-back hour takes its first occurrence (EDT).
        (
            QuietHours(time(1, 30)),
            ("America/New_York",),
            utc(2024, 11, 3, 4),
            utc(2024, 11, 3, 5, 30),
        ),
    ],
)
def test_window_and_fallback_are_parameters(
    rules: QuietHours, zones: tuple[str, ...], now: datetime, not_before: datetime | None
) -> None:
    result = check_quiet_hours(voice_facts(*zones), now, rules)
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
        check_quiet_hours(voice_facts(*zones), datetime(2024, 1, 15, 12, tzinfo=NEW_YORK), WINDOW)


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_quiet_hours(voice_facts("America/New_York"), datetime(2024, 1, 15, 12), WINDOW)


@pytest.mark.parametrize(
    ("postal_code", "phones", "now", "not_before"),
    [
        # 415 phone (Los Angeles) and a New York ZIP: 08:00 in LA and before 21:00 in NY.
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 1, 15, 10, 30, tzinfo=NEW_YORK),
            utc(2024, 1, 15, 16),
        ),
        ("10001", ("+14155550123",), datetime(2024, 1, 15, 11, 0, tzinfo=NEW_YORK), None),
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 1, 15, 21, 0, tzinfo=NEW_YORK),
            utc(2024, 1, 16, 16),
        ),
        # The same pair across the spring-forward night.
        (
            "10001",
            ("+14155550123",),
            datetime(2024, 3, 9, 22, 0, tzinfo=NEW_YORK),
            utc(2024, 3, 10, 15),
        ),
        # Alaska's 907 spans Anchorage (UTC-9) and Adak (UTC-10) in winter.
        (None, ("+19075550123",), utc(2024, 1, 15, 17, 30), utc(2024, 1, 15, 18)),
        (None, ("+19075550123",), utc(2024, 1, 15, 18), None),
        (None, ("+19075550123",), utc(2024, 1, 16, 6), utc(2024, 1, 16, 18)),
        # A Honolulu ZIP with a New York phone.
        ("96813", ("+12125550199",), utc(2024, 1, 15, 17, 59), utc(2024, 1, 15, 18)),
        ("96813", ("+12125550199",), utc(2024, 1, 16, 2), utc(2024, 1, 16, 18)),
        # A toll-free number says nothing: the ZIP alone decides.
        ("60601", ("+18005550100",), utc(2024, 1, 15, 13, 59), utc(2024, 1, 15, 14)),
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
