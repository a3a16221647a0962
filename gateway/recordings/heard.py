"""Recording what a recording said as an account update, the same way whether the finding was
sure or an agent confirmed it: one update per recording and kind (its dedupe key), source
``transcript``, and the consequences each kind has.

Most kinds go through ``capture`` like the bot's (a dispute's hold, a handoff for hardship).
Two are different when heard in a recording:

- an opt-out gives up a medium, not one number: "stop calling me" revokes consent for every
  address the account has on that medium (failing closed), as the consumer's own revocation
  (source ``transcript``, which a core system's sync cannot undo), and no confirmation is sent;
- attorney representation, only ever recorded once an agent confirms it, sets the account's
  flag, which stops contact with the consumer (12 CFR 1006.6(b)(2)).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.capture import capture
from gateway.conversations.store import load_conversation
from gateway.conversations.update_data import normalise
from gateway.conversations.verification import terms_for
from gateway.db.tables import accounts, contact_points
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.consent import record_consent
from gateway.records.updates import NewUpdate, record_update


async def record_heard(
    conn: AsyncConnection,
    conversation: Any,
    *,
    recording_id: str,
    kind: str,
    raw: dict[str, str | None],
    confidence: float,
    settings: Settings,
    now: datetime,
    agent_id: str | None = None,
) -> tuple[int | None, AfterCommit]:
    """Record one finding; returns the update's id and the work to start after commit. Bad
    values raise ValidationFailed naming the field (nothing is written)."""
    key = f"{recording_id}:{kind}"
    if kind not in {"opt_out", "attorney_represented"}:
        captured = await capture(
            conn,
            conversation,
            kind,
            raw,
            settings,
            now,
            source="transcript",
            dedupe_key=key,
            agent_id=agent_id,
            confidence=confidence,
            recording_id=recording_id,
        )
        after = captured.after
        # A kind in bot_escalate_on (hardship) hands the conversation to a person: consoles
        # hear of it as of any other escalation.
        after.escalation(conversation, await load_conversation(conn, conversation.id))
        return captured.update_id, after
    new = NewUpdate(
        kind=kind,
        data=normalise(kind, raw, terms_for(conversation, settings)),
        source="transcript",
        confidence=confidence,
        conversation_id=conversation.id,
        dedupe_key=key,
        agent_id=agent_id,
        recording_id=recording_id,
    )
    stored = await record_update(
        conn,
        account_id=conversation.account_id,
        account_ref=conversation.account_ref,
        update=new,
        now=now,
        ruleset_override=settings.ruleset,
    )
    if not stored.created:
        return stored.id, AfterCommit()
    if kind == "opt_out":
        channel = str(new.data.get("channel") or "voice")
        await _revoke_medium(conn, conversation, channel, recording_id, now)
    else:
        await _represented(conn, conversation, agent_id, now)
    return stored.id, AfterCommit(updates=[stored.id])


async def _revoke_medium(
    conn: AsyncConnection, conversation: Any, channel: str, evidence: str, now: datetime
) -> None:
    rows = await conn.execute(
        select(contact_points.c.address).where(
            contact_points.c.account_id == conversation.account_id,
            contact_points.c.channel == channel,
            contact_points.c.consent != "revoked",
        )
    )
    entries = [
        await record_consent(
            conn,
            account_id=conversation.account_id,
            account_ref=conversation.account_ref,
            channel=channel,
            address=row.address,
            action="revoked",
            source="transcript",
            at=now,
            evidence=evidence,
        )
        for row in rows
    ]
    await audit.append(conn, entries)


async def _represented(
    conn: AsyncConnection, conversation: Any, agent_id: str | None, now: datetime
) -> None:
    before = await conn.scalar(
        select(accounts.c.attorney_represented).where(accounts.c.id == conversation.account_id)
    )
    if before:
        return
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == conversation.account_id)
        .values(attorney_represented=True, updated_at=now)
    )
    flags = {"agent_id": agent_id, "flags": {"attorney_represented": [False, True]}}
    entry = AuditEntry(
        account_chain(conversation.account_ref),
        "account.attorney_represented",
        now,
        flags,
        conversation.id,
    )
    await audit.append(conn, [entry])
