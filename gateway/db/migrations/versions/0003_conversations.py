"""conversations: address, verification, escalation; messages.purpose; update delivery fields

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("address", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("verified_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("verify_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("escalation_reason", sa.String(length=200), nullable=True))
        batch.create_index("ix_conversations_channel_address", ["channel", "address"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=20), nullable=True))
        batch.create_index(
            "ix_messages_conversation_id_created_at", ["conversation_id", "created_at"]
        )
    with op.batch_alter_table("account_updates") as batch:
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_account_updates_dedupe_key", ["dedupe_key"])
        batch.create_index(
            "ix_account_updates_delivery_state_created_at", ["delivery_state", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("account_updates") as batch:
        batch.drop_index("ix_account_updates_delivery_state_created_at")
        batch.drop_constraint("uq_account_updates_dedupe_key", type_="unique")
        batch.drop_column("dedupe_key")
        batch.drop_column("last_error")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_conversation_id_created_at")
        batch.drop_column("purpose")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_channel_address")
        batch.drop_column("escalation_reason")
        batch.drop_column("verify_attempts")
        batch.drop_column("verified_at")
        batch.drop_column("address")
