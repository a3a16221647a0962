"""Inbound text from any channel: stored once, keywords first, then the assistant or an agent."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.agent_events import publish
from gateway.conversations.replies import CONFIRMATION, Reply, enqueue_messages, queue_replies
from gateway.conversations.store import HUMAN_STATES, current_conversation
from gateway.db.tables import accounts, contact_points, messages
from gateway.db.upsert import dialect_insert
from gateway.ids import new_id
from gateway.records import audit
from gateway.records.accounts import invalidate_contact, lock_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.consent import record_consent
from gateway.records.history import record_contact
from gateway.records.updates import NewUpdate, enqueue_deliveries, record_update
from policies import Keyword, classify_keyword, says_wrong_party

log = logging.getLogger("parley.inbound")
PHONE_CHANNELS = ("sms", "voice")
BOT_TURN = "bot_turn"
ROUTE_INBOUND = "route_inbound"
# Stored by a webhook but not routed yet: a route_inbound job (or the sweep) takes it.
RECEIVED = "received"


def route_job_id(message_id: str) -> str:
    """One routing job per stored message."""
    return f"route:{message_id}"


def turn_job_id(message_id: str) -> str:
    """One job per inbound message; whichever runs first answers every pending message."""
    return f"turn:{message_id}"


@dataclass(frozen=True, slots=True)
class InboundText:
    """A message a consumer sent, as a channel adapter parsed it."""

    channel: str
    address: str
    body: str
    provider: str
    provider_id: str
    received_at: datetime
    subject: str | None = None


@dataclass(slots=True)
class Routed:
    """Where an inbound message went, and the work to start once it is committed."""

    message_id: str
    duplicate: bool = False
    account_ref: str | None = None
    conversation_id: str | None = None
    route: str = "duplicate"  # bot | agent | keyword | unknown_sender | duplicate
    keyword: str = Keyword.NONE.value
    turn: str | None = None  # a message id whose bot turn to enqueue
    sends: list[str] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    agent_event: str | None = None


async def find_sender(conn: AsyncConnection, channel: str, address: str) -> Any:
    """The account a contact point belongs to (the most recently updated if several)."""
    channels = PHONE_CHANNELS if channel in PHONE_CHANNELS else (channel,)
    return (
        await conn.execute(
            select(accounts.c.id, accounts.c.account_ref)
            .join(contact_points, contact_points.c.account_id == accounts.c.id)
            .where(contact_points.c.channel.in_(channels), contact_points.c.address == address)
            .order_by(accounts.c.updated_at.desc(), accounts.c.id.desc())
            .limit(1)
        )
    ).first()


async def receive(conn: AsyncConnection, text: InboundText, settings: Settings) -> Routed:
    """Store an inbound message exactly once and route it, in one transaction.

    Dedupe is an atomic insert on (provider, provider id): a webhook delivered twice routes once.
    """
    message_id, duplicate = await store(conn, text)
    if duplicate:
        return Routed(message_id=message_id, duplicate=True)
    return await route(conn, message_id, text, settings)


async def store(conn: AsyncConnection, text: InboundText) -> tuple[str, bool]:
    """Keep the message once per provider id (status ``received``, not routed yet).

    Returns its id and whether it was already there.
    """
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
            status=RECEIVED,
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


async def route_stored(conn: AsyncConnection, message_id: str, settings: Settings) -> Routed | None:
    """Route a message ``store`` kept; None when it was routed already (a repeated job)."""
    query = select(messages).where(messages.c.id == message_id, messages.c.status == RECEIVED)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    text = InboundText(
        channel=row.channel,
        address=row.address,
        body=row.body,
        provider=row.provider,
        provider_id=row.provider_id,
        received_at=row.created_at,
        subject=row.subject,
    )
    return await route(conn, message_id, text, settings)


async def route(
    conn: AsyncConnection, message_id: str, text: InboundText, settings: Settings
) -> Routed:
    """Decide what a stored message sets off: keywords first, then the bot or an agent."""
    now = text.received_at
    sender = await find_sender(conn, text.channel, text.address)
    if sender is not None:
        # Before anything refers to the account: a STOP recorded here and a send-time check
        # in a worker take this lock in turn, so no send starts on consent being revoked.
        await lock_account(conn, sender.id)
    routed = Routed(message_id=message_id)
    account_id = sender.id if sender is not None else None
    conversation_id, state, _ = await current_conversation(
        conn,
        account_id=account_id,
        channel=text.channel,
        address=text.address,
        now=now,
        idle_limit=timedelta(minutes=settings.conversation_timeout_minutes),
    )
    routed.conversation_id = conversation_id
    values: dict[str, Any] = {"conversation_id": conversation_id, "account_id": account_id}
    collector = settings.collector_name
    if sender is None:
        # Nobody to verify against: a neutral notice, and a person reads the message.
        routed.route, routed.agent_event = "unknown_sender", "message.for_agent"
        values["status"] = "for_agent"
        body = texts.unknown_sender(collector, settings.collector_phone)
        await _update_message(conn, message_id, values, now)
        routed.sends = await _confirm(conn, text, None, conversation_id, body, settings)
        return routed

    routed.account_ref = sender.account_ref
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
    keyword = classify_keyword(text.body)
    if keyword is Keyword.OPT_IN and await _consent(conn, sender.id, text) == "granted":
        # Nothing to re-grant: a "yes" here answers the assistant's question.
        keyword = Keyword.NONE
    routed.keyword = keyword.value
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
        routed.route = "keyword"
        values["status"] = "keyword"
        body = await _apply_keyword(
            conn, keyword, text, sender, message_id, routed, entries, settings
        )
        await _update_message(conn, message_id, values, now)
        await audit.append(conn, entries)
        routed.sends = await _confirm(conn, text, sender.id, conversation_id, body, settings)
        return routed

    if state in HUMAN_STATES:
        routed.route, routed.agent_event = "agent", "message.for_agent"
        values["status"] = "for_agent"
    else:
        routed.route, routed.turn = "bot", message_id
        values["status"] = "pending"
    await _update_message(conn, message_id, values, now)
    await audit.append(conn, entries)
    return routed


async def _apply_keyword(
    conn: AsyncConnection,
    keyword: Keyword,
    text: InboundText,
    sender: Any,
    message_id: str,
    routed: Routed,
    entries: list[AuditEntry],
    settings: Settings,
) -> str:
    collector = settings.collector_name
    if keyword is Keyword.HELP:
        return texts.help_text(collector, settings.collector_phone)
    # A keyword speaks for the channel it came on: STOP by text does not revoke calls, and
    # START by text must not re-grant them.
    entries.append(
        await record_consent(
            conn,
            account_id=sender.id,
            account_ref=sender.account_ref,
            channel=text.channel,
            address=text.address,
            action="revoked" if keyword is Keyword.OPT_OUT else "granted",
            source="keyword",
            at=text.received_at,
            evidence=message_id,
        )
    )
    if keyword is not Keyword.OPT_OUT:
        return texts.opt_in_confirmation(collector)
    # "Wrong number" revokes consent like any opt-out, and is a wrong party besides.
    kind = "wrong_party" if says_wrong_party(text.body) else "opt_out"
    stored = await record_update(
        conn,
        account_id=sender.id,
        account_ref=sender.account_ref,
        update=NewUpdate(
            kind=kind,
            data={"channel": text.channel, "address": text.address, "text": text.body},
            source="keyword",
            conversation_id=routed.conversation_id,
            message_id=message_id,
            dedupe_key=f"keyword:{message_id}",
        ),
        now=text.received_at,
    )
    routed.updates.append(stored.id)
    if kind == "opt_out":
        return texts.opt_out_confirmation(collector, text.channel)
    entries.append(
        await invalidate_contact(
            conn,
            account_id=sender.id,
            account_ref=sender.account_ref,
            channel=text.channel,
            address=text.address,
            reason=kind,
            now=text.received_at,
        )
    )
    return texts.wrong_party_confirmation(collector, text.channel)


async def _consent(conn: AsyncConnection, account_id: int, text: InboundText) -> str | None:
    return await conn.scalar(
        select(contact_points.c.consent).where(
            contact_points.c.account_id == account_id,
            contact_points.c.channel == text.channel,
            contact_points.c.address == text.address,
        )
    )


async def _confirm(
    conn: AsyncConnection,
    text: InboundText,
    account_id: int | None,
    conversation_id: str,
    body: str,
    settings: Settings,
) -> list[str]:
    reply = Reply(
        channel=text.channel,
        address=text.address,
        body=body,
        purpose=CONFIRMATION,
        account_id=account_id,
        conversation_id=conversation_id,
        provider=settings.provider_name(text.channel),
    )
    return await queue_replies(conn, [reply], text.received_at)


async def _update_message(
    conn: AsyncConnection, message_id: str, values: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        messages.update().where(messages.c.id == message_id).values(updated_at=now, **values)
    )


async def receive_from_webhook(
    engine: AsyncEngine, redis: ArqRedis, settings: Settings, text: InboundText
) -> None:
    """What a provider webhook does with an inbound text, answering the provider quickly.

    A keyword (STOP, START, HELP) takes effect before the webhook answers, so no send starts
    after an opt-out arrived; any other text is only stored and a worker routes it.
    """
    if classify_keyword(text.body) is not Keyword.NONE:
        async with engine.begin() as conn:
            routed = await receive(conn, text, settings)
        await dispatch(redis, settings, routed)
        return
    async with engine.begin() as conn:
        message_id, duplicate = await store(conn, text)
    if not duplicate:
        try:
            await redis.enqueue_job(ROUTE_INBOUND, message_id, _job_id=route_job_id(message_id))
        except Exception:
            log.exception("could not enqueue routing of an inbound message; the sweep will")


async def dispatch(redis: ArqRedis, settings: Settings, routed: Routed) -> None:
    """Start what an inbound message set off, once its transaction has committed.

    Every step is re-found by a sweep if Redis fails here: the database holds the message
    as pending, the replies as queued and the updates as pending delivery.
    """
    if routed.turn is not None:
        try:
            await redis.enqueue_job(BOT_TURN, routed.turn, _job_id=turn_job_id(routed.turn))
        except Exception:
            log.exception("could not enqueue the bot turn; the requeue sweep will")
    await enqueue_messages(redis, routed.sends)
    await enqueue_deliveries(redis, settings, routed.updates)
    if routed.agent_event is not None and routed.conversation_id is not None:
        await publish(redis, routed.agent_event, routed.conversation_id)
