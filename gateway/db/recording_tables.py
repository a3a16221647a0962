"""Recordings and what transcription makes of them (registered on the shared metadata;
``gateway.db.tables`` exports them with the rest)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.db.base import Id, metadata, one_of
from gateway.db.types import UTCDateTime

RECORDING_STATUSES = ("queued", "transcribing", "transcribed", "failed")
REVIEW_STATUSES = ("pending", "confirmed", "corrected", "discarded")

# A voicemail left in the IVR (provider "twilio") or a call recording a core system sent
# (provider "dialer", deduplicated on its external id). The transcript is stored redacted only.
recordings = Table(
    "recordings",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("provider_id", String(200), nullable=False),
    Column("call_id", ForeignKey("calls.id", ondelete="SET NULL")),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="SET NULL")),
    # Where the audio is fetched from; None for an upload (its bytes are in recording_audio).
    Column("url", Text),
    Column("direction", String(10), nullable=False, server_default="inbound"),
    Column("recorded_at", UTCDateTime),
    Column("duration_seconds", Integer),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", String(200)),
    Column("transcript", Text),
    Column("segments", JSON),
    Column("confidence", Float),
    Column("transcribed_at", UTCDateTime),
    Column("provider_deleted_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("provider", "provider_id"),
    CheckConstraint(one_of("status", RECORDING_STATUSES), name="status"),
    Index(None, "status", "updated_at"),
)

# Audio Parley holds: an upload until it is transcribed, or any recording with keep_audio.
recording_audio = Table(
    "recording_audio",
    metadata,
    Column("recording_id", ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True),
    Column("content_type", String(100), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# What a transcript seemed to say but a person must confirm (low confidence, or a kind that is
# always checked); confirming records the account update, discarding keeps the row as evidence.
transcript_reviews = Table(
    "transcript_reviews",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("recording_id", ForeignKey("recordings.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("data", JSON, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("reason", String(40), nullable=False),
    # The redacted sentence it was read from.
    Column("excerpt", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("update_id", ForeignKey("account_updates.id", ondelete="SET NULL")),
    Column("agent_id", ForeignKey("agents.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    UniqueConstraint("recording_id", "kind"),
    CheckConstraint(one_of("status", REVIEW_STATUSES), name="status"),
    Index(None, "status", "created_at"),
)
