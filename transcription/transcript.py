"""A redacted transcript and its segments: plain data, what the gateway stores and reads."""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = " "


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """A stretch of speech: its times in seconds, its redacted text, how sure the model was."""

    start: float
    end: float
    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """A redacted transcript; ``text`` is the segments joined by single spaces."""

    segments: tuple[TranscriptSegment, ...]
    duration_seconds: float

    @property
    def text(self) -> str:
        """The whole transcript."""
        return SEPARATOR.join(segment.text for segment in self.segments)

    @property
    def confidence(self) -> float:
        """The segments' confidence weighted by their length; 0 when nothing was said."""
        weights = [max(s.end - s.start, 0.01) for s in self.segments]
        if not weights:
            return 0.0
        total = sum(w * s.confidence for w, s in zip(weights, self.segments, strict=True))
        return round(total / sum(weights), 4)

    def spans(self) -> list[tuple[int, int]]:
        """Where each segment's text sits in ``text`` (start, end character offsets)."""
        spans, at = [], 0
        for segment in self.segments:
            spans.append((at, at + len(segment.text)))
            at += len(segment.text) + len(SEPARATOR)
        return spans
