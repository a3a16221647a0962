"""Validation-notice dates (12 CFR 1006.34): when the notice is due and when the period ends.

Pure calendar arithmetic on dates in the consumer's time zone; the gateway decides which date
is "today" for the consumer and stores what it computes.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache, lru_cache

__all__ = [
    "ASSUMED_RECEIPT_DAYS",
    "VALIDATION_PERIOD_DAYS",
    "assumed_receipt",
    "legal_public_holidays",
    "validation_due",
    "validation_period_end",
]

# 1006.34(b)(5): the consumer may be assumed to receive the notice on any date at least five
# days after it is provided, excluding legal public holidays (5 U.S.C. 6103(a)), Saturdays
# and Sundays; the validation period ends 30 days after receipt.
ASSUMED_RECEIPT_DAYS = 5
VALIDATION_PERIOD_DAYS = 30


def validation_due(first_communication: date, due_days: int) -> date:
    """The last day validation information may be sent: ``due_days`` calendar days after the
    initial communication (1006.34(a)(1)(i)(B) counts calendar days)."""
    return first_communication + timedelta(days=due_days)


def assumed_receipt(sent_on: date) -> date:
    """The earliest date the consumer may be assumed to have received a notice sent on
    ``sent_on``: five days that are neither weekend days nor legal public holidays."""
    day, counted = sent_on, 0
    while counted < ASSUMED_RECEIPT_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in legal_public_holidays(day.year):
            counted += 1
    return day


@lru_cache(maxsize=4096)  # every rendered message asks (for {{ dispute_deadline }})
def validation_period_end(sent_on: date) -> date:
    """The last day of the validation period for a notice sent on ``sent_on``."""
    return assumed_receipt(sent_on) + timedelta(days=VALIDATION_PERIOD_DAYS)


@cache
def legal_public_holidays(year: int) -> frozenset[date]:
    """The legal public holidays of 5 U.S.C. 6103(a) falling in ``year``, as observed.

    A holiday on a Saturday is observed the Friday before, on a Sunday the Monday after
    (Executive Order 11582); New Year's Day of the next year may thus be observed on 31
    December, which is included. Juneteenth is a holiday from 2021.
    """
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    floating = [
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.: 3rd Monday
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday: 3rd Monday
        _last_weekday(year, 5, 0),  # Memorial Day: last Monday
        _nth_weekday(year, 9, 0, 1),  # Labor Day: 1st Monday
        _nth_weekday(year, 10, 0, 2),  # Columbus Day: 2nd Monday
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day: 4th Thursday
    ]
    observed = {_observed(day) for day in [*fixed, date(year + 1, 1, 1)]}
    return frozenset(day for day in observed | set(floating) if day.year == year)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)
