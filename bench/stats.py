"""Summaries of latency samples, 0 for none (a run that lost every sample still reports)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank: the sample at index ``int(q * n)``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def median(values: Sequence[float]) -> float:
    """The median."""
    return statistics.median(values) if values else 0.0
