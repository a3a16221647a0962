"""Payment dates as debtors type them: "fri", "next friday", "12/3", "the 15th", "in two weeks".

`today` is always the debtor's local date and always passed in: nothing here reads a clock.
Every date-like phrase in the text is read, and a date is returned only when they agree, so
"friday or monday" is None rather than a guess. Where usage is split a reading is still
chosen, so the assistant should say the date back in full (`format_date`: "Friday,
November 27") for the debtor to confirm.

The readings chosen:

* a bare weekday ("friday", "on fri", "this friday") is the next one on or after today, so
  "friday" said on a Friday is today;
* "next friday" is the first Friday strictly after today (on a Wednesday, in two days);
  "friday next week" is the Friday of the coming Monday-to-Sunday week;
* "next week" is a week from today: it always falls in next week, whatever today is;
* "next month" and "beginning of next month" are the first of next month; "in a month" is
  the same day next month, or that month's last day when it is shorter;
* a month and day without a year ("dec 3", "12/3") is this year's if that is today or
  later, otherwise next year's; a day of the month alone ("the 31st") is the next one on or
  after today, skipping months that lack it;
* two-digit years are 20yy (a payment date is never last century); a date that has passed
  ("11/01/2026" in late November, "yesterday", "a week ago") is returned as it is, for
  validation to report.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from policies.timezones import load_zone

__all__ = ["MONTH_NUMBERS", "format_date", "local_today", "parse_date"]

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MONTH_NUMBERS: dict[str, int] = {
    **{name.lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
    "febuary": 2,
}
"""Lower-case English month names, abbreviations and common misspellings -> 1..12."""

_WEEKDAY_NUMBERS = {
    **{name.lower(): number for number, name in enumerate(_WEEKDAY_NAMES)},
    **{name[:3].lower(): number for number, name in enumerate(_WEEKDAY_NAMES)},
    "tues": 1,
    "weds": 2,
    "wensday": 2,
    "wednsday": 2,
    "thur": 3,
    "thurs": 3,
    "thrusday": 3,
}
_ORDINALS = {
    word: number
    for number, word in enumerate(
        (
            "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
        ),
        start=1,
    )
}  # fmt: skip
_ORDINALS |= {
    f"twenty{sep}{word}": 20 + n for word, n in _ORDINALS.items() if n < 10 for sep in " -"
}
_ORDINALS |= {"thirtieth": 30, "thirty first": 31, "thirty-first": 31}
_COUNTS = {
    word: number
    for number, word in enumerate(
        (
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen", "twenty",
        ),
        start=1,
    )
}  # fmt: skip
_COUNTS |= {"thirty": 30, "a": 1, "an": 1, "a couple of": 2, "a couple": 2, "couple of": 2}
_TOMORROW = ("tomorrow", "tomorow", "tommorow", "tommorrow", "tmrw", "tmr", "tmw", "2morrow")


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first so "thurs" is not read as "thu"."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_WD = rf"(?P<wd>{_alternation(_WEEKDAY_NUMBERS)})"
_MON = rf"(?P<mon>{_alternation(MONTH_NUMBERS)})"
_SUFFIX = r"(?:st|nd|rd|th)"
_DAY = rf"(?:(?P<dn>\d{{1,2}}){_SUFFIX}?|(?P<dw>{_alternation(_ORDINALS)}))"
_YEAR = r"(?: (?P<year>\d{4}))?"
_COUNT = rf"(?P<count>\d{{1,3}}|{_alternation(_COUNTS)})"
_TOMORROW_WORDS = _alternation(_TOMORROW)
# A numeric date stands alone: "12/3" inside "12/3/2026" or "5/12/3" is not one.
_NUM_START = r"(?<![\d/.-])"
_NUM_END = r"(?![\d/.-])"
_SEP = r"(?P<sep>[-/.])"
_MM = r"(?P<month>\d{1,2})"
_DD = r"(?P<day>\d{1,2})"

_Reader = Callable[[re.Match[str], date], date | None]


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    read: _Reader
    # A weekday alone names a date only relative to today; next to a full date ("friday,
    # december 4") it just has to be that date's weekday.
    weekday_only: bool = False


def parse_date(text: str, today: date) -> date | None:
    """The one date `text` names, relative to the debtor's local `today`, or None.

    None when nothing parses, when the text names two different dates, or when a date-like
    phrase is impossible ("feb 30", "the 32nd"). See the module docstring for the readings
    chosen for ambiguous phrases.
    """
    cleaned = _clean(text)
    found = sorted(
        ((rule, match) for rule in _RULES for match in rule.pattern.finditer(cleaned)),
        key=lambda pair: (pair[1].start() - pair[1].end(), pair[1].start()),
    )
    # The longest phrase wins where phrases overlap: "next friday" over "friday".
    taken: list[tuple[_Rule, re.Match[str]]] = []
    for rule, match in found:
        if all(match.end() <= other.start() or other.end() <= match.start() for _, other in taken):
            taken.append((rule, match))
    full: set[date] = set()
    weekdays: set[date] = set()
    for rule, match in taken:
        value = rule.read(match, today)
        if value is None:
            return None
        (weekdays if rule.weekday_only else full).add(value)
    if len(full or weekdays) != 1:
        return None
    (value,) = full or weekdays
    if any(day.weekday() != value.weekday() for day in weekdays):
        return None
    return value


def format_date(value: date, today: date | None = None) -> str:
    """`value` for a debtor to read: "Friday, November 27".

    The year is added (", 2027") when it is not `today`'s year, and always without `today`.
    """
    text = f"{_WEEKDAY_NAMES[value.weekday()]}, {_MONTH_NAMES[value.month - 1]} {value.day}"
    if today is None or today.year != value.year:
        return f"{text}, {value.year}"
    return text


def local_today(at: datetime, zone: str) -> date:
    """The date it is at the aware instant `at` in the IANA time zone `zone`.

    ValueError for a naive `at` (its zone would be the host's) or an unknown zone.
    """
    if at.utcoffset() is None:
        raise ValueError("local_today needs an aware datetime")
    return at.astimezone(load_zone(zone)).date()


def _clean(text: str) -> str:
    """Lower case, with punctuation as spaces; a dot survives only between digits (3.14.85)."""
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text.lower())
    return " ".join(re.sub(r"[^a-z0-9/.-]+", " ", text).split())


def _after(days: int) -> _Reader:
    return lambda _match, today: today + timedelta(days=days)


def _weekday_from_today(match: re.Match[str], today: date) -> date:
    """The named weekday on or after today."""
    return today + timedelta(days=(_WEEKDAY_NUMBERS[match["wd"]] - today.weekday()) % 7)


def _weekday_after_today(match: re.Match[str], today: date) -> date:
    """The named weekday strictly after today."""
    return today + timedelta(days=(_WEEKDAY_NUMBERS[match["wd"]] - today.weekday() - 1) % 7 + 1)


def _weekday_of_next_week(match: re.Match[str], today: date) -> date:
    next_monday = today + timedelta(days=7 - today.weekday())
    return next_monday + timedelta(days=_WEEKDAY_NUMBERS[match["wd"]])


def _in_count(match: re.Match[str], today: date) -> date:
    count = _COUNTS.get(match["count"]) or int(match["count"])
    if match["ago"]:
        count = -count
    if match["unit"].startswith("month"):
        return _add_months(today, count)
    days_per_unit = 7 if match["unit"].startswith("week") else 1
    return today + timedelta(days=count * days_per_unit)


def _end_of_month(months_ahead: int) -> _Reader:
    def read(_match: re.Match[str], today: date) -> date:
        first = _add_months(today.replace(day=1), months_ahead)
        return first.replace(day=monthrange(first.year, first.month)[1])

    return read


def _first_of_next_month(_match: re.Match[str], today: date) -> date:
    return _add_months(today.replace(day=1), 1)


def _day_of_next_month(match: re.Match[str], today: date) -> date | None:
    first = _add_months(today.replace(day=1), 1)
    return _safe_date(first.year, first.month, _day(match))


def _day_of_month(match: re.Match[str], today: date) -> date | None:
    """The next date on or after today with the given day of the month."""
    day = _day(match)
    first = today.replace(day=1)
    # Any day comes round within three months: "the 30th" said on January 31 is March 30.
    for months_ahead in range(3):
        month = _add_months(first, months_ahead)
        candidate = _safe_date(month.year, month.month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _named_month_day(match: re.Match[str], today: date) -> date | None:
    return _month_day(MONTH_NUMBERS[match["mon"]], _day(match), match["year"], today)


def _numeric_month_day(match: re.Match[str], today: date) -> date | None:
    return _month_day(int(match["month"]), int(match["day"]), match.groupdict().get("year"), today)


def _month_day(month: int, day: int, year: str | None, today: date) -> date | None:
    """An explicit year as given; without one, the first occurrence on or after today."""
    if year is not None:
        return _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    for candidate in (_safe_date(today.year, month, day), _safe_date(today.year + 1, month, day)):
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _day(match: re.Match[str]) -> int:
    number = match["dn"]
    return int(number) if number else _ORDINALS[match["dw"]]


def _add_months(value: date, months: int) -> date:
    """`value` moved by whole months, clamped to the end of a shorter month (Jan 31 -> Feb 28)."""
    years, month_index = divmod(value.month - 1 + months, 12)
    year, month = value.year + years, month_index + 1
    return date(year, month, min(value.day, monthrange(year, month)[1]))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _rule(pattern: str, read: _Reader, *, weekday_only: bool = False) -> _Rule:
    return _Rule(re.compile(pattern), read, weekday_only)


_RULES = (
    _rule(r"\b(?:today|tdy|2day|tonight|tonite|this (?:morning|afternoon|evening))\b", _after(0)),
    _rule(r"\byesterday\b", _after(-1)),
    _rule(rf"\b(?:{_TOMORROW_WORDS})\b", _after(1)),
    _rule(rf"\b(?:the )?day after (?:{_TOMORROW_WORDS})\b", _after(2)),
    _rule(rf"\b(?:this (?:coming )?|coming )?{_WD}\b", _weekday_from_today, weekday_only=True),
    _rule(rf"\bnext {_WD}\b", _weekday_after_today, weekday_only=True),
    _rule(rf"\b{_WD} (?:of )?next week\b", _weekday_of_next_week),
    _rule(rf"\bnext week (?:on )?{_WD}\b", _weekday_of_next_week),
    _rule(r"\bnext week\b", _after(7)),
    _rule(
        rf"\b(?:(?:in|within) )?{_COUNT} (?P<unit>days?|weeks?|months?)"
        r"(?: from (?:now|today)| (?P<ago>ago))?\b",
        _in_count,
    ),
    _rule(r"\b(?:end of (?:the |this )?month|month end)\b", _end_of_month(0)),
    _rule(r"\bend of next month\b", _end_of_month(1)),
    _rule(r"\b(?:(?:beginning|start) of )?next month\b", _first_of_next_month),
    _rule(rf"\b(?:the )?{_DAY} of next month\b", _day_of_next_month),
    _rule(rf"\b(?:the )?{_DAY} of (?:the |this |every |each )?month\b", _day_of_month),
    _rule(rf"\bthe {_DAY}\b", _day_of_month),
    _rule(rf"\b(?P<dn>\d{{1,2}}){_SUFFIX}\b", _day_of_month),
    _rule(rf"\b{_MON} (?:the )?{_DAY}{_YEAR}\b", _named_month_day),
    _rule(rf"\b(?:the )?{_DAY} (?:of )?{_MON}{_YEAR}\b", _named_month_day),
    _rule(rf"{_NUM_START}(?P<year>\d{{4}}){_SEP}{_MM}(?P=sep){_DD}{_NUM_END}", _numeric_month_day),
    _rule(
        rf"{_NUM_START}{_MM}{_SEP}{_DD}(?P=sep)(?P<year>\d{{4}}|\d{{2}}){_NUM_END}",
        _numeric_month_day,
    ),
    _rule(rf"{_NUM_START}{_MM}/{_DD}{_NUM_END}", _numeric_month_day),
)
