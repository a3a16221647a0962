"""The disclosure a conversation owes once the debtor is verified (15 U.S.C. 1692e(11)).

The assistant and agents write freely; the first message after verification is the one that
must say it comes from a debt collector (or, when nothing reached the consumer before, that
this is an attempt to collect a debt). The gateway adds what the account's ruleset and the
consumer's states require to that message (``kind`` reply), and the send core checks the text
like any template's; until such a message is on its way, the next one carries it. Before
verification nothing is added: whoever writes may not be the debtor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Label, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.conversations.replies import Reply
from gateway.db.tables import conversations, messages
from gateway.messages.statuses import OutboundStatus
from gateway.outreach.composing import state_disclosures_for
from gateway.outreach.rulesets import ruleset_for
from gateway.outreach.snapshots import load_snapshots
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
            select(conversations.c.verified_at, _disclosed(conversation.id)).where(
                conversations.c.id == conversation.id
            )
        )
    ).one()
    if state.verified_at is None or state.disclosed:
        return replies
    ruleset = ruleset_for(conversation.collector_type, settings.ruleset)
    initial = conversation.first_communication_at is None
    snapshots = await load_snapshots(
        conn, now=now, ids=[conversation.account_id], channel=conversation.channel
    )
    states = state_disclosures_for(
        snapshots[conversation.account_ref], conversation.channel, "reply", ruleset, settings
    )
    required = required_disclosures(ruleset, REPLY_KIND, initial, conversation.channel, states)
    if not required:
        return replies
    first = replies[0]
    replies[0] = replace(first, body=add_disclosures(first.body, required), kind=REPLY_KIND)
    return replies


def _disclosed(conversation_id: str) -> Label[bool]:
    """Whether a message carrying the disclosure went out, or may still: one the policy
    blocked or the provider refused never reached the consumer, so the next one carries it."""
    return (
        exists()
        .where(
            messages.c.conversation_id == conversation_id,
            messages.c.direction == "outbound",
            messages.c.kind == REPLY_KIND,
            messages.c.status.not_in((OutboundStatus.BLOCKED, OutboundStatus.FAILED)),
        )
        .label("disclosed")
    )
