"""One conversation as an agent reads it: the thread across channels, notes, captured updates,
the account panel, and what the policy layer would say to a reply right now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.config import Settings
from gateway.conversations.attachments import files_of
from gateway.conversations.store import load_conversation
from gateway.db.tables import (
    account_updates,
    agents,
    conversation_notes,
    conversations,
    messages,
)
from gateway.outreach.decisions import decide
from gateway.outreach.snapshots import load_snapshots
from gateway.records.account_view import account_view
from gateway.records.updates import public_update
from policies import Decision, MessageFacts, Outcome, Reason

THREAD_LIMIT = 200
NO_ACCOUNT = Reason(
    "no_account",
    "The sender is not linked to an account: nothing but a confirmation may be sent.",
    "12 CFR 1006.6(d)",
)


async def reply_decision(
    conn: AsyncConnection,
    conversation: Any,
    settings: Settings,
    now: datetime,
    message: MessageFacts | None = None,
) -> Decision:
    """What the policy layer says now to a reply on the conversation's channel (a dry run),
    with its text when the text has a disclosure to check."""
    if conversation.account_id is None:
        return Decision(Outcome.BLOCK, None, (NO_ACCOUNT,))
    snapshots = await load_snapshots(
        conn,
        now=now,
        ids=[conversation.account_id],
        ruleset_override=settings.ruleset,
        channel=conversation.channel,
    )
    evaluation = decide(
        next(iter(snapshots.values())),
        conversation.channel,
        "reply",
        now,
        address=conversation.address,
        ruleset_override=settings.ruleset,
        message=message,
    )
    return evaluation.decision


async def read_thread(
    conn: AsyncConnection, conversation_id: str, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The conversation with everything an agent needs to answer it; marks it read."""
    conversation = await load_conversation(conn, conversation_id)
    verified = conversation.verified_at is not None
    account = None
    if conversation.account_id is not None:
        account = await account_view(
            conn, conversation.account_ref, now=now, ruleset_override=settings.ruleset
        )
        account.pop("collector_type")
        if not verified:
            # Whoever wrote has not proven they are the debtor: nothing about the debt.
            account["balance"] = None
    decision = await reply_decision(conn, conversation, settings, now)
    await conn.execute(
        update(conversations).where(conversations.c.id == conversation.id).values(agent_seen_at=now)
    )
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "state": conversation.state,
        "account_ref": conversation.account_ref,
        "debtor_name": conversation.debtor_name,
        "verified": verified,
        "escalation_reason": conversation.escalation_reason,
        "waiting_since": iso(conversation.waiting_since),
        "assigned_agent": await _holder(conn, conversation.assigned_agent),
        "messages": await _messages(conn, conversation),
        "notes": await _notes(conn, conversation.id),
        "updates": await _updates(conn, conversation),
        "account": account,
        "reply_decision": decision.to_dict(),
    }


async def _holder(conn: AsyncConnection, agent_id: str | None) -> dict[str, str] | None:
    if agent_id is None:
        return None
    name = await conn.scalar(select(agents.c.name).where(agents.c.id == agent_id))
    return {"id": agent_id, "name": str(name)}


def _sender(row: Any) -> str:
    if row.direction == "inbound":
        return "debtor"
    if row.agent_name is not None:
        return str(row.agent_name)
    return "bot" if row.purpose == "reply" else "system"


async def _messages(conn: AsyncConnection, conversation: Any) -> list[dict[str, Any]]:
    # Across channels: everything exchanged with the account, not only this thread's.
    where = (
        messages.c.account_id == conversation.account_id
        if conversation.account_id is not None
        else messages.c.conversation_id == conversation.id
    )
    rows = await conn.execute(
        select(messages, agents.c.name.label("agent_name"))
        .outerjoin(agents, agents.c.id == messages.c.agent_id)
        .where(where)
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(THREAD_LIMIT)
    )
    listed = list(rows)
    files = await files_of(conn, [row.id for row in listed if row.direction == "inbound"])
    return [
        {
            "id": row.id,
            "conversation_id": row.conversation_id,
            "direction": row.direction,
            "channel": row.channel,
            "status": row.status,
            "sender": _sender(row),
            "subject": row.subject,
            "text": row.body,
            "at": iso(row.created_at),
            "attachments": [_file(f) for f in files.get(row.id, ())],
        }
        for row in reversed(listed)
    ]


def _file(row: Any) -> dict[str, Any]:
    """A file listed on a message: a download link when it was kept, why not otherwise."""
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "refused": row.refused,
        "url": None if row.refused else f"/agent/api/attachments/{row.id}",
    }


async def _notes(conn: AsyncConnection, conversation_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(conversation_notes, agents.c.name.label("agent_name"))
        .join(agents, agents.c.id == conversation_notes.c.agent_id)
        .where(conversation_notes.c.conversation_id == conversation_id)
        .order_by(conversation_notes.c.created_at, conversation_notes.c.id)
    )
    return [
        {
            "id": row.id,
            "text": row.body,
            "agent": {"id": row.agent_id, "name": row.agent_name},
            "at": iso(row.created_at),
        }
        for row in rows
    ]


async def _updates(conn: AsyncConnection, conversation: Any) -> list[dict[str, Any]]:
    if conversation.account_id is None:
        return []
    rows = await conn.execute(
        select(account_updates)
        .where(account_updates.c.account_id == conversation.account_id)
        .order_by(account_updates.c.id.desc())
        .limit(50)
    )
    return [public_update(row, conversation.account_ref) for row in rows]
