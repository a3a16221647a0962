"""The one path of every inbound text, whatever the channel: stored once (deduplicated on the
provider's id), the keyword decided once, then the conversation: its bot turn or the agent queue.

A keyword (STOP, START, HELP) is routed in the transaction that stores it, so an opt-out is in
force before the provider gets its answer and no send starts on consent being revoked. Any other
text is stored as ``received`` and routed by its bot-turn job, just before the turn (one job, and
a webhook that answers the provider at once); a caller that needs the conversation now (the
API) routes it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from channels.events import InboundText
from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.agent_events import MESSAGE_RECEIVED, AgentEvent
from gateway.conversations.keywords import apply_keyword, confirmed_keyword
from gateway.conversations.replies import Reply, queue_replies
from gateway.conversations.senders import sender_and_conversation
from gateway.conversations.store import HUMAN_STATES
from gateway.db.tables import messages
from gateway.db.upsert import dialect_insert
from gateway.ids import new_id
from gateway.messages.send_decision import CONFIRMATION
from gateway.messages.statuses import InboundStatus
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.history import record_contact
from policies import Keyword, classify_keyword


@dataclass(slots=True)
class Received:
    """Where an inbound message went, and what it set going once committed."""

    message_id: str
    duplicate: bool = False
    account_ref: str | None = None
    conversation_id: str | None = None
    route: str = "duplicate"  # received | bot | agent | keyword | unknown_sender | duplicate
    keyword: str = Keyword.NONE.value
    after: AfterCommit = field(default_factory=AfterCommit)


async def receive(
    engine: AsyncEngine,
    redis: ArqRedis,
    settings: Settings,
    text: InboundText,
    *,
    route_now: bool = False,
) -> Received:
    """Take one inbound text and start what it sets going once committed."""
    async with engine.begin() as conn:
        received = await take_in(conn, text, settings, route_now=route_now)
    await received.after.flush(redis, settings)
    return received


async def take_in(
    conn: AsyncConnection, text: InboundText, settings: Settings, *, route_now: bool
) -> Received:
    """In the caller's transaction: store the text once, and route it now when it is a keyword
    or ``route_now`` (otherwise its bot-turn job will)."""
    # Only addressed channels have keywords: a chat session has no consent of its own.
    keyword = classify_keyword(text.body) if text.address is not None else Keyword.NONE
    message_id, duplicate = await _store(conn, text)
    if duplicate:
        return Received(message_id, duplicate=True)
    if route_now or keyword is not Keyword.NONE:
        return await _route(conn, message_id, text, keyword, settings)
    received = Received(message_id, route="received")
    received.after.turns.append(message_id)
    return received


async def route_received(
    conn: AsyncConnection, message_id: str, settings: Settings
) -> Received | None:
    """Route a text stored as ``received`` (its bot-turn job does, first), and before it every
    older one from the same sender, so turns keep the order the texts came in. None when it
    was routed already; otherwise where it went, with what all of them set going. Their
    keyword was decided when they were stored: none."""
    row = (await conn.execute(select(messages).where(messages.c.id == message_id))).first()
    if row is None or row.status != InboundStatus.RECEIVED:
        return None
    same_sender = (
        messages.c.conversation_id == row.conversation_id
        if row.address is None
        else (messages.c.channel == row.channel) & (messages.c.address == row.address)
    )
    query = (
        select(messages)
        .where(
            same_sender,
            messages.c.direction == "inbound",
            messages.c.status == InboundStatus.RECEIVED,
            messages.c.created_at <= row.created_at,
        )
        .order_by(messages.c.created_at, messages.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    after = AfterCommit()
    ours = None
    for waiting in await conn.execute(query):
        text = InboundText(
            channel=waiting.channel,
            address=waiting.address,
            body=waiting.body,
            provider=waiting.provider,
            provider_id=waiting.provider_id,
            received_at=waiting.created_at,
            subject=waiting.subject,
            conversation_id=waiting.conversation_id,
        )
        routed = await _route(conn, waiting.id, text, Keyword.NONE, settings)
        after.add(routed.after)
        if waiting.id == message_id:
            ours = routed
    if ours is not None:
        ours.after = after
    return ours


async def _route(
    conn: AsyncConnection,
    message_id: str,
    text: InboundText,
    keyword: Keyword,
    settings: Settings,
) -> Received:
    """Decide what a stored message sets off: its keyword's effect, else the bot or an agent."""
    now = text.received_at
    received = Received(message_id, route="bot")
    sender, conversation_id, state = await sender_and_conversation(conn, text, settings)
    received.conversation_id = conversation_id
    values: dict[str, Any] = {"conversation_id": conversation_id}
    if sender is None:
        # Nobody to verify against: a neutral notice, and a person reads the message.
        received.route = "unknown_sender"
        await _settle(conn, message_id, InboundStatus.FOR_AGENT, values, received)
        body = texts.unknown_sender(settings.collector_name, settings.collector_phone)
        await _confirm(conn, text, None, conversation_id, body, settings, received)
        return received

    received.account_ref = sender.account_ref
    values["account_id"] = sender.id
    await record_contact(
        conn,
        account_id=sender.id,
        channel=text.channel,
        direction="inbound",
        at=now,
        # The policy vocabulary has no "received": an inbound message reached us.
        outcome="delivered",
        address=text.address,
        message_id=message_id,
    )
    keyword = await confirmed_keyword(conn, keyword, sender.id, text)
    received.keyword = keyword.value
    entries = [
        AuditEntry(
            account_chain(sender.account_ref),
            "message.received",
            now,
            {"channel": text.channel, "provider": text.provider, "keyword": keyword.value},
            message_id,
        )
    ]
    if keyword is not Keyword.NONE:
        received.route = "keyword"
        body, updates = await apply_keyword(
            conn, keyword, text, sender, message_id, conversation_id, entries, settings
        )
        received.after.updates += updates
        await _settle(conn, message_id, InboundStatus.KEYWORD, values, received)
        await audit.append(conn, entries)
        await _confirm(conn, text, sender.id, conversation_id, body, settings, received)
        return received
    if state in HUMAN_STATES:
        received.route = "agent"
        await _settle(conn, message_id, InboundStatus.FOR_AGENT, values, received)
    else:
        await _settle(conn, message_id, InboundStatus.PENDING, values, received)
        received.after.turns.append(message_id)
    await audit.append(conn, entries)
    return received


