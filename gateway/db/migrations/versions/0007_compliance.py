"""Compliance depth: where each contact point came from, work addresses, when the consumer last
wrote from it and when a reassigned-numbers check found it theirs; time-barred debts, the first
communication and the validation notice of each account; what kind of communication each
message is (the disclosure a conversation owes goes on its message of kind "reply")

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_points") as batch:
        batch.add_column(sa.Column("provenance", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("work_address", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("consumer_used_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("reassigned_check_at", UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("time_barred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("limitations_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("first_communication_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("validation_provided_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("validation_source", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("validation_requested_at", UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=30), nullable=True))
        batch.add_column(
            sa.Column(
                "threatens_legal_action", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("threatens_legal_action")
        batch.drop_column("kind")
    with op.batch_alter_table("accounts") as batch:
        for column in (
            "validation_requested_at",
            "validation_source",
            "validation_provided_at",
            "first_communication_at",
            "limitations_date",
            "time_barred",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("contact_points") as batch:
        for column in ("reassigned_check_at", "consumer_used_at", "work_address", "provenance"):
            batch.drop_column(column)
