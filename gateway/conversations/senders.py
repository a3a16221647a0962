"""Who wrote an inbound text: the sender's account, and the conversation the text belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import InboundText
from gateway.config import Settings
from gateway.conversations.store import current_conversation, load_conversation
from gateway.db.tables import accounts, contact_points
from gateway.records.accounts import hold_account
from policies.channels import PHONE_CHANNELS


@dataclass(frozen=True, slots=True)
class _ConversationAccount:
    """The account of a conversation that names itself (web chat)."""

    id: int
    account_ref: str


async def find_sender(conn: AsyncConnection, channel: str, address: str) -> Any:
    """The account a contact point belongs to (the most recently updated if several)."""
    channels = tuple(PHONE_CHANNELS) if channel in PHONE_CHANNELS else (channel,)
    return (
        await conn.execute(
            select(accounts.c.id, accounts.c.account_ref)
            .join(contact_points, contact_points.c.account_id == accounts.c.id)
            .where(contact_points.c.channel.in_(channels), contact_points.c.address == address)
            .order_by(accounts.c.updated_at.desc(), accounts.c.id.desc())
            .limit(1)
        )
    ).first()


async def sender_and_conversation(
    conn: AsyncConnection, text: InboundText, settings: Settings
) -> tuple[Any, str, str]:
    """The sender's account (``id``, ``account_ref``; None when unknown), and the id and state
    of the conversation the text belongs to.

    A channel without addresses (web chat) names its conversation; any other finds the account
    by the address and the open conversation for it (a new one after the idle timeout).
    """
    if text.address is None:
        conversation = await load_conversation(conn, str(text.conversation_id), lock=True)
        sender = None
        if conversation.account_id is not None:
            await hold_account(conn, conversation.account_id)
            sender = _ConversationAccount(conversation.account_id, conversation.account_ref)
        return sender, conversation.id, conversation.state
    sender = await find_sender(conn, text.channel, text.address)
    if sender is not None:
        # Before anything refers to the account: a STOP recorded here and a send-time check
        # in a worker take this lock in turn, so no send starts on consent being revoked.
        await hold_account(conn, sender.id)
        # The consumer used this address with the collector (12 CFR 1006.6(d)(4)(i), (d)(5)).
        await conn.execute(
            update(contact_points)
            .where(
                contact_points.c.account_id == sender.id,
                contact_points.c.channel == text.channel,
                contact_points.c.address == text.address,
            )
            .values(consumer_used_at=text.received_at)
        )
    conversation_id, state, _ = await current_conversation(
        conn,
        account_id=sender.id if sender is not None else None,
        channel=text.channel,
        address=text.address,
        now=text.received_at,
        idle_limit=timedelta(minutes=settings.conversation_timeout_minutes),
    )
    return sender, conversation_id, state
