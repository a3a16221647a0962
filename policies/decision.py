"""The result of a policy evaluation: an outcome, when to retry, and every reason behind it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class Outcome(enum.StrEnum):
    """What the gateway may do with a proposed contact."""

    ALLOW = "allow"
    DEFER = "defer"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that applied: a stable code, a human message and the legal or contractual source."""

    rule: str
    message: str
    citation: str

    def to_dict(self) -> dict[str, str]:
        """Return the JSON shape used by the HTTP API and the audit log."""
        return {"rule": self.rule, "message": self.message, "citation": self.citation}


@dataclass(frozen=True, slots=True)
class Decision:
    """An evaluated contact. `not_before` is a UTC instant, present exactly when deferring.

    `warnings`: rules the ruleset sets to warn rather than block (an address without a
    safe harbor, say); they never change the outcome but are recorded with it.
    """

    outcome: Outcome
    not_before: datetime | None
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        if (self.outcome is Outcome.DEFER) != (self.not_before is not None):
            raise ValueError("not_before is required for defer and forbidden otherwise")
        if self.not_before is not None and self.not_before.utcoffset() != timedelta(0):
            raise ValueError("not_before must be a timezone-aware UTC datetime")

    @property
    def allowed(self) -> bool:
        """True when the contact may be made now."""
        return self.outcome is Outcome.ALLOW

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used by the HTTP API and the audit log."""
        return {
            "outcome": self.outcome.value,
            "not_before": None if self.not_before is None else _utc_iso(self.not_before),
            "reasons": [reason.to_dict() for reason in self.reasons],
            "warnings": [reason.to_dict() for reason in self.warnings],
        }


def _utc_iso(instant: datetime) -> str:
    # Round sub-seconds up, not down: a truncated not_before could name an instant
    # that is still inside quiet hours.
    if instant.microsecond:
        instant = instant.replace(microsecond=0) + timedelta(seconds=1)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """What one time-dependent rule says about an instant.

    No reasons: allowed. Reasons with `not_before`: defer until then (a UTC instant at which
    the same rule, on the same facts, allows the contact). Reasons without `not_before`: block.
    """

    reasons: list[Reason]
    not_before: datetime | None

    @property
    def passed(self) -> bool:
        """True when the rule has nothing against the contact."""
        return not self.reasons
