"""Keypad entries as the text the normalisers read (pure)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")


def keypad_birth_date(digits: str) -> str:
    """Eight digits MMDDYYYY as "MM/DD/YYYY"; anything else unchanged (a ZIP, speech)."""
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    return digits


def keypad_amount(digits: str) -> str | None:
    """Dollars, with star as the decimal point ("50*25" is $50.25); None if not that shape."""
    dollars, _, cents = digits.partition("*")
    if not _DIGITS.fullmatch(dollars) or (cents and not re.fullmatch(r"\d{1,2}", cents)):
        return None
    return f"${int(dollars)}.{cents.ljust(2, '0')}" if cents else f"${int(dollars)}"


def keypad_date(digits: str) -> str | None:
    """Four digits MMDD as "MM/DD" (the next such day is meant); None if not that shape."""
    if len(digits) != 4 or not digits.isdigit():
        return None
    return f"{digits[:2]}/{digits[2:]}"
