"""Removing payment card, bank and social security numbers from speech transcripts.

Voicemail transcripts are redacted before they are stored, logged or read by the NLU. Everything
here is pure. Numbers are read written or spoken (transcription.spoken_numbers), and each is
judged with the phrase that says what it is, if any (transcription.redaction_context: the
nearest phrase within six words before it, or failing that within three words after it).

What goes, with a phrase:
- after a card phrase ("card number", "visa", "the long number on the front", ...), or a
  security code phrase, any run of 7 or more digits, Luhn-valid or not and of any length:
  tiny.en drops and repeats digits (a spoken 16-digit test card came out as 49 digits, as
  "41, 1, 1, 1, 1, 1" and as "$41, $1, $21, $11, $"), and what survives of a card number is
  still most of a card number. Shorter runs stay: "card ending in 4111", "$41 on my card".
- after a security code phrase (CVV, "three digits on the back", ...), runs of up to 6 digits.
- after an expiry phrase ("expires", "exp", "valid thru", ...), a slashed date or 3 to 8 digits.
  A card phrase alone does not make a date an expiry date: "I paid with my card on 3/15".
- after a social security phrase ("social", "SSN", ...), runs of 7 or more digits, whatever the
  area number; after "last four of my social", runs of 3 or more.
- after a routing phrase ("routing", "ABA", "transit"), runs of 7 or more digits.
- after a bank account phrase ("bank account", "checking account", "my savings", ...), runs of
  4 or more digits. After "account number" or "acct" alone (which debtors also say of their
  collection account), only runs of 8 or more digits, unless the sentence speaks of a bank,
  when it is a bank account phrase. A 9-digit run with a valid ABA checksum after either is a
  routing number. A reference with letters ("ACC-2024-0042") is never a number run.

What goes anywhere:
- a run of 13 to 19 digits that passes Luhn, or such a stretch of a longer run laid out as
  on a card ("call 415 555 0134 4111 1111 1111 1111"); not single digits inside a longer run
  ("2, 4, 1, 1, 1, ..."), nor stretches across phone numbers, where one in ten passes Luhn by
  chance;
- a social security number written 3-2-4 ("123-45-6789", "123 45 6789", "one two three, four
  five, six seven eight nine") with a possible area, group and serial (not 000, 666 or 9xx, not
  group 00, not serial 0000);
- right after a redacted card number (only spaces or commas between): a slashed month/year
  ("09/27") as its expiry date, and after either, 3 or 4 digits as its security code.

What stays: amounts, dates, times, phone numbers, ZIP codes, years and counts, unless a phrase
claims them; a 16-digit run failing Luhn with no phrase (a reference, most likely); 9 plain
digits with no phrase; the last four digits of a card.

Redacting a redacted text changes nothing: a placeholder binds phrases as the number did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from transcription.checksums import aba_routing_valid, luhn_valid
from transcription.redaction_context import Context, Contexts
from transcription.spoken_numbers import NumberRun, find_number_runs

__all__ = ["PLACEHOLDERS", "Redaction", "Span", "redact", "redact_parts"]

PLACEHOLDERS: Final[dict[str, str]] = {
    "card_number": "[card number]",
    "security_code": "[security code]",
    "expiry_date": "[expiry date]",
    "ssn": "[ssn]",
    "bank_account": "[bank account]",
    "routing_number": "[routing number]",
}
_KINDS = {placeholder: kind for kind, placeholder in PLACEHOLDERS.items()}
_PLACEHOLDER = re.compile("|".join(re.escape(placeholder) for placeholder in _KINDS))

_CARD_LENGTHS = range(13, 20)
# A card, social security or routing number with a few digits lost; longer than a security
# code, an expiry date, a count or most amounts.
_LONG_RUN = 7
_SHORT_BANK_ACCOUNT = 4
_LONG_BANK_ACCOUNT = 8
# Digits per group on a printed card, but for the last group: 4-4-4-4, 4-6-5 (Amex), 4-6-4.
_CARD_GROUPS = (4, 6)
_SSN_GROUPS = [3, 2, 4]
_CHAIN_GAP = re.compile(r"[\s,;:\u2013\u2014-]*")


@dataclass(frozen=True, slots=True)
class Span:
    """A sensitive range of the original text and what it held."""

    start: int
    end: int
    kind: str  # a key of PLACEHOLDERS


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and the ranges of the original that were replaced."""

    text: str
    spans: tuple[Span, ...]  # on the original text, sorted, non-overlapping


