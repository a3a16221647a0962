"""A batch of provider events (SendGrid posts up to a thousand at once) applied as one.

The batch is one transaction: the provider hears 2xx only once all of it is durable, and a
failure rolls it all back for the provider to send again. Every event is claimed in one
statement (SendGrid repeats events, sometimes dozens of times; a repeat is skipped), then the
new ones are applied oldest first, never moving a message backwards. Locks are taken in one
order whatever the batch's order: its messages by id first, then the audit chains (one append
for the whole batch), so two batches about the same messages queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import StatusReport
from gateway.conversations.agent_events import AgentEvent
from gateway.db.tables import messages, provider_events
from gateway.db.upsert import dialect_insert
from gateway.messages.delivery_status import apply_claimed
from gateway.records import audit
from gateway.records.audit import AuditEntry
from gateway.records.consent import revoke_address


@dataclass(slots=True)
class BatchOutcome:
    """How many events did what, and what agents should hear once committed."""

    counts: dict[str, int] = field(default_factory=dict)
    events: list[AgentEvent] = field(default_factory=list)


async def _claim(conn: AsyncConnection, reports: Sequence[StatusReport]) -> set[str]:
    """Claim the events (each once in ``reports``) in one statement; the ids that were new."""
    if not reports:
        return set()
    claimed = await conn.execute(
        dialect_insert(conn, provider_events)
        .values(
            [
                {
                    "provider": r.provider,
                    "event_id": r.event_id,
                    "received_at": r.at,
                    "raw": dict(r.raw),
                }
                for r in reports
            ]
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(provider_events.c.event_id)
    )
    return set(claimed.scalars())


async def _lock_messages(conn: AsyncConnection, reports: Sequence[StatusReport]) -> None:
    ids = sorted({r.message_id for r in reports if r.message_id})
    if ids and conn.dialect.name == "postgresql":
        await conn.execute(
            select(messages.c.id)
            .where(messages.c.id.in_(ids))
            .order_by(messages.c.id)
            .with_for_update()
        )


async def apply_batch(
    conn: AsyncConnection, reports: Sequence[StatusReport], channel: str
) -> BatchOutcome:
    """Apply every report once, in the caller's transaction.

    An opt-out names an address: it is revoked on every account that has it on ``channel``,
    also when the message it came with is not Parley's (an unsubscribe from an old campaign).
    """
    outcome = BatchOutcome()
    # Each event once, claimed in id order: batches that repeat each other's events wait for
    # one another on the same row first, instead of each holding what the other needs.
    unique = sorted({r.event_id: r for r in reports}.values(), key=lambda r: r.event_id)
    new = await _claim(conn, unique)
    fresh = sorted((r for r in unique if r.event_id in new), key=lambda r: (r.at, r.event_id))
    outcome.counts["duplicate"] = len(reports) - len(fresh)
    await _lock_messages(conn, fresh)
    entries: list[AuditEntry] = []
    for report in fresh:
        applied = await apply_claimed(conn, report, entries)
        outcome.counts[applied.outcome] = outcome.counts.get(applied.outcome, 0) + 1
        if applied.event is not None:
            outcome.events.append(applied.event)
        if report.effect == "opted_out" and report.address:
            entries += await revoke_address(
                conn,
                channel=channel,
                address=report.address,
                source="provider",
                at=report.at,
                evidence=f"{report.provider_status}:{report.event_id}",
            )
    await audit.append(conn, entries)
    return outcome
