"""Reading a date of birth and a ZIP code for verification."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.normalize import format_date, parse_date_of_birth, parse_zip

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/14/1985", date(1985, 3, 14)),
        ("3/14/85", date(1985, 3, 14)),
        ("1985-03-14", date(1985, 3, 14)),
        ("1985/3/14", date(1985, 3, 14)),
        ("march 14 1985", date(1985, 3, 14)),
        ("14 march 1985", date(1985, 3, 14)),
        ("mar 14, 1985", date(1985, 3, 14)),
        ("Mar. 14th, 1985", date(1985, 3, 14)),
        ("14th of March, 1985", date(1985, 3, 14)),
        ("my dob is 03-14-1985", date(1985, 3, 14)),
        ("born 3.14.1985", date(1985, 3, 14)),
        ("03/14/1985 (3/14/85)", date(1985, 3, 14)),
        # Leap days exist only in leap years; 2000 was one, 1900 was not.
        ("02/29/1984", date(1984, 2, 29)),
        ("02/29/1985", None),
        ("2/29/00", date(2000, 2, 29)),
        ("02/29/1900", None),
        # Two-digit years: the century that makes the debtor an adult, if either does.
        ("3/14/05", date(2005, 3, 14)),
        ("11/22/08", date(2008, 11, 22)),
        ("11/23/08", date(1908, 11, 23)),
        ("12/01/26", date(1926, 12, 1)),
        # Not in the future, and under 120 years ago.
        ("11/22/2026", TODAY),
        ("11/23/2026", None),
        ("11/23/1906", date(1906, 11, 23)),
        ("11/22/1906", None),
        ("1/1/1900", None),
        # Impossible, incomplete or contradictory.
        ("13/01/1985", None),
        ("04/31/1985", None),
        ("march 14", None),
        ("03/14", None),
        ("03/14/1985 or 03/15/1985", None),
        ("", None),
        ("I don't remember", None),
    ],
)
def test_parse_date_of_birth(text: str, expected: date | None) -> None:
    assert parse_date_of_birth(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60601", "60601"),
        ("60601-1234", "60601"),
        ("zip is 60601", "60601"),
        ("My ZIP code: 60601.", "60601"),
        ("02134", "02134"),
        ("60601 and 60601-1234", "60601"),
        ("call 312-555-0142, zip 60601", "60601"),
        ("606 01", None),
        ("6060", None),
        ("606011", None),
        ("60601-12", None),
        ("60601 or 60602", None),
        ("", None),
    ],
)
def test_parse_zip(text: str, expected: str | None) -> None:
    assert parse_zip(text) == expected


@given(st.dates(min_value=date(1907, 1, 1), max_value=TODAY))
def test_written_birth_dates_read_back(born: date) -> None:
    assert parse_date_of_birth(f"{born.month:02}/{born.day:02}/{born.year}", TODAY) == born
    assert parse_date_of_birth(born.isoformat(), TODAY) == born
    assert parse_date_of_birth(f"born on {format_date(born)}", TODAY) == born
