"""The agent console's records: agents, their private notes on conversations, canned responses
(registered on the shared metadata; ``gateway.db.tables`` exports them with the rest)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text

from gateway.db.base import metadata
from gateway.db.types import UTCDateTime

agents = Table(
    "agents",
    metadata,
    Column("id", String(40), primary_key=True),
    # Stored lower-cased: one person, one login, however they type it.
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('agent', 'supervisor')", name="role"),
)

conversation_notes = Table(
    "conversation_notes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("agent_id", ForeignKey("agents.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "conversation_id", "created_at"),
)

canned_responses = Table(
    "canned_responses",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("title", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by", ForeignKey("agents.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
