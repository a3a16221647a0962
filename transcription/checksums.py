"""Check digits of payment card numbers (Luhn) and ABA routing numbers (3-7-1 weights)."""

from __future__ import annotations

import re

__all__ = ["aba_routing_valid", "luhn_valid"]

# str.isdigit() accepts other scripts' digits ("٣") and superscripts, which int() may refuse.
_ASCII_DIGITS = re.compile(r"[0-9]+")
_ROUTING_DIGITS = re.compile(r"[0-9]{9}")
_ABA_WEIGHTS = (3, 7, 1) * 3


def luhn_valid(digits: str) -> bool:
    """Whether `digits` (ASCII digits only, at least one) passes the Luhn mod-10 check."""
    if not _ASCII_DIGITS.fullmatch(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - ord("0")
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def aba_routing_valid(digits: str) -> bool:
    """Whether `digits` is nine ASCII digits whose 3-7-1 weighted sum is a multiple of ten."""
    if not _ROUTING_DIGITS.fullmatch(digits):
        return False
    total = sum(
        weight * (ord(char) - ord("0")) for weight, char in zip(_ABA_WEIGHTS, digits, strict=True)
    )
    return total % 10 == 0
