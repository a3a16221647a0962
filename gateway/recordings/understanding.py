"""What a redacted transcript says, sentence by sentence: Rasa's NLU names the intent, spaCy's
entities give the amounts and dates, and the speech model's own confidence tempers both.

Each finding carries a confidence: the geometric mean of Rasa's intent confidence and the speech
model's for the words it was read from (the exponential of the mean token log-probability, which
tiny.en keeps around 0.5 on telephone audio even when every word is right, so either alone would
mislead), and, for kinds a person must always check, the reason. One finding per kind per
recording: the surest sentence wins, so a debtor who says "I can pay" twice records once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from transcription.transcript import Transcript

if TYPE_CHECKING:
    from transcription.entities import Reading

# Rasa's intents (nlu_data/) as the account updates they become.
INTENT_KINDS = {
    "promise_to_pay": "promise_to_pay",
    "request_payment_plan": "payment_plan_request",
    "dispute_debt": "dispute",
    "request_validation": "dispute",
    "report_hardship": "hardship",
    "already_paid": "already_paid",
    "callback_request": "callback_request",
    "request_agent": "callback_request",
    "opt_out": "opt_out",
    "wrong_person": "wrong_party",
}
# Representation by an attorney stops all contact with the consumer (12 CFR 1006.6(b)(2)):
# heard in a recording it is never acted on without a person confirming it.
ATTORNEY = re.compile(
    r"\b(lawyer|attorney|legal (aid|counsel|representation)|represented by)\b", re.IGNORECASE
)
ALWAYS_REVIEWED = {"attorney_represented": "attorney_mentioned"}
HARDSHIP_WORDS = (
    (
        re.compile(r"\b(laid off|lost my job|unemployed|fired|no work|out of work)\b", re.I),
        "job_loss",
    ),
    (re.compile(r"\b(hospital|medical|surgery|sick|illness|cancer)\b", re.I), "medical"),
    (re.compile(r"\b(divorce|separated)\b", re.I), "divorce"),
    (re.compile(r"\b(passed away|died|funeral)\b", re.I), "death_in_family"),
    (re.compile(r"\b(disabled|disability)\b", re.I), "disability"),
)
WINDOWS = re.compile(r"\b(morning|afternoon|evening)\b", re.IGNORECASE)
CHANNEL_WORDS = (
    (re.compile(r"\b(text|texts|texting|sms)\b", re.I), "sms"),
    (re.compile(r"\b(e-?mails?|e-?mailing)\b", re.I), "email"),
)
MIN_WORDS = 2
# Below this Rasa is guessing (a sentence of no intent it knows, "my card number is ..."): no
# finding at all, rather than a review entry for every stray sentence.
INTENT_FLOOR = 0.5

Parse = Callable[[str], Awaitable[tuple[str | None, float]]]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the transcript says: an update kind, its raw values as spoken, how sure."""

    kind: str
    raw: dict[str, str | None]
    confidence: float
    excerpt: str
    # Why a person must check it whatever the confidence (None: the threshold decides).
    review_reason: str | None = None
    intent: str | None = field(default=None, compare=False)


async def understand(transcript: Transcript, reading: Reading, parse: Parse) -> list[Finding]:
    """The findings of a transcript, surest first per kind; ``parse`` is Rasa's
    ``/model/parse`` (it raises when Rasa is away, and the job is retried)."""
    speech = _speech_confidence(transcript)
    best: dict[str, Finding] = {}
    for sentence in reading.sentences:
        text = sentence.text.strip()
        if len(text.split()) < MIN_WORDS:
            continue
        heard = speech(sentence.start, sentence.end)
        found = []
        if ATTORNEY.search(text):
            found.append(
                Finding(
                    "attorney_represented",
                    {"detail": text},
                    round(heard, 4),
                    text,
                    ALWAYS_REVIEWED["attorney_represented"],
                )
            )
        intent, confidence = await parse(text)
        kind = INTENT_KINDS.get(intent or "") if confidence >= INTENT_FLOOR else None
        if kind == "callback_request" and found:
            kind = None  # "talk to my lawyer" asks for the attorney, not for a call back
        if kind is not None:
            raw = _values(kind, text, reading, sentence.start, sentence.end)
            sure = math.sqrt(confidence * heard)
            found.append(Finding(kind, raw, round(sure, 4), text, intent=intent))
        for finding in found:
            if finding.kind not in best or finding.confidence > best[finding.kind].confidence:
                best[finding.kind] = finding
    return sorted(best.values(), key=lambda f: -f.confidence)


def _speech_confidence(transcript: Transcript) -> Callable[[int, int], float]:
    """The mean confidence of the segments a character range of the transcript overlaps."""
    spans = transcript.spans()

    def of(start: int, end: int) -> float:
        scores = [
            segment.confidence
            for segment, (a, b) in zip(transcript.segments, spans, strict=True)
            if a < end and start < b
        ]
        return sum(scores) / len(scores) if scores else 0.0

    return of


def _values(kind: str, text: str, reading: Reading, start: int, end: int) -> dict[str, str | None]:
    """The raw values of an update, as spoken: amounts and dates from the sentence's entities
    (else the whole transcript's), the rest from the sentence's words."""
    money = _entity(reading, "MONEY", start, end)
    when = _entity(reading, "DATE", start, end)
    if kind in {"promise_to_pay", "already_paid"}:
        return {"amount": money, "date": when}
    if kind == "payment_plan_request":
        return {"amount": money, "start_date": when}
    if kind == "dispute":
        return {"reason": text}
    if kind == "hardship":
        hardship = next((name for pattern, name in HARDSHIP_WORDS if pattern.search(text)), None)
        return {"hardship_type": hardship, "detail": text}
    if kind == "callback_request":
        window = WINDOWS.search(text)
        return {"when": when, "window": window.group(1).lower() if window else None}
    if kind == "opt_out":
        channel = next((name for pattern, name in CHANNEL_WORDS if pattern.search(text)), "voice")
        return {"channel": channel}
    return {}


def _entity(reading: Reading, label: str, start: int, end: int) -> str | None:
    """The first entity of ``label`` inside the sentence, else anywhere in the transcript."""
    found = reading.in_span(start, end, label) or reading.in_span(0, len(reading.text), label)
    return found[0].text if found else None
