"""Sentences and named entities of a transcript, with spaCy (the pinned English pipeline).

Only the parts of the pipeline that these need are loaded: the statistical sentence splitter
(``senter``) and the entity recogniser (``ner``) each have their own token-to-vector layer, so
the shared ``tok2vec``, the tagger, the parser, the attribute ruler and the lemmatizer are left
out (about half the time per text, and the same entities; on voicemail the senter also splits
sentences more sensibly than the parser does). A pipeline with neither a parser nor a senter
gets spaCy's rule-based sentencizer, which splits after ``.``, ``!`` and ``?``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import spacy

from transcription.errors import ModelError
from transcription.models import default_spacy_model

LABELS = frozenset({"MONEY", "DATE", "CARDINAL", "PERSON", "TIME"})
FINAL = ".!?"
UNUSED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

log = logging.getLogger("parley.transcription")


@dataclass(frozen=True)
class Sentence:
    """A sentence: its text and its character offsets in the text read (end excluded)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """A named entity of one of ``LABELS``, with its character offsets (end excluded)."""

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Reading:
    """What spaCy read in a text: its sentences and entities, both in text order."""

    text: str
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...]

    def in_span(self, start: int, end: int, label: str | None = None) -> tuple[Entity, ...]:
        """The entities wholly within characters ``start``..``end``, of ``label`` if given."""
        return tuple(
            e
            for e in self.entities
            if start <= e.start and e.end <= end and (label is None or e.label == label)
        )

    def in_sentence(self, sentence: Sentence, label: str | None = None) -> tuple[Entity, ...]:
        """The entities of one sentence (of ``label`` if given), e.g. its MONEY and DATE."""
        return self.in_span(sentence.start, sentence.end, label)


class EntityReader:
    """One loaded spaCy pipeline. ``read`` takes about 2 ms for a voicemail's text; an instance
    is not to be shared between threads."""

    def __init__(self, model: Path | None = None) -> None:
        path = model or default_spacy_model()
        if not (path / "config.cfg").is_file():
            raise ModelError(f"{path} is not a spaCy pipeline: no config.cfg")
        started = time.perf_counter()
        nlp = spacy.load(path, exclude=list(UNUSED))
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
        if not nlp.has_pipe("senter") and not nlp.has_pipe("parser"):
            nlp.add_pipe("sentencizer")
        if not nlp.has_pipe("ner"):
            raise ModelError(f"the spaCy pipeline {path} has no entity recogniser (ner)")
        self.nlp = nlp
        log.info("spaCy pipeline loaded in %.0f ms", (time.perf_counter() - started) * 1000)

    def read(self, text: str) -> Reading:
        """The sentences of ``text`` and its MONEY, DATE, CARDINAL, PERSON and TIME entities."""
        body = text.rstrip()
        # Whisper often leaves the last sentence open, and the small model then misses a date
        # that ends it ("I can pay $200 on the 15th"): it reads a full stop added at the end.
        closed = body if not body or body[-1] in FINAL else body + "."
        doc = self.nlp(closed)
        sentences = []
        for sentence in doc.sents:
            start, end = sentence.start_char, min(sentence.end_char, len(body))
            if body[start:end].strip():
                sentences.append(Sentence(body[start:end], start, end))
        return Reading(
            text=text,
            sentences=tuple(sentences),
            entities=tuple(
                Entity(e.label_, e.text, e.start_char, e.end_char)
                for e in doc.ents
                if e.label_ in LABELS and e.end_char <= len(body)
            ),
        )
