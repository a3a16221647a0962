"""Recording what a debtor said (promise, dispute, hardship...) with its consequences.

The bot API and the IVR both come here, so a promise made by text and one made by keypad
become the same account update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations import texts
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.handoff import hand_off
from gateway.conversations.replies import queue_replies, reply_to
from gateway.conversations.store import close
from gateway.conversations.update_data import normalise
from gateway.conversations.verification import terms_for
from gateway.messages.send_decision import CONFIRMATION
from gateway.records import audit
from gateway.records.accounts import invalidate_contact
from gateway.records.consent import record_consent
from gateway.records.updates import NewUpdate, record_update


@dataclass(slots=True)
class Captured:
    """The stored update, and the work to start once the transaction commits."""

    update_id: int | None
    data: dict[str, Any]
    after: AfterCommit = field(default_factory=AfterCommit)


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
    agent_id: str | None = None,
    turn_running: bool = False,
    confidence: float | None = None,
    recording_id: str | None = None,
) -> Captured:
    """Normalise and store one update of ``kind``; a new one also has its consequences.

    ``turn_running``: the assistant records it in the middle of a turn (see ``escalate``).
    """
    data = normalise(kind, raw, terms_for(conversation, settings))
    if kind == "handoff":
        updates = await hand_off(
            conn, conversation, reason=data["reason"], now=now, turn_running=turn_running
        )
        return Captured(updates[0] if updates else None, data, AfterCommit(updates=updates))
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
            agent_id=agent_id,
            confidence=confidence,
            recording_id=recording_id,
        ),
        now=now,
        ruleset_override=settings.ruleset,
    )
    captured = Captured(stored.id, stored.public["data"])
    if stored.created:
        more, sends = await _consequences(conn, conversation, kind, settings, now, turn_running)
        captured.after = AfterCommit(sends=sends, updates=[stored.id, *more])
    return captured


async def _consequences(
    conn: AsyncConnection,
    conversation: Any,
    kind: str,
    settings: Settings,
    now: datetime,
    turn_running: bool,
) -> tuple[list[int], list[str]]:
    """What an update changes besides itself; returns new update ids and messages to send."""
    if kind in settings.bot_escalate_on:
        handed = await hand_off(conn, conversation, reason=kind, now=now, turn_running=turn_running)
        return handed, []
    if kind not in {"wrong_party", "opt_out"}:
        return [], []
    channel, address = conversation.channel, conversation.address
    if address is None:
        # A chat session has no contact point to stop using: the conversation just ends.
        await close(conn, conversation, reason=kind, now=now)
        return [], []
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
    return [], await queue_replies(conn, [reply], now, settings)
