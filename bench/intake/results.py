"""What a run measured: one result per phase and target, and one run per database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.intake.consistency import Consistency


@dataclass(slots=True)
class PhaseResult:
    """One phase (single, batch, evaluate) against one target (baseline or gateway)."""

    target: str
    phase: str
    requests: int
    items: int
    seconds: float
    latencies: list[float]
    errors: int
    outcomes: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    @property
    def ips(self) -> float:
        """Items per second (a batch request carries many)."""
        return self.items / self.seconds

    def percentile(self, q: float) -> float:
        """The q-quantile (0..1) of the latencies by nearest rank, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


@dataclass(slots=True)
class DatabaseRun:
    """Every phase on one database, the consistency checks after it, and py-spy summaries."""

    db: str
    results: list[PhaseResult]
    consistency: Consistency
    profiles: dict[str, str]
