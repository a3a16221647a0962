"""Email: a message's HTML part and its own headers, Message-IDs as provider ids, the files
that come with inbound email, the account's itemization for the validation notice, and the
contact history found by message (every delivery report settles one row)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("itemization", sa.JSON(), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
        batch.alter_column(
            "provider_id", existing_type=sa.String(length=100), type_=sa.String(length=300)
        )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column(
            "message_id",
            sa.String(length=40),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("refused", sa.String(length=30), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachments_message_id", "attachments", ["message_id"])
    op.create_index("ix_contact_events_message_id", "contact_events", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_events_message_id", table_name="contact_events")
    op.drop_table("attachments")
    with op.batch_alter_table("messages") as batch:
        batch.alter_column(
            "provider_id", existing_type=sa.String(length=300), type_=sa.String(length=100)
        )
        batch.drop_column("headers")
        batch.drop_column("html")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("itemization")
