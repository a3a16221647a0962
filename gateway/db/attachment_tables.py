"""Files that came with inbound messages (registered on the shared metadata; exported by
``gateway.db.tables``)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from gateway.db.base import metadata
from gateway.db.types import UTCDateTime

# A file kept from an inbound email (a dispute letter), listed for agents on the conversation.
# The bytes live under the var directory, named by their SHA-256; refused files are listed
# too, with why, so an agent knows the consumer sent something.
attachments = Table(
    "attachments",
    metadata,
    Column("id", String(40), primary_key=True),
    # The conversation and account are the message's.
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    # None: kept; otherwise why the file was not kept (too_large, type_not_allowed).
    Column("refused", String(30)),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "message_id"),
)
