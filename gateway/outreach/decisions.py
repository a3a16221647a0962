"""One policy evaluation of a proposed contact, and how it is written to the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.errors import ValidationFailed
from gateway.outreach.rulesets import ruleset_for
from gateway.outreach.snapshots import AccountSnapshot, ContactPoint
from gateway.outreach.statuses import OutreachStatus
from policies import ContactFacts, Decision, MessageFacts, Outcome, evaluate, facts_to_dict
from policies.ruleset import Ruleset

STATUS_BY_OUTCOME = {
    Outcome.ALLOW: OutreachStatus.QUEUED,
    Outcome.DEFER: OutreachStatus.DEFERRED,
    Outcome.BLOCK: OutreachStatus.BLOCKED,
}
DECISION_EVENT = "policy.decision"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What was decided for a channel, on which facts, under which ruleset, at what instant."""

    channel: str
    contact: ContactPoint | None
    facts: ContactFacts
    ruleset: Ruleset
    decision: Decision
    at: datetime

    @property
    def status(self) -> OutreachStatus:
        """The outreach status this decision leads to."""
        return STATUS_BY_OUTCOME[self.decision.outcome]

    def audit_payload(self, stage: str, **context: Any) -> dict[str, Any]:
        """Everything `parley policy explain` needs to show and re-run this decision."""
        return {
            "stage": stage,
            # Full precision: explain re-runs the rules at exactly this instant.
            "evaluated_at": self.at.astimezone(UTC).isoformat(),
            "channel": self.channel,
            "address": self.contact.address if self.contact else None,
            "ruleset": self.ruleset.ref(),
            "facts": facts_to_dict(self.facts),
            "decision": self.decision.to_dict(),
            "status": self.status,
            **context,
        }


def decide(
    account: AccountSnapshot,
    channel: str,
    purpose: str,
    at: datetime,
    *,
    address: str | None = None,
    ruleset_override: str | None = None,
    message: MessageFacts | None = None,
) -> Evaluation:
    """Evaluate contacting an account on a channel (its first valid contact point by default),
    with the text that would go out when it is known."""
    contact = account.contact_for(channel, address)
    ruleset = ruleset_for(account.collector_type, ruleset_override)
    try:
        facts = account.facts(channel, purpose, contact, ruleset, message)
        decision = evaluate(facts, at, ruleset)
    except ValueError as exc:
        # Fail closed: facts that cannot be read never turn into an allow.
        raise ValidationFailed(
            f"cannot evaluate account {account.ref!r}: {exc}", code="unreadable_facts"
        ) from None
    return Evaluation(channel, contact, facts, ruleset, decision, at)
