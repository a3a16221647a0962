"""Transcription: recordings from dialers, their redacted transcripts, held audio, the review queue

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = "status IN ('queued', 'transcribing', 'transcribed', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.alter_column("provider_id", type_=sa.String(length=200), existing_nullable=False)
        batch.alter_column("url", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("conversation_id", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("direction", sa.String(length=10), nullable=False, server_default="inbound")
        )
        batch.add_column(sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("error", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("transcript", sa.Text(), nullable=True))
        batch.add_column(sa.Column("segments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("transcribed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("provider_deleted_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_recordings_conversation_id_conversations",
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Recordings kept before transcription existed carry Twilio's status ("completed"): they
    # are waiting to be transcribed.
    op.execute(
        "UPDATE recordings SET updated_at = created_at, recorded_at = created_at, "
        "status = 'queued' WHERE status NOT IN ('queued', 'transcribing', 'transcribed', 'failed')"
    )
    op.execute("UPDATE recordings SET updated_at = created_at WHERE updated_at IS NULL")
    with op.batch_alter_table("recordings") as batch:
        batch.alter_column("updated_at", existing_type=UTCDateTime(timezone=True), nullable=False)
        batch.create_check_constraint("status", STATUSES)
    op.create_index("ix_recordings_status_updated_at", "recordings", ["status", "updated_at"])
    op.create_table(
        "recording_audio",
        sa.Column("recording_id", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name="fk_recording_audio_recording_id_recordings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recording_id", name="pk_recording_audio"),
    )
    with op.batch_alter_table("account_updates") as batch:
        batch.add_column(sa.Column("recording_id", sa.String(length=40), nullable=True))
        batch.create_foreign_key(
            "fk_account_updates_recording_id_recordings",
            "recordings",
            ["recording_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "transcript_reviews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("recording_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("update_id", ID, nullable=True),
        sa.Column("agent_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'corrected', 'discarded')",
            name="ck_transcript_reviews_status",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name="fk_transcript_reviews_recording_id_recordings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_transcript_reviews_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["account_updates.id"],
            name="fk_transcript_reviews_update_id_account_updates",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_transcript_reviews_agent_id_agents",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transcript_reviews"),
        sa.UniqueConstraint("recording_id", "kind", name="uq_transcript_reviews_recording_id_kind"),
    )
    op.create_index(
        "ix_transcript_reviews_status_created_at", "transcript_reviews", ["status", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_transcript_reviews_status_created_at", table_name="transcript_reviews")
    op.drop_table("transcript_reviews")
    with op.batch_alter_table("account_updates") as batch:
        batch.drop_constraint("fk_account_updates_recording_id_recordings", type_="foreignkey")
        batch.drop_column("recording_id")
    op.drop_table("recording_audio")
    op.drop_index("ix_recordings_status_updated_at", table_name="recordings")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_constraint("ck_recordings_status", type_="check")
        batch.drop_constraint("fk_recordings_conversation_id_conversations", type_="foreignkey")
        for column in (
            "updated_at",
            "provider_deleted_at",
            "transcribed_at",
            "confidence",
            "segments",
            "transcript",
            "error",
            "attempts",
            "recorded_at",
            "direction",
            "conversation_id",
        ):
            batch.drop_column(column)
        batch.alter_column("url", existing_type=sa.Text(), nullable=False)
        batch.alter_column("provider_id", type_=sa.String(length=100), existing_nullable=False)
