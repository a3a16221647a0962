"""The disclosure a conversation owes once the debtor is verified (15 U.S.C. 1692e(11)).

The assistant and agents write freely; the first message after verification is the one that
must say it comes from a debt collector (or, when nothing reached the consumer before, that
this is an attempt to collect a debt). The gateway adds what the account's ruleset requires
to that message, marks the conversation as disclosed, and the send core checks the text like
any template's. Before verification nothing is added: whoever writes may not be the debtor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.replies import Reply
from gateway.db.tables import conversations
from gateway.outreach.rulesets import ruleset_for
from policies.disclosures import add_disclosures, required_disclosures

REPLY_KIND = "reply"


async def disclose_once(
    conn: AsyncConnection,
    conversation: Any,
    replies: Sequence[Reply],
    settings: Settings,
    now: datetime,
) -> list[Reply]:
    """``replies`` with the disclosure added to the first one when it is owed."""
    replies = list(replies)
    if not replies or conversation.collector_type is None:
        return replies
    # Read now, not from ``conversation``: a bot turn loads it before Rasa verifies the debtor.
    state = (
        await conn.execute(
            select(conversations.c.verified_at, conversations.c.disclosed_at).where(
                conversations.c.id == conversation.id
            )
        )
    ).one()
    if state.verified_at is None or state.disclosed_at is not None:
        return replies
    ruleset = ruleset_for(conversation.collector_type, settings.ruleset)
    initial = conversation.first_communication_at is None
    required = required_disclosures(ruleset, REPLY_KIND, initial, conversation.channel)
    if not required:
        return replies
    first = replies[0]
    replies[0] = replace(first, body=add_disclosures(first.body, required), kind=REPLY_KIND)
    await conn.execute(
        update(conversations).where(conversations.c.id == conversation.id).values(disclosed_at=now)
    )
    return replies
