"""The agents' queue: conversations waiting for a person, held by me, or all open ones."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.agents.directory import Agent
from gateway.clock import iso
from gateway.conversations.store import OPEN_STATES
from gateway.db.tables import accounts, agents, conversations, messages
from gateway.errors import Forbidden

View = Literal["waiting", "mine", "all"]
VIEWS: tuple[View, ...] = ("waiting", "mine", "all")
LIMIT = 200


def unread_count(conversation_id: Any, seen_at: Any) -> Any:
    """Inbound messages of a conversation that came after an agent last read it."""
    query = select(func.count()).where(
        messages.c.conversation_id == conversation_id, messages.c.direction == "inbound"
    )
    newer: ColumnElement[bool] = messages.c.created_at > seen_at
    return query.where((seen_at.is_(None)) | newer).scalar_subquery()


async def list_conversations(
    conn: AsyncConnection, view: View, agent: Agent
) -> list[dict[str, Any]]:
    """The conversations of a view; waiting ones oldest first, others most recent first."""
    if view == "all" and not agent.is_supervisor:
        raise Forbidden("only supervisors see every conversation", code="supervisors_only")
    query = (
        select(
            conversations,
            accounts.c.account_ref,
            accounts.c.debtor_name,
            agents.c.name.label("agent_name"),
            unread_count(conversations.c.id, conversations.c.agent_seen_at).label("unread"),
        )
        .outerjoin(accounts, accounts.c.id == conversations.c.account_id)
        .outerjoin(agents, agents.c.id == conversations.c.assigned_agent)
        .limit(LIMIT)
    )
    if view == "waiting":
        query = query.where(conversations.c.state == "escalated").order_by(
            conversations.c.waiting_since, conversations.c.id
        )
    elif view == "mine":
        query = query.where(
            conversations.c.state == "agent", conversations.c.assigned_agent == agent.id
        ).order_by(conversations.c.updated_at.desc())
    else:
        query = query.where(conversations.c.state.in_(OPEN_STATES)).order_by(
            conversations.c.updated_at.desc()
        )
    rows = list(await conn.execute(query))
    last = await _last_messages(conn, [row.id for row in rows])
    return [summary(row, last.get(row.id)) for row in rows]


def summary(row: Any, last: Any) -> dict[str, Any]:
    """A conversation as the queue lists it."""
    return {
        "id": row.id,
        "channel": row.channel,
        "state": row.state,
        "account_ref": row.account_ref,
        "debtor_name": row.debtor_name,
        "verified": row.verified_at is not None,
        "escalation_reason": row.escalation_reason,
        "waiting_since": iso(row.waiting_since) if row.state == "escalated" else None,
        "assigned_agent": (
            {"id": row.assigned_agent, "name": row.agent_name} if row.assigned_agent else None
        ),
        "unread": int(row.unread or 0),
        "last_message": (
            {"direction": last.direction, "text": last.body, "at": iso(last.created_at)}
            if last is not None
            else None
        ),
    }


async def _last_messages(conn: AsyncConnection, conversation_ids: list[str]) -> dict[str, Any]:
    if not conversation_ids:
        return {}
    ranked = (
        select(
            messages.c.conversation_id,
            messages.c.direction,
            messages.c.body,
            messages.c.created_at,
            func.row_number()
            .over(
                partition_by=messages.c.conversation_id,
                order_by=(messages.c.created_at.desc(), messages.c.id.desc()),
            )
            .label("rank"),
        )
        .where(messages.c.conversation_id.in_(conversation_ids))
        .subquery()
    )
    rows = await conn.execute(select(ranked).where(ranked.c.rank == 1))
    return {row.conversation_id: row for row in rows}
