"""Reading and changing conversation threads (per account and channel)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import accounts, conversations, messages
from gateway.errors import NotFound
from gateway.ids import new_id
from gateway.messages.statuses import InboundStatus
from gateway.records.audit import AuditEntry, account_chain, append

OPEN_STATES = ("bot", "escalated", "agent")
# States in which inbound text waits for a person instead of going to the assistant.
HUMAN_STATES = frozenset({"escalated", "agent"})


_WITH_ACCOUNT = (
    conversations,
    accounts.c.account_ref,
    accounts.c.creditor,
    accounts.c.balance_amount,
    accounts.c.currency,
    accounts.c.debtor_name,
    accounts.c.timezone,
    accounts.c.postal_code,
    accounts.c.dob_hash,
    accounts.c.collector_type,
    accounts.c.first_communication_at,
)


async def load_conversation(
    conn: AsyncConnection, conversation_id: str, *, lock: bool = False
) -> Any:
    """The conversation with its account's ref, creditor and balance; NotFound if unknown.

    ``lock`` takes a row lock on PostgreSQL (SQLite transactions already hold the write lock).
    """
    query = (
        select(*_WITH_ACCOUNT)
        .outerjoin(accounts, accounts.c.id == conversations.c.account_id)
        .where(conversations.c.id == conversation_id)
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=conversations)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")
    return row


async def oldest_pending(conn: AsyncConnection, conversation_id: str) -> Any:
    """The conversation (as ``load_conversation`` has it) with its oldest message waiting for a
    bot turn (``message_id``, ``message_body``, ``message_created_at``); None when none waits."""
    query = (
        select(
            *_WITH_ACCOUNT,
            messages.c.id.label("message_id"),
            messages.c.body.label("message_body"),
            messages.c.created_at.label("message_created_at"),
        )
        .join(messages, messages.c.conversation_id == conversations.c.id)
        .outerjoin(accounts, accounts.c.id == conversations.c.account_id)
        .where(_waiting_for_a_turn(conversation_id))
        .order_by(messages.c.created_at, messages.c.id)
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def has_pending(conn: AsyncConnection, conversation_id: str) -> bool:
    """Whether a message of the conversation waits for a bot turn."""
    query = select(messages.c.id).where(_waiting_for_a_turn(conversation_id)).limit(1)
    return await conn.scalar(query) is not None


def _waiting_for_a_turn(conversation_id: str) -> ColumnElement[bool]:
    return and_(
        messages.c.conversation_id == conversation_id,
        messages.c.direction == "inbound",
        messages.c.status == InboundStatus.PENDING,
    )


async def current_conversation(
    conn: AsyncConnection,
    *,
    account_id: int | None,
    channel: str,
    address: str,
    now: datetime,
    idle_limit: timedelta,
) -> tuple[str, str, bool]:
    """The open thread for this account, channel and address, or a new one.

    A thread idle for longer than ``idle_limit`` is closed and a new one begins, so a debtor
    who writes again next week starts a fresh session (and verifies again).
    Returns (conversation id, state, created).
    """
    row = (
        await conn.execute(
            select(conversations.c.id, conversations.c.state, conversations.c.last_inbound_at)
            .where(
                conversations.c.account_id.is_(None)
                if account_id is None
                else conversations.c.account_id == account_id,
                conversations.c.channel == channel,
                conversations.c.address == address,
                conversations.c.state.in_(OPEN_STATES),
            )
            .order_by(conversations.c.created_at.desc())
            .limit(1)
        )
    ).first()
    if row is not None:
        idle_since = row.last_inbound_at
        # A thread an agent holds stays open however long the debtor takes to answer.
        if row.state in HUMAN_STATES or idle_since is None or now - idle_since <= idle_limit:
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == row.id)
                .values(last_inbound_at=now, updated_at=now)
            )
            return row.id, row.state, False
        await conn.execute(
            update(conversations)
            .where(conversations.c.id == row.id)
            .values(state="closed", updated_at=now)
        )
    conversation_id = await open_conversation(
        conn, account_id=account_id, channel=channel, address=address, now=now, last_inbound_at=now
    )
    return conversation_id, "bot", True


async def open_conversation(
    conn: AsyncConnection,
    *,
    account_id: int | None,
    channel: str,
    address: str | None,
    now: datetime,
    last_inbound_at: datetime | None = None,
    verified_at: datetime | None = None,
) -> str:
    """A new conversation with the assistant; its id."""
    conversation_id = new_id("conv")
    await conn.execute(
        conversations.insert().values(
            id=conversation_id,
            account_id=account_id,
            channel=channel,
            address=address,
            state="bot",
            verify_attempts=0,
            verified_at=verified_at,
            last_inbound_at=last_inbound_at,
            created_at=now,
            updated_at=now,
        )
    )
    return conversation_id


async def escalate(
    conn: AsyncConnection,
    conversation: Any,
    *,
    reason: str,
    now: datetime,
    turn_running: bool = False,
) -> bool:
    """Hand a conversation to the agent queue; its waiting messages go with it.

    ``turn_running``: the assistant hands over in the middle of a turn (through the bot API).
    That turn answers the oldest waiting message, so it stays pending until the turn records
    its reply ("connecting you..."); otherwise the message would look handed over while the
    reply to it is still coming. Returns False when it was already with a person.
    """
    if conversation.state in HUMAN_STATES:
        return False
    await conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation.id)
        .values(
            state="escalated", escalation_reason=reason[:200], waiting_since=now, updated_at=now
        )
    )
    waiting = _waiting_for_a_turn(conversation.id)
    if turn_running:
        answering = await conn.scalar(
            select(messages.c.id)
            .where(waiting)
            .order_by(messages.c.created_at, messages.c.id)
            .limit(1)
        )
        waiting = and_(waiting, messages.c.id != answering)
    await conn.execute(
        update(messages).where(waiting).values(status=InboundStatus.FOR_AGENT, updated_at=now)
    )
    if conversation.account_ref is not None:
        await append(
            conn,
            [
                AuditEntry(
                    account_chain(conversation.account_ref),
                    "conversation.escalated",
                    now,
                    {"reason": reason},
                    conversation.id,
                )
            ],
        )
    return True


async def close(conn: AsyncConnection, conversation: Any, *, reason: str, now: datetime) -> None:
    """End a conversation; the next inbound message starts a new one."""
    await conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation.id)
        .values(state="closed", escalation_reason=reason[:200], updated_at=now)
    )
