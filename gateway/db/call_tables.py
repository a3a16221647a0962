"""Phone calls (registered on the shared metadata with every other table;
``gateway.db.tables`` exports them with the rest)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from gateway.db.base import metadata
from gateway.db.types import UTCDateTime

# One phone call, inbound or outbound: its IVR position and what the call status said.
calls = Table(
    "calls",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("provider_id", String(100)),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="SET NULL")),
    # Set for voice outreach: the message row recorded before and after the Calls API request.
    Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
    Column("direction", String(10), nullable=False),
    Column("address", String(320), nullable=False),
    Column("status", String(20), nullable=False),
    Column("answered_by", String(30)),
    Column("outcome", String(20)),
    Column("step", String(30), nullable=False),
    Column("retries", Integer, nullable=False, default=0, server_default="0"),
    Column("data", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("provider", "provider_id"),
    Index(None, "message_id"),
)
