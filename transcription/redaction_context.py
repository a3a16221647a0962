"""The phrases that say what a number in a transcript is: "card number", "CVV", "expires", ...

A phrase applies to the first number after it, within six words, when nothing else stands
between them: not another number, not a digit (a reference such as "ACC-2024-0042", an amount),
not a word that starts another subject ("call", "phone", "zip", "pay", ...), and not a sentence
boundary followed by more than two words ("my card number? Um, it's 4, 1, 1" is one statement,
"I lost my card. My number is 415 555 0134" is two). Failing that, a phrase up to three words
after the number in the same clause applies ("4111 1111 1111 1111 is my card number"), unless
it introduces the next number ("call 415 555 0134 my visa is 4111 ...").

"account number" alone is weak: debtors call their collection account reference that too. It
counts as a bank account phrase when its sentence also speaks of a bank, a routing number, a
checking or a savings account.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from transcription.text_matching import alternation, ascii_lower

__all__ = ["Context", "Contexts"]

_NUMBER = r"(?:\s+(?:number|no\.?|num|#))"
# Alternatives earlier in this table win where two start at the same place: "card security
# code" is a security code phrase, not a card phrase followed by other words.
_PHRASES = {
    "ssn_last_four": (
        r"last\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:my|the|your|his|her)\s+"
        r"(?:social(?:\s+security)?(?:\s+number)?|ssn)"
    ),
    "security_code": (
        r"cvv2?|cvc2?|cv2|cid|csc"
        r"|(?:card\s+)?(?:security|verification)\s+(?:code|number|value|digits)|card\s+code"
        r"|(?:(?:three|four|3|4)[\s-])?digits?\s+on\s+the\s+back(?:\s+of\s+(?:the|my|your)\s+card)?"
        r"|(?:code|number)\s+on\s+the\s+back(?:\s+of\s+(?:the|my|your)\s+card)?"
        r"|(?:three|four|3|4)[\s-]digits?\s+(?:security\s+)?(?:code|number)"
        r"|back\s+of\s+(?:the|my|your)\s+card"
    ),
    "ssn": (
        rf"ssn{_NUMBER}?|ss\s*(?:#|number|no\.?)|social\s+security(?:{_NUMBER}|\s+card)?"
        rf"|social{_NUMBER}?(?!\s+(?:workers?|media|services?|club|events?|life|skills|network"
        r"|studies|circle|hour)(?![^\W_]))"
    ),
    "expiry": (
        r"exp(?:\.|iry|ires?|ired|iring|iration)?(?:\s+date)?"
        r"|(?:valid|good)\s+(?:thru|through|until|till)"
    ),
    "routing": (
        rf"(?:aba\s+)?routing(?:\s+and\s+transit)?{_NUMBER}?|aba{_NUMBER}?|transit{_NUMBER}?|rtn"
    ),
    # "checking" alone is also a verb: "I'm just checking in about account 88213".
    "bank": (
        r"(?:(?<=\bmy\s)|(?<=\bthe\s)|(?<=\byour\s)|(?<=\bour\s)|(?<=\binto\s)|(?<=\ba\s))"
        rf"(?:checking|savings)(?:\s+acc(?:oun)?t)?{_NUMBER}?"
        r"(?!\s+(?:in|on|up|out|to|if|for|with|back|about|whether)(?![^\W_]))"
        rf"|(?:checking|savings)\s+(?:acc(?:oun)?t{_NUMBER}?|number|no\.?|#)"
        rf"|bank\s+acc(?:oun)?t{_NUMBER}?|bank(?:ing)?\s+(?:number|details|info)"
        r"|iban|direct\s+deposit(?:\s+account)?"
    ),
    "account": rf"account{_NUMBER}|acct(?:{_NUMBER}|\.)?|a/c{_NUMBER}?",
    "card": (
        rf"(?:credit|debit)(?:\s+card)?{_NUMBER}?|card\s*(?:number|no\.?|num|#)|card(?:s|holder)?"
        r"|visa|master\s*card|amex|american\s+express|discover(?:\s+card)?|jcb"
        r"|diners(?:\s+club)?|maestro|union\s*pay"
        r"|long\s+number(?:\s+on\s+the\s+(?:front|card))?"
        r"|number\s+on\s+the\s+front(?:\s+of\s+(?:the|my|your)\s+card)?"
    ),
}
# How each phrase above can start: most words fail this at their first letter or two, which is
# much quicker than trying every phrase.
_FIRST_WORDS = (
    "last", "cv", "cid", "csc", "card", "security", "verification", "three", "four", "3", "4",
    "digit", "code", "number", "back", "ss", "social", "exp", "valid", "good", "aba", "routing",
    "transit", "rtn", "checking", "savings", "bank", "iban", "direct", "acc", "a/c", "credit",
    "debit", "visa", "master", "amex", "american", "discover", "jcb", "diners", "maestro", "union",
    "long",
)  # fmt: skip
_CONTEXT = re.compile(
    rf"(?<![^\W_])(?={alternation(_FIRST_WORDS)})(?:"
    + "|".join(f"(?P<{kind}>{phrase})" for kind, phrase in _PHRASES.items())
    + r")(?![^\W_])"
)
# Starting with the literal lets re skip ahead to each "bank" instead of testing every position.
_BANK_WORD = re.compile(r"bank(?<![^\W_]bank)(?:s|ing)?(?![^\W_])")
_BANKING_KINDS = frozenset({"bank", "routing"})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_DIGIT = re.compile(r"[0-9]")
_SENTENCE_END = re.compile(r"[.!?\u2026](?=\s|$)")
_CLAUSE_END = re.compile(r"[,;:()\u2013\u2014]|[.!?\u2026](?=\s|$)")
# Words that start another subject: what follows them is a phone number, an address, an amount.
_BREAKERS = frozenset(
    {
        "call", "calling", "called", "phone", "cell", "mobile", "text", "texting", "reach",
        "dial", "extension", "ext", "zip", "zipcode", "postal", "address", "street",
        "apartment", "apt", "suite", "owe", "owed", "pay", "paid", "paying", "payment",
        "payments", "balance", "amount", "dollars", "bucks", "cents", "reference", "ref",
        "invoice", "order", "case", "claim", "ticket", "confirmation", "tracking",
    }
)  # fmt: skip
_WORDS_BEFORE = 6
_WORDS_AFTER = 3
_WORDS_ACROSS_SENTENCES = 2


@dataclass(frozen=True, slots=True)
class Context:
    """A phrase saying what a nearby number is; `kind` names the group in _PHRASES."""

    start: int
    end: int
    kind: str


class Contexts:
    """The context phrases of one text, outside its existing placeholders."""

    def __init__(self, text: str, placeholders: Sequence[tuple[int, int]]) -> None:
        """Find the phrases of `text`; `placeholders` are sorted ranges already redacted."""
        self._text = text = ascii_lower(text)
        self._placeholder_starts = [start for start, _ in placeholders]
        self._placeholder_ends = [end for _, end in placeholders]
        found = [
            Context(match.start(), match.end(), match.lastgroup or "")
            for match in _CONTEXT.finditer(text)
            if not self._in_placeholder(match.start(), match.end())
        ]
        if any(context.kind == "account" for context in found):
            found = self._promote_accounts(found)
        self._contexts = found
        self._starts = [context.start for context in self._contexts]
        self._ends = [context.end for context in self._contexts]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a phrase covers part of text[start:end] ("three" in "three digits on ...")."""
        index = bisect_right(self._starts, end - 1) - 1
        return index >= 0 and self._ends[index] > start

    def before(self, position: int, floor: int) -> Context | None:
        """The phrase that applies to a number at `position`, from text[floor:position]."""
        index = bisect_right(self._ends, position) - 1
        if index < 0 or self._contexts[index].start < floor:
            return None
        context = self._contexts[index]
        gap = self._text[context.end : position]
        words = _plain_words(gap)
        if words is None or len(words) > _WORDS_BEFORE:
            return None
        sentences = _SENTENCE_END.split(gap)
        if len(sentences) > 1 and len(_WORD.findall(sentences[-1])) > _WORDS_ACROSS_SENTENCES:
            return None
        return context

    def after(self, position: int, ceiling: int) -> Context | None:
        """The phrase that applies to a number ending at `position`, from text[position:ceiling]."""
        index = bisect_left(self._starts, position)
        if index == len(self._contexts) or self._contexts[index].end > ceiling:
            return None
        context = self._contexts[index]
        gap = self._text[position : context.start]
        words = _plain_words(gap)
        if words is None or len(words) > _WORDS_AFTER or _CLAUSE_END.search(gap):
            return None
        return context

    def _promote_accounts(self, found: list[Context]) -> list[Context]:
        """Make "account number" a bank account phrase in sentences that speak of a bank."""
        sentence_ends = [match.start() for match in _SENTENCE_END.finditer(self._text)]
        banking = {
            bisect_left(sentence_ends, context.start)
            for context in found
            if context.kind in _BANKING_KINDS
        } | {
            bisect_left(sentence_ends, match.start())
            for match in _BANK_WORD.finditer(self._text)
            if not self._in_placeholder(match.start(), match.end())
        }
        return [
            replace(context, kind="bank")
            if context.kind == "account" and bisect_left(sentence_ends, context.start) in banking
            else context
            for context in found
        ]

    def _in_placeholder(self, start: int, end: int) -> bool:
        index = bisect_right(self._placeholder_starts, end - 1) - 1
        return index >= 0 and self._placeholder_ends[index] > start


def _plain_words(gap: str) -> list[str] | None:
    """The words of `gap`, or None when it holds a digit or a word that changes the subject."""
    if _DIGIT.search(gap):
        return None
    words = _WORD.findall(gap)
    if any(word in _BREAKERS for word in words):
        return None
    return words
