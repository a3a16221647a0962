"""What the holder of a conversation does in it: reply through the policy layer, write a
private note, record what the debtor agreed. Each runs in the caller's transaction, is audited
with the agent's id, and says what to start once committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.agents.claims import audit_action
from gateway.agents.directory import Agent
from gateway.agents.thread import reply_decision
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.agent_events import UPDATED, AgentEvent
from gateway.conversations.capture import capture
from gateway.conversations.disclosure import disclose_once
from gateway.conversations.replies import queue_replies, reply_to
from gateway.db.tables import accounts, conversation_notes
from gateway.errors import ValidationFailed
from gateway.ids import new_id
from gateway.messages.send_decision import Prepared, prepare
from gateway.messages.statuses import OutboundStatus
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from policies import MessageFacts, Outcome

AGENT_KINDS = frozenset(
    {
        "promise_to_pay",
        "payment_plan_request",
        "dispute",
        "hardship",
        "callback_request",
        "cease_request",
        "agent_note",
    }
)
MAX_TEXT = 1600  # ten SMS segments: longer belongs in a letter


@dataclass(slots=True)
class Done:
    """The result to answer with, and what to start once the transaction commits."""

    body: dict[str, Any]
    after: AfterCommit = field(default_factory=AfterCommit)
    prepared: Prepared | None = None


def checked_text(text: str, name: str = "text") -> str:
    """Text an agent typed, trimmed; ValidationFailed naming the field when empty or too long."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed(
            f"{name} must be 1-{MAX_TEXT} characters",
            details=[{"field": name, "message": f"1-{MAX_TEXT} characters"}],
        )
    return text


async def reply(
    conn: AsyncConnection,
    conversation: Any,
    text: str,
    agent: Agent,
    settings: Settings,
    now: datetime,
) -> Done:
    """Queue an agent's reply on the conversation's channel and decide on it now, as the
    outreach intake does: allowed ones go to the send core (which asks again at send time),
    deferred ones wait for their time, blocked ones are recorded and never sent."""
    body = checked_text(text)
    message = reply_to(conversation, body, "reply", settings, agent_id=agent.id)
    [message] = await disclose_once(conn, conversation, [message], settings, now)
    [message_id] = await queue_replies(conn, [message], now, settings)
    checked = None
    if message.kind is not None:
        checked = MessageFacts(
            message.body, message.kind, conversation.first_communication_at is None
        )
    decision = await reply_decision(conn, conversation, settings, now, checked)
    await audit_action(
        conn,
        conversation,
        "agent.reply",
        agent,
        now,
        message_id=message_id,
        outcome=decision.outcome.value,
    )
    done = Done({"id": message_id, "status": "queued", "decision": decision.to_dict()})
    if decision.outcome is Outcome.ALLOW:
        done.after.sends.append(message_id)
        return done
    # The send core records the verdict (blocked, or deferred with its time) and its audit row.
    done.prepared = await prepare(conn, message_id, settings)
    if done.prepared.status in (OutboundStatus.DEFERRED, OutboundStatus.BLOCKED):
        done.body["status"] = str(done.prepared.status)
    else:  # the facts changed within the transaction: the send job reconciles it
        done.after.sends.append(message_id)
    return done


async def note(
    conn: AsyncConnection, conversation: Any, text: str, agent: Agent, now: datetime
) -> Done:
    """A private note on the conversation: for agents only, never sent to the debtor."""
    body = checked_text(text)
    note_id = new_id("note")
    await conn.execute(
        conversation_notes.insert().values(
            id=note_id,
            conversation_id=conversation.id,
            agent_id=agent.id,
            body=body,
            created_at=now,
        )
    )
    await audit_action(conn, conversation, "agent.note", agent, now, note_id=note_id)
    done = Done({"id": note_id, "text": body, "agent": agent.public()})
    done.after.events.append(AgentEvent(UPDATED, conversation.id))
    return done


async def record(
    conn: AsyncConnection,
    conversation: Any,
    kind: str,
    data: dict[str, Any],
    agent: Agent,
    settings: Settings,
    now: datetime,
) -> Done:
    """An account update from an agent, normalised and delivered exactly as the bot's are; a
    cease request also stops all collection contact."""
    if kind not in AGENT_KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(sorted(AGENT_KINDS))}",
            details=[{"field": "kind", "message": "unknown kind"}],
        )
    if conversation.account_id is None:
        raise ValidationFailed(
            "this conversation is not linked to an account",
            details=[{"field": "kind", "message": "no account to record it on"}],
            code="no_account",
        )
    raw = {key: value if value is None else str(value) for key, value in data.items()}
    captured = await capture(
        conn, conversation, kind, raw, settings, now, source="agent", agent_id=agent.id
    )
    if kind == "cease_request" and captured.after.updates:
        await _cease(conn, conversation, agent, now)
    done = Done(
        {"id": str(captured.update_id), "kind": kind, "data": captured.data}, captured.after
    )
    done.after.events.append(AgentEvent(UPDATED, conversation.id))
    return done


async def _cease(conn: AsyncConnection, conversation: Any, agent: Agent, now: datetime) -> None:
    before = await conn.scalar(
        select(accounts.c.cease_communication).where(accounts.c.id == conversation.account_id)
    )
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == conversation.account_id)
        .values(cease_communication=True, updated_at=now)
    )
    await audit.append(
        conn,
        [
            AuditEntry(
                account_chain(conversation.account_ref),
                "account.cease_communication",
                now,
                {"agent_id": agent.id, "flags": {"cease_communication": [before, True]}},
                conversation.id,
            )
        ],
    )
