"""Verification facts as debtors type them: a date of birth and a ZIP code.

A wrong reading here fails verification for someone who answered correctly, so anything
unclear (two different dates, an impossible day, several ZIPs) is None and is asked again.
"""

from __future__ import annotations

import re
from datetime import date

from gateway.normalize.dates import MONTH_NUMBERS

__all__ = ["parse_date_of_birth", "parse_zip"]

# Nobody verifying a debt is older than this; a year that makes them so is a typo.
_MAX_AGE = 120
_ADULT_AGE = 18
_MONTH = rf"(?P<name>{'|'.join(sorted(MONTH_NUMBERS, key=len, reverse=True))})"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_DAY = r"(?P<day>\d{1,2})"
_SEP = r"(?P<sep>[-/.])"
_BETWEEN = r"[\s,.]+"
# A numeric date stands alone: no digit or separator may run on from either end.
_START = r"(?<![\d/.-])"
_END = r"(?![\d/.-])"
_DATES = (
    # 1985-03-14
    re.compile(rf"{_START}(?P<year>\d{{4}}){_SEP}(?P<month>\d{{1,2}})(?P=sep){_DAY}{_END}"),
    # 03/14/1985, 3/14/85, 03-14-1985, 3.14.1985
    re.compile(rf"{_START}(?P<month>\d{{1,2}}){_SEP}{_DAY}(?P=sep){_YEAR}{_END}"),
    # march 14 1985, mar. 14th, 1985
    re.compile(rf"\b{_MONTH}{_BETWEEN}{_DAY}(?:st|nd|rd|th)?{_BETWEEN}{_YEAR}\b"),
    # 14 march 1985, 14th of march, 1985
    re.compile(rf"\b{_DAY}(?:st|nd|rd|th)?{_BETWEEN}(?:of\s+)?{_MONTH}{_BETWEEN}{_YEAR}\b"),
)
_ZIP = re.compile(r"(?<![\d-])(?P<zip>\d{5})(?:-\d{4})?(?![\d-])")


def parse_date_of_birth(text: str, today: date) -> date | None:
    """The one date of birth in `text`, or None.

    A date must have a year and be real, not after `today` and under 120 years ago. A
    two-digit year is 20yy or 19yy, preferring the one that makes the debtor an adult: in
    2026, "85" is 1985, "05" is 2005 and "26" is 1926. None when the text holds two
    different dates.
    """
    found: set[date | None] = set()
    for pattern in _DATES:
        for match in pattern.finditer(text.lower()):
            name = match.groupdict().get("name")
            month = MONTH_NUMBERS[name] if name else int(match["month"])
            found.add(_birth_date(match["year"], month, int(match["day"]), today))
    if len(found) != 1:
        return None
    (born,) = found
    return born


def parse_zip(text: str) -> str | None:
    """The five-digit ZIP in `text` ("60601", "60601-1234", "zip is 60601"), or None.

    None when there is no ZIP or more than one different one; other digit runs (a phone
    number, a six-digit code) are not ZIPs and are ignored.
    """
    found = {match["zip"] for match in _ZIP.finditer(text)}
    if len(found) != 1:
        return None
    (code,) = found
    return code


def _birth_date(year: str, month: int, day: int, today: date) -> date | None:
    """The birth date these parts name, or None if they name no possible one."""
    years = (2000 + int(year), 1900 + int(year)) if len(year) == 2 else (int(year),)
    possible = [
        born
        for born in (_safe_date(candidate, month, day) for candidate in years)
        if born is not None and born <= today and _age(born, today) < _MAX_AGE
    ]
    # Both centuries can be possible ("26" in 2026); someone verifying a debt is an adult.
    preferred = [born for born in possible if _age(born, today) >= _ADULT_AGE] or possible
    return preferred[0] if preferred else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