async def _store(conn: AsyncConnection, text: InboundText) -> tuple[str, bool]:
    """Keep the message once per provider id; returns its id and whether it was there already."""
    now = text.received_at
    message_id = new_id("msg")
    inserted = await conn.execute(
        dialect_insert(conn, messages)
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .values(
            id=message_id,
            channel=text.channel,
            direction="inbound",
            address=text.address,
            subject=text.subject,
            body=text.body,
            provider=text.provider,
            provider_id=text.provider_id,
            status=InboundStatus.RECEIVED,
            conversation_id=text.conversation_id,
            created_at=now,
            updated_at=now,
        )
    )
    if inserted.rowcount:
        return message_id, False
    existing = await conn.scalar(
        select(messages.c.id).where(
            messages.c.provider == text.provider, messages.c.provider_id == text.provider_id
        )
    )
    return str(existing), True


async def _settle(
    conn: AsyncConnection,
    message_id: str,
    status: InboundStatus,
    values: dict[str, Any],
    received: Received,
) -> None:
    await conn.execute(
        update(messages).where(messages.c.id == message_id).values(status=status, **values)
    )
    if status is InboundStatus.FOR_AGENT and received.conversation_id is not None:
        received.after.events.append(AgentEvent(MESSAGE_RECEIVED, received.conversation_id))


async def _confirm(
    conn: AsyncConnection,
    text: InboundText,
    account_id: int | None,
    conversation_id: str,
    body: str,
    settings: Settings,
    received: Received,
) -> None:
    reply = Reply(
        channel=text.channel,
        address=text.address,
        body=body,
        purpose=CONFIRMATION,
        account_id=account_id,
        conversation_id=conversation_id,
        provider=settings.provider_name(text.channel),
    )
    received.after.sends += await queue_replies(conn, [reply], text.received_at, settings)
