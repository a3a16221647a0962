"""What a finished call was (conversation, voicemail, no answer...), for the call-count rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import CallReport, CallStatus
from gateway.db.tables import accounts, calls, contact_events, conversations, messages
from gateway.ivr.calls import account_of_message, claim_call
from gateway.messages.delivery_status import claim_event
from gateway.messages.statuses import OutboundStatus
from gateway.messages.transitions import move
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact

UNANSWERED = {
    CallStatus.NO_ANSWER: "no_answer",
    CallStatus.BUSY: "busy",
    CallStatus.FAILED: "failed",
}


def call_outcome(
    status: CallStatus, machine: bool | None, *, outbound: bool, verified: bool
) -> str:
    """The contact outcome of a finished call.

    An answering machine is a voicemail. A person answering our call counts as a telephone
    conversation even before they verify (fewer calls, never more: 1006.14(b)(2)(i)(B)); a
    caller who rang us counts once they proved who they are.
    """
    if status is not CallStatus.COMPLETED:
        return UNANSWERED.get(status, "failed")
    if machine:
        return "voicemail"
    if outbound or verified:
        return "conversation"
    return "delivered"


async def apply_call_status(conn: AsyncConnection, report: CallReport) -> str:
    """Record a call status once; a final one writes the call's contact outcome."""
    if not await claim_event(conn, report.provider, report.event_id, report.at, dict(report.raw)):
        return "duplicate"
    account_id = await account_of_message(conn, report.message_id)
    # A call that never reached the IVR (no answer, busy) gets its row now.
    call = await claim_call(conn, report, account_id, status=report.status)
    values: dict[str, Any] = {"status": report.status, "updated_at": report.at}
    if report.answered_by:
        values["answered_by"] = report.answered_by
    if not report.final:
        await conn.execute(update(calls).where(calls.c.id == call.id).values(**values))
        return "recorded"
    answered_by = report.answered_by or call.answered_by
    machine = answered_by == "machine"
    verified = False
    if call.conversation_id is not None:
        verified_at = await conn.scalar(
            select(conversations.c.verified_at).where(conversations.c.id == call.conversation_id)
        )
        verified = verified_at is not None and verified_at >= call.created_at
    outbound = call.direction == "outbound"
    outcome = call_outcome(report.status, machine, outbound=outbound, verified=verified)
    values["outcome"] = outcome
    await conn.execute(update(calls).where(calls.c.id == call.id).values(**values))
    if call.account_id is None:
        return outcome
    if call.message_id is not None:
        await _outreach_outcome(conn, call, report, outcome)
    else:
        await record_contact(
            conn,
            account_id=call.account_id,
            channel="voice",
            direction=call.direction,
            at=call.created_at,
            outcome=outcome,
            address=call.address,
            message_id=None,
        )
    ref = await conn.scalar(select(accounts.c.account_ref).where(accounts.c.id == call.account_id))
    await audit.append(
        conn,
        [
            AuditEntry(
                account_chain(str(ref)),
                "call.ended",
                report.at,
                {
                    "call_id": call.id,
                    "status": report.status,
                    "outcome": outcome,
                    "answered_by": answered_by,
                    "duration": report.duration,
                },
                call.id,
            )
        ],
    )
    return outcome


async def _outreach_outcome(
    conn: AsyncConnection, call: Any, report: CallReport, outcome: str
) -> None:
    """A voice outreach: the attempt recorded at send time gets its outcome."""
    await conn.execute(
        update(contact_events)
        .where(contact_events.c.message_id == call.message_id)
        .values(outcome=outcome)
    )
    reached = outcome in {"conversation", "voicemail"}
    message = (
        await conn.execute(
            select(messages.c.id, messages.c.outreach_id).where(messages.c.id == call.message_id)
        )
    ).one()
    await move(
        conn,
        message,
        OutboundStatus.DELIVERED if reached else OutboundStatus.FAILED,
        report.at,
        detail={"call_status": report.status, "outcome": outcome},
        error_code=None if reached else outcome,
    )
