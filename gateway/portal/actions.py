"""What a debtor does in the portal becomes an account update exactly like the bot's and the
agent's: the same normalisation and validation, consequences, audit and delivery to the core
system (``gateway.conversations.capture``), recorded in the web-chat conversation of the
debtor's link with source ``portal``.

A dispute may carry a document (a letter, a receipt): it is checked like an email's
attachment, kept, and listed on a message of the conversation, where agents see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import Attachment
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.attachments import list_files, refusal
from gateway.conversations.capture import capture
from gateway.conversations.store import load_conversation
from gateway.conversations.verification import debtor_zone
from gateway.db.tables import messages
from gateway.errors import Forbidden, ValidationFailed
from gateway.ids import new_id
from gateway.messages.statuses import InboundStatus
from gateway.portal.sessions import PortalSession

SOURCE = "portal"
KINDS = (
    "promise_to_pay",
    "payment_plan_request",
    "dispute",
    "hardship",
    "callback_request",
    "already_paid",
)
_REFUSALS = {
    "too_large": "The file is too large.",
    "type_not_allowed": "Send a PDF, a photo (JPEG, PNG, HEIC) or a text file.",
}


def check_document(document: Attachment | None, settings: Settings) -> None:
    """Refuse a document that would not be kept, naming the field; None passes."""
    if document is None:
        return
    why = refusal(document, settings)
    if why is not None:
        details = [{"field": "document", "message": _REFUSALS[why]}]
        raise ValidationFailed(details[0]["message"], details=details, code="invalid_document")


async def record_action(
    conn: AsyncConnection,
    session: PortalSession,
    kind: str,
    raw: Mapping[str, str | None],
    settings: Settings,
    now: datetime,
    *,
    nonce: str,
    document: Attachment | None = None,
) -> AfterCommit:
    """Record one portal action in the caller's transaction; returns the work to start once it
    commits. ``nonce`` (one per form shown) makes a form sent twice record once. A dispute's
    ``document`` must have passed ``check_document`` and been stored (``store_files``).
    """
    if kind not in KINDS:
        raise ValidationFailed(f"unknown action {kind!r}", details=[{"field": "kind"}])
    conversation = await load_conversation(conn, session.conversation_id, lock=True)
    if conversation.account_id != session.account_id:
        raise Forbidden("this conversation is not the session's", code="not_yours")
    values = dict(raw)
    if kind == "callback_request":
        values["timezone"] = debtor_zone(conversation)
    captured = await capture(
        conn,
        conversation,
        kind,
        values,
        settings,
        now,
        source=SOURCE,
        dedupe_key=f"portal:{session.link_id}:{nonce}"[:200],
    )
    if document is not None and captured.after.updates:
        await _list_document(conn, conversation, document, settings, now)
    after = await load_conversation(conn, conversation.id)
    return captured.after.escalation(conversation, after)


async def _list_document(
    conn: AsyncConnection,
    conversation: Any,
    document: Attachment,
    settings: Settings,
    now: datetime,
) -> None:
    """The document on a message of the conversation, for agents to open."""
    message_id = new_id("msg")
    await conn.execute(
        messages.insert().values(
            id=message_id,
            conversation_id=conversation.id,
            account_id=conversation.account_id,
            channel="chat",
            direction="inbound",
            address=None,
            body="Dispute document sent from the portal.",
            provider=SOURCE,
            provider_id=message_id,
            status=InboundStatus.FOR_AGENT,
            created_at=now,
            updated_at=now,
        )
    )
    await list_files(conn, message_id, [document], settings, now)
