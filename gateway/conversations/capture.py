"""Recording what a debtor said (promise, dispute, hardship...) with its consequences.

The bot API and the IVR both come here, so a promise made by text and one made by keypad
become the same account update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.agent_events import publish
from gateway.conversations.handoff import hand_off
from gateway.conversations.replies import CONFIRMATION, enqueue_messages, queue_replies, reply_to
from gateway.conversations.store import HUMAN_STATES, close
from gateway.conversations.update_data import normalise
from gateway.conversations.verification import terms_for
from gateway.records import audit
from gateway.records.accounts import invalidate_contact
from gateway.records.consent import record_consent
from gateway.records.updates import NewUpdate, enqueue_deliveries, record_update


async def start_followups(
    redis: ArqRedis,
    settings: Settings,
    updates: list[int],
    sends: list[str],
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """After commit: deliver the updates, send the messages, tell agents of an escalation
    (the conversation as it was ``before`` and is ``after``, when it may have changed)."""
    await enqueue_deliveries(redis, settings, updates)
    await enqueue_messages(redis, sends)
    if before is None or after is None:
        return
    if before.state not in HUMAN_STATES and after.state in HUMAN_STATES:
        await publish(redis, "conversation.escalated", after.id, reason=after.escalation_reason)


@dataclass(slots=True)
class Captured:
    """The stored update, and the work to start once the transaction commits."""

    update_id: int | None
    data: dict[str, Any]
    updates: list[int] = field(default_factory=list)
    sends: list[str] = field(default_factory=list)


async def capture(
    conn: AsyncConnection,
    conversation: Any,
    kind: str,
    raw: dict[str, Any],
    settings: Settings,
    now: datetime,
    *,
    source: str,
    dedupe_key: str | None = None,
) -> Captured:
    """Normalise and store one update of ``kind``; a new one also has its consequences."""
    data = normalise(kind, raw, terms_for(conversation, settings))
    if kind == "handoff":
        updates = await hand_off(conn, conversation, reason=data["reason"], now=now)
        return Captured(updates[0] if updates else None, data, updates)
    stored = await record_update(
        conn,
        account_id=conversation.account_id,
        account_ref=conversation.account_ref,
        update=NewUpdate(
            kind=kind,
            data=data,
            source=source,
            conversation_id=conversation.id,
            dedupe_key=dedupe_key,
        ),
        now=now,
    )
    captured = Captured(stored.id, stored.public["data"])
    if stored.created:
        more, sends = await _consequences(conn, conversation, kind, settings, now)
        captured.updates = [stored.id, *more]
        captured.sends = sends
    return captured


async def _consequences(
    conn: AsyncConnection, conversation: Any, kind: str, settings: Settings, now: datetime
) -> tuple[list[int], list[str]]:
    """What an update changes besides itself; returns new update ids and messages to send."""
    if kind in settings.bot_escalate_on:
        return await hand_off(conn, conversation, reason=kind, now=now), []
    if kind not in {"wrong_party", "opt_out"}:
        return [], []
    channel, address = conversation.channel, conversation.address
    if kind == "wrong_party":
        # Whoever answers this address is not the debtor: nothing more goes there.
        entry = await invalidate_contact(
            conn,
            account_id=conversation.account_id,
            account_ref=conversation.account_ref,
            channel=channel,
            address=address,
            reason=kind,
            now=now,
        )
        body = texts.wrong_party_confirmation(settings.collector_name, channel)
    else:
        entry = await record_consent(
            conn,
            account_id=conversation.account_id,
            account_ref=conversation.account_ref,
            channel=channel,
            address=address,
            action="revoked",
            source="keyword",
            at=now,
            evidence=conversation.id,
        )
        body = texts.opt_out_confirmation(settings.collector_name, channel)
    await audit.append(conn, [entry])
    await close(conn, conversation, reason=kind, now=now)
    if channel == "voice":
        return [], []  # the IVR says it on the call; calling back to confirm would defeat it
    reply = reply_to(conversation, body, CONFIRMATION, settings)
    return [], await queue_replies(conn, [reply], now)
