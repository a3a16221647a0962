"""What an inbound text asks for: opt out, opt back in, help, or nothing of the kind.

Pure and channel-agnostic: SMS, email and chat channels call `classify_keyword` on every
inbound message and record an opt-out in the consent ledger for the channel and address the
message came from.

How it decides (opt-out wins over everything, then opt-in, then help):

* OPT_OUT when the whole message, any sentence of it, or its last word is a STOP-family
  keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT), ignoring case,
  punctuation and politeness ("Stop.", " STOP ", "stop!", "Stop please", "I can't pay, stop",
  "I told you to stop"); or when it contains a free-text revocation ("please stop texting me",
  "don't contact me", "do not text me again", "remove me from your list", "unsubscribe me",
  "leave me alone", "wrong number").
* OPT_IN when the whole message is START, YES or UNSTOP (with politeness words).
* HELP when the whole message is HELP or INFO.

Judgement calls, on purpose:

* A revocation may be expressed "by any reasonable means" (FCC 24-24, 2024), so doubtful
  messages lean towards opting out: the cost of a false opt-out is one lost channel (the
  consumer can text START), the cost of a missed one is a TCPA violation. "I can't pay, stop"
  and "when will this stop" are opt-outs; so is "don't text me, call me" on the channel it
  came from.
* Ordinary sentences that merely contain a keyword are not: "can I stop the late fees?",
  "I will pay when the calls stop being so early" (a complaint about timing, read as a whole
  it asks for nothing to stop; the bot or an agent answers it), "cancel my payment plan",
  "the end of the month", "yes I got it", "I need help paying".
"""

from __future__ import annotations

import enum
import re


class Keyword(enum.StrEnum):
    """The intent of an inbound message, as far as consent is concerned."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
    # Spanish equivalents carriers commonly honour, whole-message only in practice.
    | {"alto", "parar", "cancelar", "baja"}
)
OPT_IN_WORDS = frozenset({"start", "yes", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
# Words that do not change what a keyword message means.
_FILLER = frozenset(
    {
        "please",
        "pls",
        "plz",
        "now",
        "thanks",
        "thank",
        "you",
        "thx",
        "ty",
        "ok",
        "okay",
        "just",
        "it",
        "already",
        "asap",
        "immediately",
        "right",
        "away",
        "all",
        "me",
        "more",
    }
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_SENTENCES = re.compile(r"[.!?;,:\n\r]+")
_WORDS = re.compile(r"[a-z0-9']+")
# Multi-word spellings of single keywords, folded before splitting into words.
_FOLDS = (
    (re.compile(r"\bopt[\s\-_]*out\b"), " optout "),
    (re.compile(r"\bstop[\s\-_]*all\b"), " stopall "),
    (re.compile(r"\bun[\s\-]+stop\b"), " unstop "),
    (re.compile(r"\bun[\s\-]+subscribe\b"), " unsubscribe "),
)

_CONTACT = (
    r"(?:text(?:ing|s)?|txt(?:ing|s)?|sms|messag(?:e|es|ing)|msg(?:s)?|call(?:ing|s)?|"
    r"phon(?:e|ing)|ring(?:ing)?|contact(?:ing)?|e-?mail(?:ing|s)?|writ(?:e|ing)|"
    r"send(?:ing)?|harass(?:ing)?|bother(?:ing)?|reach(?:ing)? out)"
)
_AFTER = r"(?:\s+(?:me|us|my|this|again|anymore|any\s+more|here|back|ever)\b|\s*(?:[.!?,;]|$))"
# "wrong number": whoever has this address is not the consumer. It revokes consent (nobody
# here agreed to messages) and also tells the collector the contact point is wrong.
_WRONG_PARTY = r"\bwrong\s+(?:number|person)\b"
_REVOCATIONS = re.compile(
    "|".join(
        (
            # "stop texting me", "quit calling", "cease contacting", "end all contact"
            rf"\b(?:stop|quit|cease|end)\s+(?:all\s+)?{_CONTACT}\b",
            # "don't contact me", "do not text me again", "dont call.", "no more calls"
            rf"\b(?:don'?t|do\s+not|dnt|no\s+more)\s+(?:ever\s+)?{_CONTACT}{_AFTER}",
            # "never contact me again", but not "you never call me back"
            rf"\bnever\s+(?:ever\s+)?{_CONTACT}\s+(?:me|us)\s*(?:again|anymore|ever|[.!?]|$)",
            r"\bno\s+more\s+(?:texts|messages|calls|emails|contact)\b",
            r"\bdo\s+not\s+(?:call|contact|text)\s+list\b",
            r"\b(?:remove|take|delete)\s+(?:me|my\s+(?:number|email|info))\s+(?:off|from)\b",
            r"\bunsubscribe\b",
            r"\boptout\b",
            r"\bopt\s+(?:me|us|my\s+number)\s+out\b",
            r"\brevoke\b",
            r"\bleave\s+me\s+alone\b",
            _WRONG_PARTY,
            r"\b(?:told|asked)\s+(?:you|u|y'?all)\s+(?:to\s+)?stop\b",
        )
    )
)
# "stop" as the last word is an opt-out, except in these compounds.
_STOP_COMPOUNDS = frozenset({"bus", "truck", "pit", "rest", "full", "one", "last", "next"})


def _normalise(text: str) -> str:
    folded = text.translate(_APOSTROPHES).casefold()
    for pattern, replacement in _FOLDS:
        folded = pattern.sub(replacement, folded)
    return folded


def _meaningful(words: list[str]) -> list[str]:
    return [w for w in words if w not in _FILLER]


def _only(words: list[str], vocabulary: frozenset[str]) -> bool:
    meaningful = _meaningful(words)
    return bool(meaningful) and all(w in vocabulary for w in meaningful)


def says_wrong_party(text: str) -> bool:
    """True when the sender says the message reached the wrong person ("wrong number").

    Such a message is also an opt-out (`classify_keyword`); this tells the two apart so the
    gateway can record the wrong party as well.
    """
    return re.search(_WRONG_PARTY, _normalise(text)) is not None


def classify_keyword(text: str) -> Keyword:
    """Classify an inbound message; see the module docstring for the rules."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    folded = _normalise(text)
    words = _WORDS.findall(folded)
    if not words:
        return Keyword.NONE
    if _only(words, OPT_OUT_WORDS):
        return Keyword.OPT_OUT
    for sentence in _SENTENCES.split(folded):
        if _only(_WORDS.findall(sentence), OPT_OUT_WORDS):
            return Keyword.OPT_OUT
    meaningful = _meaningful(words)
    if meaningful[-1:] == ["stop"] and not _STOP_COMPOUNDS.intersection(meaningful[-2:-1]):
        return Keyword.OPT_OUT
    if _REVOCATIONS.search(folded):
        return Keyword.OPT_OUT
    if _only(words, OPT_IN_WORDS):
        return Keyword.OPT_IN
    if _only(words, HELP_WORDS):
        return Keyword.HELP
    return Keyword.NONE
