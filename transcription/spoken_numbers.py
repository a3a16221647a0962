"""Digit strings in a transcript, written or spoken, with their exact range in the text.

faster-whisper writes one spoken digit string in many ways: "4111 1111", "4111-1111",
"4, 1, 1, 1", "$41, $1, $21", "four one one one", "four-one-one-one", "forty one eleven",
"oh nine twenty seven", "double four". A run is a maximal sequence of such numbers joined only
by spaces, commas, hyphens or dashes (the word "dash" too), or by dots inside a token
("4111.1111"). Each run keeps its range in the original text, so that a caller can replace
exactly that range, and its groups: the numbers as written or as spoken between pauses
("one two three, four five" is 123 then 45), which tell a social security number's 3-2-4 from
a card's 4-4-4-4.

What ends a run: any other word; sentence punctuation; a magnitude word, since "two hundred"
says an amount, not digits; money written as money ("$1,250.00"); a number glued to letters
("15th", "2k", "ACC-2024-0042"), which is a reference rather than a digit string. A slashed
token ("09/27", "12/15/2026") is a run of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from transcription.text_matching import alternation, ascii_lower

__all__ = ["NUMBER_WORDS", "DigitGroup", "NumberRun", "find_number_runs"]

_ONES = {
    word: str(value)
    for value, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    )
} | {"oh": "0"}
_TEENS = {
    word: str(value)
    for value, word in enumerate(
        (
            "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen",
        ),
        start=10,
    )
}  # fmt: skip
_TENS = {
    word: str(value)
    for value, word in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2
    )
}
_REPEATS = {"double": 2, "triple": 3}
_DASH = "dash"
_DOLLAR = "$"
NUMBER_WORDS: frozenset[str] = frozenset({*_ONES, *_TEENS, *_TENS})

_PIECE = rf"\$?[0-9]+|\$|{alternation([*NUMBER_WORDS, *_REPEATS, _DASH])}"
# Amounts written as amounts: thousands separators or cents. At most two thousands separators, so
# that "$4,111,111,111,111,111" (ASR reading a card number as money) is not one; and it must end
# there, so that "$4,111,1111" is not "$4,111" followed by more digits.
_MONEY = (
    r"(?:\$[0-9]{1,3}(?:,[0-9]{3}){1,2}(?:\.[0-9]{1,2})?"
    r"|\$[0-9]+\.[0-9]{1,2}"
    r"|[0-9]{1,3}(?:,[0-9]{3}){1,2}\.[0-9]{2})"
    r"(?![,.]?[0-9])"
)
# A token starts and ends at a word boundary, and is not glued to letters by a hyphen, dot, slash
# or apostrophe: "ACC-2024-0042", "v1.2" and "15th" hold no token.
_TOKEN = re.compile(
    rf"(?<![^\W_])(?<![^\W_][-./'])"
    rf"(?:{_MONEY}|(?:{_PIECE})(?P<more>(?:[-./](?:{_PIECE}))*)(?![-./']?[^\W_]))"
)
_PART = re.compile(r"\$?[0-9]+|\$|[^\W\d_]+")
# What may stand between two tokens of one run, besides spaces.
_JOINERS = frozenset({"", ",", "-", "\u2013", "\u2014"})
_SLASHED = re.compile(r"[0-9]{1,4}(?:/[0-9]{1,4}){1,2}")


@dataclass(frozen=True, slots=True)
class DigitGroup:
    """Digits written or spoken together: a token ("4111", "$41") or spoken words between pauses.

    `start` and `end` delimit it in the original text, a leading dollar sign included.
    """

    start: int
    end: int
    digits: str
    spoken: bool


@dataclass(frozen=True, slots=True)
class NumberRun:
    """A maximal digit string in the original text: `text[start:end]` reads as `digits`."""

    start: int
    end: int
    groups: tuple[DigitGroup, ...]
    # "09/27", "12/15/2026": a date's shape, never part of a longer run.
    slashed: bool = False

    @property
    def digits(self) -> str:
        """The run's digits, in order, without separators."""
        return "".join(group.digits for group in self.groups)


