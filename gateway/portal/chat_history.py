"""What the debtor's chat page may see of its conversation.

The page shows what the debtor wrote and what reached them: their own messages, and the
assistant's and agents' messages once sent. Messages still queued, deferred, blocked or failed
are Parley's internals (a blocked reply was never sent, so the debtor never got it), and so
are agents' names and ids, notes and account updates: none of them leave here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.db.tables import conversations, messages
from gateway.messages.statuses import InboundStatus, OutboundStatus

HISTORY_LIMIT = 200  # the page shows the recent past; older messages stay in the record
VISIBLE_OUTBOUND = (OutboundStatus.SENT, OutboundStatus.DELIVERED)
# An inbound message in these waits for the assistant: the page shows it typing.
AWAITING_TURN = (InboundStatus.RECEIVED, InboundStatus.PENDING)


@dataclass(frozen=True, slots=True)
class ChatView:
    """The conversation as the debtor's page shows it now.

    ``messages``: oldest first, each ``{"id", "from", "body", "at"}``; ``state``: bot |
    escalated | agent | closed (None when the conversation is gone); ``assistant_typing``:
    a message of theirs waits for the assistant's turn.
    """

    messages: list[dict[str, Any]]
    state: str | None
    assistant_typing: bool


def shape(row: Any) -> dict[str, Any]:
    """One message as the page gets it: who said it, never which agent."""
    if row.direction == "inbound":
        sender = "you"
    else:
        sender = "agent" if row.agent_id is not None else "assistant"
    return {"id": row.id, "from": sender, "body": row.body, "at": iso(row.created_at)}


def visible_to_debtor() -> Any:
    """Messages the debtor may see: theirs, and ours once they reached them."""
    return or_(
        messages.c.direction == "inbound",
        and_(messages.c.direction == "outbound", messages.c.status.in_(VISIBLE_OUTBOUND)),
    )


async def chat_history(
    conn: AsyncConnection, conversation_id: str, limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The last ``limit`` visible messages of the conversation, oldest first."""
    query = (
        select(
            messages.c.id,
            messages.c.direction,
            messages.c.agent_id,
            messages.c.body,
            messages.c.created_at,
        )
        .where(messages.c.conversation_id == conversation_id, visible_to_debtor())
        # Ids are time-ordered: replies written in one transaction keep their order.
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(limit)
    )
    rows = list(await conn.execute(query))
    return [shape(row) for row in reversed(rows)]


async def chat_view(conn: AsyncConnection, conversation_id: str) -> ChatView:
    """History, state and whether the assistant is at work, read in one transaction."""
    awaiting = exists().where(
        messages.c.conversation_id == conversation_id,
        messages.c.direction == "inbound",
        # "pending" waits for a turn by definition; a text still "received" is routed by its
        # turn's job, and goes to the assistant only while the bot holds the conversation.
        messages.c.status.in_(AWAITING_TURN),
        or_(messages.c.status == InboundStatus.PENDING, conversations.c.state == "bot"),
    )
    row = (
        await conn.execute(
            select(conversations.c.state, awaiting.label("awaiting")).where(
                conversations.c.id == conversation_id
            )
        )
    ).first()
    history = await chat_history(conn, conversation_id)
    if row is None:
        return ChatView(history, None, False)
    return ChatView(history, str(row.state), bool(row.awaiting))
