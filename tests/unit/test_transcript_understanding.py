"""Turning a read transcript into findings (``gateway.recordings.understanding``): which intent
becomes which update, with which raw values and how sure, given what Rasa and spaCy said."""

from __future__ import annotations

import math

import pytest

from gateway.recordings.understanding import INTENT_FLOOR, Finding, Parse, understand
from transcription.entities import Entity, Reading, Sentence
from transcription.transcript import Transcript, TranscriptSegment


def reading_of(*sentences: str, entities: tuple[tuple[str, str], ...] = ()) -> Reading:
    """A Reading of ``sentences`` joined by spaces, with entities found by their text."""
    text = " ".join(sentences)
    spans, at = [], 0
    for sentence in sentences:
        spans.append(Sentence(sentence, at, at + len(sentence)))
        at += len(sentence) + 1
    found = tuple(
        Entity(label, said, text.index(said), text.index(said) + len(said))
        for label, said in entities
    )
    return Reading(text, tuple(spans), found)


def transcript_of(reading: Reading, confidence: float = 0.81) -> Transcript:
    return Transcript((TranscriptSegment(0.0, 5.0, reading.text, confidence),), 5.0)


def rasa(answers: dict[str, tuple[str | None, float]]) -> Parse:
    """A stand-in for Rasa's /model/parse over a fixed table (the real one runs end to end)."""

    async def parse(text: str) -> tuple[str | None, float]:
        return answers.get(text, (None, 0.0))

    return parse


async def findings(
    answers: dict[str, tuple[str | None, float]],
    *sentences: str,
    entities: tuple[tuple[str, str], ...] = (),
) -> list[Finding]:
    reading = reading_of(*sentences, entities=entities)
    return await understand(transcript_of(reading), reading, rasa(answers))


@pytest.mark.parametrize(
    ("intent", "kind", "sentence", "raw"),
    [
        ("promise_to_pay", "promise_to_pay", "I can pay $200 on the 15th.",
         {"amount": "$200", "date": "the 15th"}),
        ("request_payment_plan", "payment_plan_request", "Can I do $50 a month from May?",
         {"amount": "$50", "start_date": None}),
        ("dispute_debt", "dispute", "This is not my debt.", {"reason": "This is not my debt."}),
        ("request_validation", "dispute", "Send me proof I owe it.",
         {"reason": "Send me proof I owe it."}),
        ("report_hardship", "hardship", "I lost my job last month.",
         {"hardship_type": "job_loss", "detail": "I lost my job last month."}),
        ("report_hardship", "hardship", "Things are hard right now.",
         {"hardship_type": None, "detail": "Things are hard right now."}),
        ("already_paid", "already_paid", "I already paid this.", {"amount": None, "date": None}),
        ("callback_request", "callback_request", "Call me back tomorrow morning please.",
         {"when": None, "window": "morning"}),
        ("request_agent", "callback_request", "I want to talk to a person.",
         {"when": None, "window": None}),
        ("opt_out", "opt_out", "Stop calling me.", {"channel": "voice"}),
        ("opt_out", "opt_out", "Stop texting me.", {"channel": "sms"}),
        ("opt_out", "opt_out", "No more emails please.", {"channel": "email"}),
        ("wrong_person", "wrong_party", "You have the wrong number.", {}),
    ],
)  # fmt: skip
async def test_intents_become_updates_with_their_spoken_values(
    intent: str, kind: str, sentence: str, raw: dict[str, str | None]
) -> None:
    entities = tuple(
        (label, said)
        for label, said in (("MONEY", "$200"), ("DATE", "the 15th"), ("MONEY", "$50"))
        if said in sentence
    )
    (found,) = await findings({sentence: (intent, 0.9)}, sentence, entities=entities)
    assert (found.kind, found.raw, found.excerpt) == (kind, raw, sentence)
    assert found.review_reason is None


async def test_confidence_is_the_geometric_mean_of_rasa_and_speech() -> None:
    (found,) = await findings({"Stop calling me.": ("opt_out", 0.9)}, "Stop calling me.")
    assert found.confidence == round(math.sqrt(0.9 * 0.81), 4)


@pytest.mark.parametrize(
    "answer",
    [(None, 0.0), ("greet", 0.99), ("out_of_scope", 0.9), ("opt_out", INTENT_FLOOR - 0.01)],
)
async def test_no_finding_without_a_known_intent_rasa_is_sure_of(
    answer: tuple[str | None, float],
) -> None:
    assert await findings({"Hello there.": answer}, "Hello there.") == []


async def test_one_word_sentences_are_not_sent_to_rasa() -> None:
    sent: list[str] = []

    async def parse(text: str) -> tuple[str | None, float]:
        sent.append(text)
        return None, 0.0

    reading = reading_of("Hi.", "Bye now.")
    await understand(transcript_of(reading), reading, parse)
    assert sent == ["Bye now."]


async def test_a_lawyer_is_always_reviewed_and_talking_to_them_is_no_callback() -> None:
    said = "Talk to my lawyer about it."
    (found,) = await findings({said: ("request_agent", 0.95)}, said)
    assert (found.kind, found.review_reason) == ("attorney_represented", "attorney_mentioned")
    assert found.raw == {"detail": said}


async def test_the_surest_sentence_wins_per_kind() -> None:
    first, second = "I can pay soon.", "I will pay $200 on the 15th."
    answers = {first: ("promise_to_pay", 0.7), second: ("promise_to_pay", 0.95)}
    entities = (("MONEY", "$200"), ("DATE", "the 15th"))
    (found,) = await findings(answers, first, second, entities=entities)
    assert found.excerpt == second


async def test_amounts_and_dates_come_from_elsewhere_when_the_sentence_has_none() -> None:
    first, second = "It's $120 on Friday.", "That is my promise to pay."
    answers = {second: ("promise_to_pay", 0.9)}
    entities = (("MONEY", "$120"), ("DATE", "Friday"))
    (found,) = await findings(answers, first, second, entities=entities)
    assert found.raw == {"amount": "$120", "date": "Friday"}