class _Part(NamedTuple):
    start: int
    end: int
    text: str  # ASCII letters in lower case
    # What separates it from the previous part, stripped: "" for spaces, or a comma, hyphen, dot
    # or dash.
    sep: str


def find_number_runs(text: str) -> list[NumberRun]:
    """Every digit string in `text`, written or spoken, in order, with its range and groups."""
    return [run for parts in _joined_parts(text) for run in _read(parts)]


def _joined_parts(text: str) -> Iterator[list[_Part]]:
    """The number parts of `text`, split where something other than a separator stands."""
    text = ascii_lower(text)
    parts: list[_Part] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        sep = text[parts[-1].end : start].strip() if parts else ""
        if parts and sep not in _JOINERS:
            yield parts
            parts = []
        more = match.group("more")
        if more is None or "/" in more:
            if parts:
                yield parts
                parts = []
            if more is not None and _SLASHED.fullmatch(text, start, end):
                yield [_Part(start, end, text[start:end], "")]
            continue
        if not more:
            parts.append(_Part(start, end, text[start:end], sep))
            continue
        for part in _PART.finditer(text, start, end):
            if part.start() > start:
                sep = text[parts[-1].end : part.start()]
            parts.append(_Part(part.start(), part.end(), part.group(), sep))
    if parts:
        yield parts


def _read(parts: Sequence[_Part]) -> Iterator[NumberRun]:
    """Runs from joined parts: words become digits; an unreadable word ends the run."""
    if len(parts) == 1 and "/" in parts[0].text:
        yield _slashed(parts[0])
        return
    groups: list[DigitGroup] = []
    start = end = -1
    # Spoken words separated by spaces only are one group: "one two three" is 123.
    may_merge = False
    i = 0
    while i < len(parts):
        part = parts[i]
        if part.text in (_DOLLAR, _DASH):
            # Whisper writes "$" on every piece of a digit string and sometimes a stray one after.
            if part.text == _DOLLAR:
                start = part.start if start < 0 else start
                end = part.end
            may_merge = False
            i += 1
            continue
        reading = _digits_at(parts, i)
        if reading is None:
            if groups:
                yield NumberRun(start, end, tuple(groups))
            groups, start, end, may_merge = [], -1, -1, False
            i += 1
            continue
        digits, used = reading
        last = parts[i + used - 1]
        spoken = not part.text[0].isdigit() and not part.text.startswith(_DOLLAR)
        if spoken and may_merge and not part.sep:
            merged = groups[-1]
            groups[-1] = DigitGroup(merged.start, last.end, merged.digits + digits, spoken=True)
        else:
            groups.append(DigitGroup(part.start, last.end, digits, spoken))
        start = part.start if start < 0 else start
        end = last.end
        may_merge = spoken
        i += used
    if groups:
        yield NumberRun(start, end, tuple(groups))


def _slashed(part: _Part) -> NumberRun:
    groups = []
    offset = part.start
    for piece in part.text.split("/"):
        groups.append(DigitGroup(offset, offset + len(piece), piece, spoken=False))
        offset += len(piece) + 1
    return NumberRun(part.start, part.end, tuple(groups), slashed=True)


def _digits_at(parts: Sequence[_Part], i: int) -> tuple[str, int] | None:
    """The digits that parts[i] starts, and how many parts they take; None for a bare repeat."""
    word = parts[i].text
    if word.startswith(_DOLLAR) or word[0].isdigit():
        return word.lstrip(_DOLLAR), 1
    if word in _ONES:
        return _ONES[word], 1
    if word in _TEENS:
        return _TEENS[word], 1
    following = parts[i + 1] if i + 1 < len(parts) else None
    # "forty one" and "forty-one" are 41; "forty, one" is two numbers, 40 and 1.
    attached = following is not None and following.sep in ("", "-")
    if word in _TENS:
        if attached and following is not None and following.text in _ONES:
            ones = _ONES[following.text]
            if ones != "0":
                return _TENS[word] + ones, 2
        return _TENS[word] + "0", 1
    repeat = _REPEATS.get(word)
    if repeat is not None and attached and following is not None:
        single = _ONES.get(following.text, following.text)
        if len(single) == 1 and single.isdigit():
            return single * repeat, 2
    return None
