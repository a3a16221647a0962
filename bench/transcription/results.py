"""What a run measured: real-time factors, transcripts against scripts, the variants."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.transcription.wer import wer


@dataclass
class Variant:
    """One decoding setting on the card voicemails (and the utterances, outside --quick)."""

    name: str
    chars: list[int] = field(default_factory=list)  # per card voicemail
    chars_per_second: list[float] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    rtf: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # utterance script, transcript


@dataclass
class Results:
    """Everything the report shows."""

    threads: int
    load_seconds: float = 0.0
    seconds: list[float] = field(default_factory=list)  # each voicemail's length
    job: list[float] = field(default_factory=list)  # real-time factors, per voicemail
    direct: list[float] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # utterance script, transcript
    utterance_rtf: list[float] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    rss_loaded_kb: int = 0  # once the model is loaded
    peak_rss_kb: int = 0
    failures: list[str] = field(default_factory=list)
    over_cap: list[str] = field(default_factory=list)  # default decoding beyond its own cap

    def wer(self, normalise: bool) -> float:
        """The job's word error rate on the utterances."""
        return wer(self.pairs, normalise)

    @property
    def problems(self) -> list[str]:
        """Why the run failed, if it did."""
        found = [f"failed: {failure}" for failure in self.failures]
        found += [f"over the character cap: {name}" for name in self.over_cap]
        return found
