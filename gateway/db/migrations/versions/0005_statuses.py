"""Explicit status sets (CHECK constraints); deferred messages keep their due time and decision;
messages without an address (web chat); provider events keep what the provider sent

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the status sets as of this revision: a later change to the enums in the
# code needs a migration of its own, not a silent change of this one.
OUTBOUND = (
    "queued",
    "deferred",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "blocked",
    "unknown",
)
INBOUND = ("received", "pending", "answered", "for_agent", "keyword")
OUTREACH = ("queued", "deferred", "sending", "sent", "delivered", "failed", "blocked", "unknown")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("not_before", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision", sa.JSON(), nullable=True))
        # Web chat has no address: the conversation is where a message goes.
        batch.alter_column("address", existing_type=sa.String(length=320), nullable=True)
        batch.create_check_constraint(
            "status",
            f"(direction = 'outbound' AND {_in('status', OUTBOUND)}) OR "
            f"(direction = 'inbound' AND {_in('status', INBOUND)})",
        )
        batch.create_index("ix_messages_status_updated_at", ["status", "updated_at"])
    with op.batch_alter_table("outreach") as batch:
        batch.create_check_constraint("status", _in("status", OUTREACH))
    with op.batch_alter_table("provider_events") as batch:
        batch.add_column(sa.Column("raw", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_events") as batch:
        batch.drop_column("raw")
    with op.batch_alter_table("outreach") as batch:
        batch.drop_constraint("ck_outreach_status", type_="check")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_status_updated_at")
        batch.drop_constraint("ck_messages_status", type_="check")
        batch.alter_column("address", existing_type=sa.String(length=320), nullable=False)
        batch.drop_column("decision")
        batch.drop_column("not_before")
