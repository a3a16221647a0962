"""Who holds a conversation: claim, release, assign, resolve, return to the bot.

Each change is one conditional UPDATE, so two agents claiming at once on two replicas cannot
both win: the database decides, and the loser hears who holds it. Every change is audited with
the agent's id, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.agents.directory import Agent, find_agent
from gateway.conversations import agent_events
from gateway.conversations.agent_events import AgentEvent
from gateway.conversations.store import load_conversation
from gateway.db.tables import conversations, messages
from gateway.errors import Conflict, Forbidden, ValidationFailed
from gateway.messages.statuses import InboundStatus
from gateway.records import audit
from gateway.records.audit import SYSTEM_CHAIN, AuditEntry, account_chain


async def audit_action(
    conn: AsyncConnection,
    conversation: Any,
    event: str,
    agent: Agent,
    now: datetime,
    **payload: Any,
) -> None:
    """Record an agent's action on a conversation in the account's chain (the system's when
    the sender is unknown)."""
    chain = (
        account_chain(conversation.account_ref)
        if conversation.account_ref is not None
        else SYSTEM_CHAIN
    )
    entry = AuditEntry(chain, event, now, {"agent_id": agent.id, **payload}, conversation.id)
    await audit.append(conn, [entry])


async def claim(
    conn: AsyncConnection, conversation_id: str, agent: Agent, now: datetime
) -> AgentEvent:
    """Take a conversation that is waiting or with the bot; Conflict naming the holder when
    another agent has it. Claiming one's own conversation again changes nothing."""
    changed = await conn.execute(
        update(conversations)
        .where(
            conversations.c.id == conversation_id,
            or_(
                conversations.c.state.in_(("bot", "escalated")),
                and_(conversations.c.state == "agent", conversations.c.assigned_agent == agent.id),
            ),
        )
        .values(state="agent", assigned_agent=agent.id, updated_at=now)
    )
    conversation = await load_conversation(conn, conversation_id)
    if not changed.rowcount:
        await _refuse(conn, conversation)
    await _hold_pending(conn, conversation_id, now)
    await audit_action(conn, conversation, "conversation.claimed", agent, now)
    return AgentEvent(agent_events.CLAIMED, conversation_id, {"agent": agent.public()})


async def release(
    conn: AsyncConnection, conversation_id: str, agent: Agent, now: datetime
) -> AgentEvent:
    """Put a held conversation back in the waiting queue (its holder, or a supervisor)."""
    values = {"state": "escalated", "assigned_agent": None, "waiting_since": now}
    return await _change(conn, conversation_id, agent, now, agent_events.RELEASED, values)


async def assign(
    conn: AsyncConnection, conversation_id: str, target_id: str, supervisor: Agent, now: datetime
) -> AgentEvent:
    """A supervisor hands an open conversation to an active agent."""
    if not supervisor.is_supervisor:
        raise Forbidden("only supervisors assign conversations", code="supervisors_only")
    target = await find_agent(conn, target_id)
    if target is None or not target.active:
        raise ValidationFailed(
            "no active agent with that id",
            details=[{"field": "agent_id", "message": "no active agent with that id"}],
        )
    changed = await conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation_id, conversations.c.state != "closed")
        .values(state="agent", assigned_agent=target.id, updated_at=now)
    )
    conversation = await load_conversation(conn, conversation_id)
    if not changed.rowcount:
        raise Conflict("the conversation is closed", code="conversation_closed")
    await _hold_pending(conn, conversation_id, now)
    await audit_action(conn, conversation, "conversation.assigned", supervisor, now, to=target.id)
    return AgentEvent(agent_events.CLAIMED, conversation_id, {"agent": target.public()})


async def resolve(
    conn: AsyncConnection, conversation_id: str, agent: Agent, now: datetime
) -> AgentEvent:
    """Close a conversation; the debtor's next message starts a new one."""
    return await _change(
        conn, conversation_id, agent, now, agent_events.RESOLVED, {"state": "closed"}
    )


async def return_to_bot(
    conn: AsyncConnection, conversation_id: str, agent: Agent, now: datetime
) -> AgentEvent:
    """Hand the conversation back to the assistant: it answers the debtor's next message
    (not the ones an agent already read while holding it)."""
    values = {
        "state": "bot",
        "assigned_agent": None,
        "escalation_reason": None,
        "waiting_since": None,
    }
    return await _change(conn, conversation_id, agent, now, agent_events.RETURNED, values)


async def _change(
    conn: AsyncConnection,
    conversation_id: str,
    agent: Agent,
    now: datetime,
    event: str,
    values: dict[str, Any],
) -> AgentEvent:
    """A change by the holder (or a supervisor), audited under the event's name."""
    conversation = await _held(conn, conversation_id, agent)
    await conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation.id)
        .values(updated_at=now, **values)
    )
    await audit_action(conn, conversation, event, agent, now)
    return AgentEvent(event, conversation_id, {"agent": agent.public()})


async def held_by(
    conn: AsyncConnection, conversation_id: str, agent: Agent, *, lock: bool = True
) -> Any:
    """The conversation, locked (unless ``lock`` is False), when ``agent`` holds it; Forbidden
    otherwise."""
    conversation = await load_conversation(conn, conversation_id, lock=lock)
    if conversation.state != "agent" or conversation.assigned_agent != agent.id:
        raise Forbidden(
            "only the agent holding the conversation may do this: claim it first",
            code="not_holder",
        )
    return conversation


async def _held(conn: AsyncConnection, conversation_id: str, agent: Agent) -> Any:
    """The conversation when its holder (or a supervisor) acts on it."""
    conversation = await load_conversation(conn, conversation_id, lock=True)
    if conversation.state == "closed":
        raise Conflict("the conversation is closed", code="conversation_closed")
    if agent.is_supervisor and conversation.state in ("escalated", "agent"):
        return conversation
    return await held_by(conn, conversation_id, agent)


async def _refuse(conn: AsyncConnection, conversation: Any) -> None:
    if conversation.state == "agent" and conversation.assigned_agent is not None:
        holder = await find_agent(conn, conversation.assigned_agent)
        name = holder.name if holder is not None else conversation.assigned_agent
        raise Conflict(
            f"{name} already holds this conversation",
            code="already_claimed",
            details={"holder": holder.public() if holder is not None else None},
        )
    raise Conflict(f"the conversation is {conversation.state}", code="not_claimable")


async def _hold_pending(conn: AsyncConnection, conversation_id: str, now: datetime) -> None:
    # Texts still waiting for a bot turn are now the agent's: the bot must not answer them.
    await conn.execute(
        update(messages)
        .where(
            messages.c.conversation_id == conversation_id,
            messages.c.direction == "inbound",
            messages.c.status == InboundStatus.PENDING,
        )
        .values(status=InboundStatus.FOR_AGENT, updated_at=now)
    )
