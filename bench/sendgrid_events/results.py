"""What one database's run measured, and what the gateway was sent and answered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.open_loop import Step
from bench.sendgrid_events.batches import Batch
from bench.sendgrid_events.load import Posted


@dataclass(frozen=True)
class Measured:
    """One rate on one server, and the CPU seconds used meanwhile ("server", "postgres",
    "client", "other")."""

    step: Step
    cpu: dict[str, float]


@dataclass
class DatabaseRun:
    """Every step on one database; what the gateway got (warm-up included) and the checks."""

    kind: str
    accounts: int = 0
    emails: int = 0
    steps: list[Measured] = field(default_factory=list)
    sent: list[Batch] = field(default_factory=list)  # posted to the gateway
    answered: list[Batch] = field(default_factory=list)  # answered 200 by it
    outcomes: Counter[str] = field(default_factory=Counter)  # its answers, summed
    errors: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    facts: dict[str, int] = field(default_factory=dict)  # what the checks counted

    def add_gateway(self, posted: Posted, batches: Sequence[Batch]) -> None:
        """Count a step (or the warm-up) of the gateway's."""
        self.sent += batches
        self.answered += posted.answered
        self.outcomes.update(posted.outcomes)
        self.errors += posted.step.errors

    @property
    def consistent(self) -> bool:
        """Every check passed."""
        return bool(self.checks) and all(self.checks.values())
