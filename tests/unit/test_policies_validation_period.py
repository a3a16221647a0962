"""Validation-notice dates: due five calendar days after the initial communication; the period
ends 30 days after receipt assumed five business days (no weekends, no legal public holidays)
after the notice went out."""

from datetime import date

import pytest

from policies.validation_period import (
    assumed_receipt,
    legal_public_holidays,
    validation_due,
    validation_period_end,
)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2026,
            {
                date(2026, 1, 1),
                date(2026, 1, 19),
                date(2026, 2, 16),
                date(2026, 5, 25),
                date(2026, 6, 19),
                date(2026, 7, 3),  # the 4th is a Saturday
                date(2026, 9, 7),
                date(2026, 10, 12),
                date(2026, 11, 11),
                date(2026, 11, 26),
                date(2026, 12, 25),
            },
        ),
        (
            2027,
            {
                date(2027, 1, 1),
                date(2027, 1, 18),
                date(2027, 2, 15),
                date(2027, 5, 31),
                date(2027, 6, 18),  # the 19th is a Saturday
                date(2027, 7, 5),  # the 4th is a Sunday
                date(2027, 9, 6),
                date(2027, 10, 11),
                date(2027, 11, 11),
                date(2027, 11, 25),
                date(2027, 12, 24),  # the 25th is a Saturday
                date(2027, 12, 31),  # New Year's Day 2028 is a Saturday
            },
        ),
    ],
)
def test_legal_public_holidays_as_observed(year: int, expected: set[date]) -> None:
    assert legal_public_holidays(year) == expected


def test_juneteenth_is_a_holiday_only_from_2021() -> None:
    assert date(2020, 6, 19) not in legal_public_holidays(2020)
    assert date(2021, 6, 18) in legal_public_holidays(2021)  # the 19th was a Saturday


@pytest.mark.parametrize(
    ("first", "due"),
    [
        (date(2026, 12, 7), date(2026, 12, 12)),  # calendar days: a Saturday is fine
        (date(2026, 12, 24), date(2026, 12, 29)),  # holidays are not skipped either
        (date(2026, 2, 26), date(2026, 3, 3)),
    ],
)
def test_validation_is_due_five_calendar_days_after_the_first_communication(
    first: date, due: date
) -> None:
    assert validation_due(first, 5) == due


@pytest.mark.parametrize(
    ("sent", "receipt", "period_end"),
    [
        # An ordinary week: Tuesday to Friday, then Monday.
        (date(2026, 12, 7), date(2026, 12, 14), date(2027, 1, 13)),
        # Christmas and New Year's Day, each on a Friday next to a weekend.
        (date(2026, 12, 24), date(2027, 1, 4), date(2027, 2, 3)),
        # Thanksgiving Thursday.
        (date(2026, 11, 25), date(2026, 12, 3), date(2027, 1, 2)),
        # Sent on a Saturday: Monday is the first day counted.
        (date(2026, 12, 5), date(2026, 12, 11), date(2027, 1, 10)),
        # Independence Day observed on Friday 3 July 2026.
        (date(2026, 7, 1), date(2026, 7, 9), date(2026, 8, 8)),
    ],
)
def test_the_validation_period_ends_30_days_after_assumed_receipt(
    sent: date, receipt: date, period_end: date
) -> None:
    assert assumed_receipt(sent) == receipt
    assert validation_period_end(sent) == period_end
