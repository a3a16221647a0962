"""The send-time decision of the send core: every outbound message is decided again just
before it goes (a STOP may have arrived), and the verdict is recorded in the caller's
transaction: ``sending``, ``deferred`` until when, or ``blocked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import clock
from gateway.config import Settings
from gateway.db.tables import accounts, messages
from gateway.messages.statuses import UNSENT, OutboundStatus
from gateway.messages.transitions import move
from gateway.outreach.composing import checked_text
from gateway.outreach.decisions import DECISION_EVENT, decide
from gateway.outreach.snapshots import load_snapshots
from gateway.records import audit
from gateway.records.accounts import hold_account
from gateway.records.audit import AuditEntry, account_chain
from policies import MessageFacts, Outcome

# A one-time confirmation of what the consumer just asked for (opt-out, opt-in, wrong number,
# help). The FCC allows it after a revocation, so consent rules do not apply; nothing else may
# use this purpose.
CONFIRMATION = "confirmation"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message decided on at send time: ``row`` (and ``status`` sending) when it may go now,
    ``not_before`` when deferred; otherwise ``status`` says why nothing is to be done."""

    message_id: str
    row: Any
    status: str
    not_before: datetime | None = None


async def prepare(conn: AsyncConnection, message_id: str, settings: Settings) -> Prepared:
    """In the caller's transaction: decide at send time and record the verdict (sending,
    deferred or blocked). A message found in ``sending`` comes back without its row: its
    earlier try must be reconciled first, outside any transaction."""
    row = await load_outbound(conn, message_id, lock=True)
    if row is None:
        return Prepared(message_id, None, "missing")
    if row.status == OutboundStatus.SENDING:
        return Prepared(message_id, None, OutboundStatus.SENDING)
    if row.status not in UNSENT:
        return Prepared(message_id, None, f"already {row.status}")
    due = row.not_before
    if row.status == OutboundStatus.DEFERRED and due is not None and due > clock.utcnow():
        return Prepared(message_id, None, "not yet due")  # an older job of a later deferral
    status, not_before = await _check(conn, row, settings)
    return Prepared(message_id, row, status, not_before)


async def _check(
    conn: AsyncConnection, row: Any, settings: Settings
) -> tuple[OutboundStatus, datetime | None]:
    """Decide at send time and record the verdict: sending, deferred (until when) or
    blocked. A confirmation is not a contact the rules govern."""
    now = clock.utcnow()
    chain = account_chain(row.account_ref) if row.account_ref else None
    entries: list[AuditEntry] = []
    decided: dict[str, Any] = {}
    if row.purpose != CONFIRMATION and row.account_id is None:
        # Fail closed: without an account there are no facts to allow anything on.
        detail = {"reason": "no account: nothing but a confirmation may go to this sender"}
        await move(conn, row, OutboundStatus.BLOCKED, now, detail=detail)
        return OutboundStatus.BLOCKED, None
    if row.purpose != CONFIRMATION:
        override = settings.ruleset
        # A STOP committing now waits for this check, or this check waits for the STOP.
        await hold_account(conn, row.account_id)
        snapshots = await load_snapshots(
            conn, now=now, ids=[row.account_id], ruleset_override=override, channel=row.channel
        )
        account = next(iter(snapshots.values()))
        evaluation = decide(
            account,
            row.channel,
            row.purpose,
            now,
            address=row.address,
            ruleset_override=override,
            message=message_facts(row, account.first_communication_at is None),
        )
        payload = evaluation.audit_payload("send", purpose=row.purpose, message_id=row.id)
        assert chain is not None  # a message the rules govern belongs to an account
        entries.append(AuditEntry(chain, DECISION_EVENT, now, payload, row.outreach_id or row.id))
        decision = evaluation.decision
        decided = {"decision": decision.to_dict()}
        if decision.outcome is not Outcome.ALLOW:
            status = (
                OutboundStatus.DEFERRED
                if decision.outcome is Outcome.DEFER
                else OutboundStatus.BLOCKED
            )
            await move(
                conn,
                row,
                status,
                now,
                detail=decided,
                not_before=decision.not_before,
                **decided,
            )
            await audit.append(conn, entries)
            return status, decision.not_before
    await move(conn, row, OutboundStatus.SENDING, now, not_before=None, **decided)
    if chain is not None:
        entries.append(
            AuditEntry(
                chain,
                "message.sending",
                now,
                {
                    "outreach_id": row.outreach_id,
                    "purpose": row.purpose,
                    "channel": row.channel,
                    "to": row.address,
                },
                row.id,
            )
        )
        await audit.append(conn, entries)
    return OutboundStatus.SENDING, None


async def load_outbound(conn: AsyncConnection, message_id: str, *, lock: bool = False) -> Any:
    query = (
        select(messages, accounts.c.account_ref)
        .outerjoin(accounts, accounts.c.id == messages.c.account_id)
        .where(messages.c.id == message_id, messages.c.direction == "outbound")
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=messages)
    return (await conn.execute(query)).first()


def message_facts(row: Any, initial: bool) -> MessageFacts | None:
    """What the disclosure rules read of an outbound message: a template's text and kind.

    Conversation messages carry no kind: the gateway adds their disclosure where it is due
    (``gateway.conversations.disclosure``) rather than refusing what the assistant said.
    """
    if row.kind is None:
        return None
    text = checked_text(row.body, row.subject)
    return MessageFacts(text, row.kind, initial, row.threatens_legal_action)