def redact(text: str) -> Redaction:
    """`text` with each sensitive number replaced by its PLACEHOLDERS entry."""
    spans = tuple(_find_spans(text))
    return Redaction(_replace(text, spans), spans)


def redact_parts(parts: Sequence[str], separator: str = " ") -> list[str]:
    """Redact a transcript given as segments, as one text.

    The parts are joined with `separator` and redacted together, so a number spoken across two
    segments is caught; each part then gets its own share, and a span crossing a boundary is
    replaced in every part it touches.
    """
    spans = redact(separator.join(parts)).spans
    redacted = []
    offset = 0
    for part in parts:
        end = offset + len(part)
        local = [
            Span(max(span.start, offset) - offset, min(span.end, end) - offset, span.kind)
            for span in spans
            if max(span.start, offset) < min(span.end, end)
        ]
        redacted.append(_replace(part, local))
        offset = end + len(separator)
    return redacted


def _replace(text: str, spans: Sequence[Span]) -> str:
    pieces = []
    position = 0
    for span in spans:
        pieces += [text[position : span.start], PLACEHOLDERS[span.kind]]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _find_spans(text: str) -> list[Span]:
    runs = find_number_runs(text)
    if not runs:
        return []
    placeholders = [
        Span(match.start(), match.end(), _KINDS[match.group()])
        for match in _PLACEHOLDER.finditer(text)
    ]
    contexts = Contexts(text, [(span.start, span.end) for span in placeholders])
    # A placeholder stands where its number stood: phrases bind to it, and it chains.
    items: list[NumberRun | Span] = sorted(
        [
            *placeholders,
            *(run for run in runs if not _minor(run) and not contexts.overlaps(run.start, run.end)),
        ],
        key=lambda item: item.start,
    )
    spans: list[Span] = []
    previous: Span | None = None
    for index, item in enumerate(items):
        if isinstance(item, Span):
            previous = item
            continue
        floor = items[index - 1].end if index else 0
        ceiling = items[index + 1].start if index + 1 < len(items) else len(text)
        before = contexts.before(item.start, floor)
        after = contexts.after(item.end, ceiling)
        # "call 415 555 0134, my visa is 4111 ...": the phrase is about the number it introduces.
        following = items[index + 1] if index + 1 < len(items) else None
        if following is not None and contexts.before(following.start, item.end) == after:
            after = None
        found = _classify(text, item, before, after, previous)
        spans += found
        previous = found[-1] if found else None
    return spans


def _minor(run: NumberRun) -> bool:
    """A lone "one", "oh" or "twenty" in speech: a word, not a digit string."""
    return len(run.digits) <= 2 and all(group.spoken for group in run.groups)


def _classify(
    text: str,
    run: NumberRun,
    before: Context | None,
    after: Context | None,
    previous: Span | None,
) -> list[Span]:
    """The sensitive spans of `run`: by its phrase, by what it follows, or by its shape."""
    for context in (before, after):
        if context is not None:
            kind = _by_context(run, context.kind)
            if kind is not None:
                return [Span(run.start, run.end, kind)]
    kind = _by_chain(text, run, previous)
    if kind is not None:
        return [Span(run.start, run.end, kind)]
    if run.slashed:
        return []
    digits = run.digits
    if len(digits) in _CARD_LENGTHS and luhn_valid(digits):
        return [Span(run.start, run.end, "card_number")]
    if _ssn_shaped(run):
        return [Span(run.start, run.end, "ssn")]
    return _split_at_cards(text, run, before, after, previous)


