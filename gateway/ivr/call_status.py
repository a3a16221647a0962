"""What a finished call was (conversation, voicemail, no answer...), for the call-count rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import (
    accounts,
    calls,
    contact_events,
    conversations,
    messages,
    outreach,
    recordings,
    timeline,
)
from gateway.db.upsert import dialect_insert
from gateway.ids import new_id
from gateway.ivr.calls import PROVIDER, account_of_message, claim_call
from gateway.messages.delivery_status import claim_event
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact

FINAL = frozenset({"completed", "no-answer", "busy", "failed", "canceled"})
OUTCOME = {"no-answer": "no_answer", "busy": "busy", "failed": "failed", "canceled": "failed"}


@dataclass(frozen=True, slots=True)
class CallReport:
    """One call status callback."""

    call_sid: str
    status: str
    at: datetime
    direction: str
    caller: str
    called: str
    answered_by: str | None = None
    duration: int | None = None
    message_id: str | None = None


def call_outcome(status: str, answered_by: str | None, *, outbound: bool, verified: bool) -> str:
    """The contact outcome of a finished call.

    An answering machine is a voicemail. A person answering our call counts as a telephone
    conversation even before they verify (fewer calls, never more: 1006.14(b)(2)(i)(B)); a
    caller who rang us counts once they proved who they are.
    """
    if status != "completed":
        return OUTCOME.get(status, "failed")
    if answered_by and (answered_by.startswith("machine") or answered_by == "fax"):
        return "voicemail"
    if outbound or verified:
        return "conversation"
    return "delivered"


async def apply_call_status(conn: AsyncConnection, report: CallReport) -> str:
    """Record a call status once; a final one writes the call's contact outcome."""
    if not await claim_event(conn, PROVIDER, f"{report.call_sid}:{report.status}", report.at):
        return "duplicate"
    call = await _call(conn, report)
    values: dict[str, Any] = {"status": report.status, "updated_at": report.at}
    if report.answered_by:
        values["answered_by"] = report.answered_by
    if report.status not in FINAL:
        await conn.execute(update(calls).where(calls.c.id == call.id).values(**values))
        return "recorded"
    answered_by = report.answered_by or call.answered_by
    verified = False
    if call.conversation_id is not None:
        verified_at = await conn.scalar(
            select(conversations.c.verified_at).where(conversations.c.id == call.conversation_id)
        )
        verified = verified_at is not None and verified_at >= call.created_at
    outbound = call.direction == "outbound"
    outcome = call_outcome(report.status, answered_by, outbound=outbound, verified=verified)
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


async def _call(conn: AsyncConnection, report: CallReport) -> Any:
    """The call row; a call that never reached the IVR (no answer, busy) gets one now."""
    outbound = report.direction.startswith("outbound")
    return await claim_call(
        conn,
        call_sid=report.call_sid,
        direction=report.direction,
        address=report.called if outbound else report.caller,
        account_id=await account_of_message(conn, report.message_id),
        message_id=report.message_id,
        status=report.status,
        at=report.at,
    )


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
    status = "delivered" if reached else "failed"
    await conn.execute(
        update(messages)
        .where(messages.c.id == call.message_id)
        .values(status=status, error_code=None if reached else outcome, updated_at=report.at)
    )
    outreach_id = await conn.scalar(
        select(messages.c.outreach_id).where(messages.c.id == call.message_id)
    )
    await conn.execute(
        timeline.insert().values(
            outreach_id=outreach_id,
            message_id=call.message_id,
            status=status,
            at=report.at,
            detail={"call_status": report.status, "outcome": outcome},
        )
    )
    if outreach_id is not None:
        await conn.execute(
            update(outreach)
            .where(outreach.c.id == outreach_id)
            .values(status=status, updated_at=report.at)
        )


async def store_recording(
    conn: AsyncConnection,
    *,
    call_id: str,
    recording_sid: str,
    url: str,
    duration: int | None,
    status: str,
    at: datetime,
) -> bool:
    """Keep a recording's reference (once per RecordingSid) for the transcription worker."""
    call = (await conn.execute(select(calls.c.account_id).where(calls.c.id == call_id))).first()
    result = await conn.execute(
        dialect_insert(conn, recordings)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=new_id("rec"),
            provider=PROVIDER,
            provider_id=recording_sid,
            call_id=call_id if call is not None else None,
            account_id=call.account_id if call is not None else None,
            url=url,
            duration_seconds=duration,
            status=status,
            created_at=at,
        )
    )
    return bool(result.rowcount)
