"""The debtor portal's signed links (registered on the shared metadata; exported by
``gateway.db.tables``)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from gateway.db.base import metadata
from gateway.db.types import UTCDateTime

# A link into the portal, sent in a text or an email. Only the SHA-256 of its token is kept,
# so the table cannot be read back into working links. The identity check behind the link runs
# in a web-chat conversation of its own (``conversation_id``, made on the first answer), whose
# attempts lock the link once they are used up.
portal_links = Table(
    "portal_links",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The message the link went out in; None for a link a core system asked for.
    Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="SET NULL")),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("locked_at", UTCDateTime),
    Column("verified_at", UTCDateTime),
    Index(None, "account_id"),
)