def _by_context(run: NumberRun, kind: str) -> str | None:
    count = len(run.digits)
    if run.slashed or kind == "expiry":
        return "expiry_date" if kind == "expiry" and (run.slashed or 3 <= count <= 8) else None
    if kind == "card":
        return "card_number" if count >= _LONG_RUN else None
    if kind == "security_code":
        return "security_code" if count < _LONG_RUN else "card_number"
    if kind == "ssn":
        return "ssn" if count >= _LONG_RUN else None
    if kind == "ssn_last_four":
        return "ssn" if count >= 3 else None
    if kind == "routing":
        return "routing_number" if count >= _LONG_RUN else None
    minimum = _SHORT_BANK_ACCOUNT if kind == "bank" else _LONG_BANK_ACCOUNT
    if count < minimum:
        return None
    return "routing_number" if aba_routing_valid(run.digits) else "bank_account"


def _by_chain(text: str, run: NumberRun, previous: Span | None) -> str | None:
    """An expiry date or security code read out right after the card number."""
    if previous is None or _CHAIN_GAP.fullmatch(text, previous.end, run.start) is None:
        return None
    if run.slashed:
        month, year = run.groups[0].digits, run.groups[-1].digits
        is_expiry = len(run.groups) == 2 and 1 <= int(month) <= 12 and len(year) in (2, 4)
        return "expiry_date" if previous.kind == "card_number" and is_expiry else None
    is_code = 3 <= len(run.digits) <= 4 and not text.startswith("$", run.start)
    return "security_code" if is_code and previous.kind in ("card_number", "expiry_date") else None


def _ssn_shaped(run: NumberRun) -> bool:
    if [len(group.digits) for group in run.groups] != _SSN_GROUPS:
        return False
    area, group, serial = (group.digits for group in run.groups)
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _split_at_cards(
    text: str,
    run: NumberRun,
    before: Context | None,
    after: Context | None,
    previous: Span | None,
) -> list[Span]:
    """The card number inside a longer run, and what is left of the run on either side.

    The rest is judged as it will be when the redacted text is redacted again: the part before
    the card keeps the run's phrase before it, the part after keeps the phrase after it.
    """
    window = _card_window(run)
    if window is None:
        return []
    first, stop = window
    groups = run.groups
    card = Span(groups[first].start, groups[stop - 1].end, "card_number")
    left = NumberRun(run.start, groups[first - 1].end, groups[:first]) if first else None
    right = NumberRun(groups[stop].start, run.end, groups[stop:]) if stop < len(groups) else None
    return [
        *(_classify(text, left, before, None, previous) if left and not _minor(left) else []),
        card,
        *(_classify(text, right, None, after, card) if right and not _minor(right) else []),
    ]


def _card_window(run: NumberRun) -> tuple[int, int] | None:
    """The group range [first, stop) of `run` covering every stretch that reads as a card number.

    A stretch is 13 to 19 digits passing Luhn, made of whole groups laid out as on a card: one
    group, or groups of 4 or 6 digits but for the last (4-4-4-4, 4-6-5, 4-4-4-1). Any layout
    would do worse: single digits ("4, 1, 1, 1") or two phone numbers ("415 555 0134, 415 555
    0199") hold many such stretches, and one in ten passes Luhn by chance. Taking all the
    stretches rather than the first keeps a chance pass overlapping a card from leaving part of
    the card behind.
    """
    groups = run.groups
    window: tuple[int, int] | None = None
    for first in range(len(groups)):
        digits = ""
        for index in range(first, len(groups)):
            if index > first and len(groups[index - 1].digits) not in _CARD_GROUPS:
                break
            digits += groups[index].digits
            if len(digits) > _CARD_LENGTHS[-1]:
                break
            if len(digits) >= _CARD_LENGTHS[0] and luhn_valid(digits):
                window = (
                    (first, index + 1) if window is None else (window[0], max(window[1], index + 1))
                )
    return window
