"""Messages, their status timeline and the provider callbacks already applied (registered on
the shared metadata; exported by ``gateway.db.tables``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gateway.db.base import Id, metadata, one_of
from gateway.db.types import UTCDateTime
from gateway.messages.statuses import InboundStatus, OutboundStatus

messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("outreach_id", ForeignKey("outreach.id", ondelete="SET NULL")),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="SET NULL")),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("channel", String(10), nullable=False),
    Column("direction", String(10), nullable=False),
    # None on a channel without addresses (web chat): the conversation says where it goes.
    Column("address", String(320)),
    Column("subject", String(300)),
    Column("body", Text, nullable=False),
    # An email's HTML part and its own headers (In-Reply-To, References); None elsewhere.
    Column("html", Text),
    Column("headers", JSON),
    Column("provider", String(20), nullable=False),
    # Long enough for an email's Message-ID, the id inbound email is deduplicated on.
    Column("provider_id", String(300)),
    # Outbound messages outside an outreach (bot and agent replies, keyword confirmations).
    Column("purpose", String(20)),
    # What the outbound text is, for its disclosures (policies.facts.MESSAGE_KINDS; None: a
    # conversation message whose disclosure the gateway adds), and whether it mentions suit.
    Column("kind", String(30)),
    Column(
        "threatens_legal_action", Boolean, nullable=False, default=False, server_default=false()
    ),
    # The agent who wrote an outbound message (None: the assistant or Parley itself).
    Column("agent_id", ForeignKey("agents.id", ondelete="SET NULL")),
    Column("status", String(20), nullable=False),
    Column("error_code", String(40)),
    Column("error_message", Text),
    # A deferred outbound message: when it may go, and the send-time decision that said so.
    Column("not_before", UTCDateTime),
    Column("decision", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("provider", "provider_id"),
    Index(None, "outreach_id"),
    Index(None, "conversation_id", "created_at"),
    Index(None, "status", "updated_at"),
    CheckConstraint(
        f"(direction = 'outbound' AND {one_of('status', OutboundStatus)}) OR "
        f"(direction = 'inbound' AND {one_of('status', InboundStatus)})",
        name="status",
    ),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outreach_id", ForeignKey("outreach.id", ondelete="CASCADE")),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE")),
    Column("status", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", JSON),
    Index(None, "outreach_id"),
    Index(None, "message_id"),
)

# Provider callbacks already applied (Twilio status callbacks, recording callbacks): claimed
# with an atomic insert, so a callback delivered twice changes things once.
provider_events = Table(
    "provider_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("provider", String(20), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # What the provider sent, as it sent it.
    Column("raw", JSON),
    UniqueConstraint("provider", "event_id"),
)
