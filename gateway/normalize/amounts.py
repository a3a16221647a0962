"""Money amounts as debtors type them: "$1,200.50", "50 bucks", "one hundred and twenty five".

The parser reads every amount-like phrase in the text and answers only when they all agree:
a guess that is off by a factor of a hundred is worse than asking again.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["format_amount", "parse_amount"]

_CENT = Decimal("0.01")
# Far above any balance; it also keeps every value exact in the default 28-digit context.
_MAX = Decimal(10) ** 12

_ONES = {
    word: value
    for value, word in enumerate(
        (
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen",
        ),
        start=1,
    )
}  # fmt: skip
_TENS = {
    word: value * 10
    for value, word in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2
    )
}
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORDS = {"zero", "and", *_ONES, *_TENS, *_SCALES}
_MULTIPLIERS = {"k": 1000, **_SCALES}
_CURRENCY_PREFIXES = {"$", "usd"}
_DOLLARS = {"$", "usd", "dollar", "dollars", "buck", "bucks"}
_CENTS = {"cent", "cents"}

_TOKEN = re.compile(r"\d+(?:,\d+)*(?:\.\d+)?|\.\d+|[a-z]+|\S")
_NUMERAL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?")


class _Unclear(Exception):
    """An amount-like phrase that cannot be read with confidence."""


def parse_amount(text: str) -> Decimal | None:
    """The one amount in `text`, quantised to cents, or None.

    None when nothing parses, when the text names two different amounts ("50 or 60"), or
    when a phrase is amount-like but unclear: "$50.999", "1,20", "two fifty" (said of a
    price that is $2.50; of a payment, often $250). Zero and negative amounts are returned
    as read; rejecting them is validation's job.
    """
    tokens = _TOKEN.findall(text.lower())
    found: set[Decimal] = set()
    i = 0
    try:
        while i < len(tokens):
            read = _amount_at(tokens, i)
            if read is None:
                i += 1
                continue
            value, i = read
            found.add(value)
    except _Unclear:
        return None
    if len(found) != 1:
        return None
    (value,) = found
    if abs(value) >= _MAX or value != value.quantize(_CENT):
        return None
    return value.quantize(_CENT)


def format_amount(value: Decimal, currency: str = "USD") -> str:
    """`value` for a debtor to read: "$1,200.50" for USD, "1,200.50 EUR" otherwise."""
    digits = f"{abs(value.quantize(_CENT)):,.2f}"
    sign = "-" if value < 0 else ""
    if currency.upper() == "USD":
        return f"{sign}${digits}"
    return f"{sign}{digits} {currency.upper()}"


def _amount_at(tokens: list[str], i: int) -> tuple[Decimal, int] | None:
    """The amount starting at token `i` and the index after it, or None if none starts there.

    The shape is [-] [$|usd] [-] quantity [k|hundred|thousand] [unit] [[and] N cents].
    """
    start = i
    negative = _at(tokens, i) == "-"
    if negative:
        i += 1
    dollars = _at(tokens, i) in _CURRENCY_PREFIXES
    if dollars:
        i += 1
    if not negative and _at(tokens, i) == "-":
        negative, i = True, i + 1
    read = _quantity_at(tokens, i)
    if read is None:
        return None
    value, i = read
    if _at(tokens, i) in _MULTIPLIERS:
        value, i = value * _MULTIPLIERS[tokens[i]], i + 1
    if _at(tokens, i) in _CENTS:
        value, i = value * _CENT, i + 1
    elif _at(tokens, i) in _DOLLARS:
        dollars, i = True, i + 1
    # Only a sum marked as dollars takes cents after it: "5 and 50 cents" may be two sums.
    cents = _cents_at(tokens, i) if dollars else None
    if cents is not None:
        value, i = value + cents[0], cents[1]
    if negative and _is_number(_at(tokens, start - 1)):
        # "5-10" is a range, and a range is not one amount.
        raise _Unclear
    return (-value if negative else value), i


def _cents_at(tokens: list[str], i: int) -> tuple[Decimal, int] | None:
    """The "[and] fifty cents" that completes "five dollars and fifty cents"."""
    if _at(tokens, i) == "and":
        i += 1
    read = _quantity_at(tokens, i)
    if read is None or _at(tokens, read[1]) not in _CENTS:
        return None
    cents, i = read
    if cents >= 100 or cents != cents.to_integral_value():
        return None
    return cents * _CENT, i + 1


def _quantity_at(tokens: list[str], i: int) -> tuple[Decimal, int] | None:
    """A bare number at token `i`, in digits or words, and the index after it."""
    first = tokens[i] if i < len(tokens) else ""
    if first[:1].isdigit() or (first[:1] == "." and first[1:2].isdigit()):
        if _is_date_time_or_ordinal(tokens, i):
            return None
        if not _NUMERAL.fullmatch(first):
            raise _Unclear
        return Decimal(first.replace(",", "")), i + 1
    if first == "a" and _at(tokens, i + 1) in _SCALES:
        end = i + 1
    elif first in _NUMBER_WORDS and first != "and":
        end = i
    else:
        return None
    while end < len(tokens) and (
        tokens[end] in _NUMBER_WORDS
        # A hyphen joins "twenty-five"; it counts only between number words.
        or (tokens[end] == "-" and _at(tokens, end + 1) in _NUMBER_WORDS)
    ):
        end += 1
    while tokens[end - 1] == "and":
        end -= 1
    value = _words_value([word for word in tokens[i:end] if word not in {"a", "-"}])
    if value is None:
        raise _Unclear
    return Decimal(value), end


def _is_date_time_or_ordinal(tokens: list[str], i: int) -> bool:
    """Whether the numeral at `i` is part of "12/3", "5:30", "15th" or "50%"."""
    after = _at(tokens, i + 1)
    if after in {"%", "st", "nd", "rd", "th"}:
        return True
    if after in {"/", ":"} and _is_numeral(_at(tokens, i + 2)):
        return True
    return _at(tokens, i - 1) in {"/", ":"} and _is_numeral(_at(tokens, i - 2))


def _words_value(words: list[str]) -> int | None:
    """The integer spelled by `words` ("twelve hundred", "one thousand and five"), or None.

    Only grammatical numbers count: "two fifty" is two numbers, not one.
    """
    if words == ["zero"]:
        return 0
    value, rest = 0, words
    if "thousand" in words:
        end = words.index("thousand")
        # A scale word with nothing before it had an "a" there: "a thousand".
        lead = _hundreds(words[:end]) if end else 1
        if lead is None:
            return None
        value, rest = lead * 1000, words[end + 1 :]
        if rest[:1] == ["and"]:
            rest = rest[1:]
    if not rest:
        return value
    tail = _hundreds(rest)
    return None if tail is None else value + tail


def _hundreds(words: list[str]) -> int | None:
    """1 to 9999 in words: "five", "twelve hundred", "a hundred and twenty five"."""
    if "hundred" not in words:
        return _below_hundred(words)
    end = words.index("hundred")
    lead = _below_hundred(words[:end]) if end else 1
    rest = words[end + 1 :]
    if rest[:1] == ["and"]:
        rest = rest[1:]
    tail = _below_hundred(rest) if rest else 0
    if lead is None or tail is None:
        return None
    return lead * 100 + tail


def _below_hundred(words: list[str]) -> int | None:
    """1 to 99 in words: "seven", "fifteen", "forty", "forty two"."""
    match words:
        case [word] if word in _ONES or word in _TENS:
            return _ONES.get(word) or _TENS[word]
        case [tens, ones] if tens in _TENS and _ONES.get(ones, 10) < 10:
            return _TENS[tens] + _ONES[ones]
    return None


def _is_number(token: str | None) -> bool:
    return _is_numeral(token) or token in _NUMBER_WORDS


def _is_numeral(token: str | None) -> bool:
    return token is not None and token[0].isdigit()


def _at(tokens: list[str], i: int) -> str | None:
    """Token `i`, or None past either end."""
    return tokens[i] if 0 <= i < len(tokens) else None
