"""The audit trail: hash-chained rows per account (and a system chain), and each chain's head
(registered on the shared metadata; ``gateway.db.tables`` exports them with the rest)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.db.base import Id, metadata
from gateway.db.types import UTCDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chain_key", String(140), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("event", String(60), nullable=False),
    Column("subject", String(140)),
    # The canonical JSON text that was hashed; kept verbatim so verification never re-encodes.
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain_key", "seq"),
    Index(None, "subject"),
)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("chain_key", String(140), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
