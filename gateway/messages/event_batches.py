"""A batch of provider events (SendGrid posts up to a thousand at once) applied as one.

Each event is claimed once on its provider id (SendGrid repeats events, sometimes dozens of
times) and applied oldest first, never moving a message backwards. The batch is one
transaction: the provider hears 2xx only once all of it is durable, and a failure rolls it all
back for the provider to send again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import StatusReport
from gateway.conversations.agent_events import AgentEvent
from gateway.messages.delivery_status import apply_status
from gateway.records import audit
from gateway.records.consent import revoke_address


@dataclass(slots=True)
class BatchOutcome:
    """How many events did what, and what agents should hear once committed."""

    counts: dict[str, int] = field(default_factory=dict)
    events: list[AgentEvent] = field(default_factory=list)


async def apply_batch(
    conn: AsyncConnection, reports: Sequence[StatusReport], channel: str
) -> BatchOutcome:
    """Apply every report once, in the caller's transaction.

    An opt-out names an address: it is revoked on every account that has it on ``channel``,
    also when the message it came with is not Parley's (an unsubscribe from an old campaign).
    """
    outcome = BatchOutcome()
    for report in sorted(reports, key=lambda r: r.at):
        applied = await apply_status(conn, report)
        outcome.counts[applied.outcome] = outcome.counts.get(applied.outcome, 0) + 1
        if applied.event is not None:
            outcome.events.append(applied.event)
        if applied.outcome != "duplicate" and report.effect == "opted_out" and report.address:
            entries = await revoke_address(
                conn,
                channel=channel,
                address=report.address,
                source="provider",
                at=report.at,
                evidence=f"{report.provider_status}:{report.event_id}",
            )
            await audit.append(conn, entries)
    return outcome
