"""STOP, START and HELP (and "wrong number"): what a keyword changes, and what Parley answers.

A keyword speaks for the channel and address it came from: STOP by text does not revoke calls,
and START by text does not re-grant them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import InboundText
from gateway.config import Settings
from gateway.conversations import texts
from gateway.db.tables import contact_points
from gateway.records.accounts import invalidate_contact
from gateway.records.audit import AuditEntry
from gateway.records.consent import record_consent
from gateway.records.updates import NewUpdate, record_update
from policies import Keyword, says_wrong_party


async def confirmed_keyword(
    conn: AsyncConnection, keyword: Keyword, account_id: int, text: InboundText
) -> Keyword:
    """The keyword as it stands for this account: a "yes" (START) while consent stands is no
    keyword at all but an answer to the assistant."""
    if keyword is Keyword.OPT_IN:
        consent = await conn.scalar(
            select(contact_points.c.consent).where(
                contact_points.c.account_id == account_id,
                contact_points.c.channel == text.channel,
                contact_points.c.address == text.address,
            )
        )
        if consent == "granted":
            return Keyword.NONE  # nothing to re-grant
    return keyword


async def apply_keyword(
    conn: AsyncConnection,
    keyword: Keyword,
    text: InboundText,
    sender: Any,
    message_id: str,
    conversation_id: str,
    entries: list[AuditEntry],
    settings: Settings,
) -> tuple[str, list[int]]:
    """Record what the keyword changes (its audit entries go to ``entries``); returns the
    confirmation to send and the ids of account updates recorded."""
    collector = settings.collector_name
    if keyword is Keyword.HELP:
        return texts.help_text(collector, settings.collector_phone), []
    assert text.address is not None  # channels without addresses have no keywords
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
        return texts.opt_in_confirmation(collector), []
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
            conversation_id=conversation_id,
            message_id=message_id,
            dedupe_key=f"keyword:{message_id}",
        ),
        now=text.received_at,
    )
    if kind == "opt_out":
        return texts.opt_out_confirmation(collector, text.channel), [stored.id]
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
    return texts.wrong_party_confirmation(collector, text.channel), [stored.id]
