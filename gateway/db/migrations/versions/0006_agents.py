"""The agent console: agents, conversation notes, canned responses; who holds a conversation,
since when it waits, what agents have read; the agent behind a message or an update

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('agent', 'supervisor')", name="ck_agents_role"),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("email", name="uq_agents_email"),
    )
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_conversation_notes_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_conversation_notes_agent_id_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_notes"),
    )
    op.create_index(
        "ix_conversation_notes_conversation_id_created_at",
        "conversation_notes",
        ["conversation_id", "created_at"],
    )
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["agents.id"], name="fk_canned_responses_created_by_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_canned_responses"),
    )
    with op.batch_alter_table("conversations") as batch:
        # Nothing ever wrote it before agents existed, so the narrower type loses nothing.
        batch.alter_column(
            "assigned_agent",
            existing_type=sa.String(length=100),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
        batch.create_foreign_key(
            "fk_conversations_assigned_agent_agents",
            "agents",
            ["assigned_agent"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.add_column(sa.Column("waiting_since", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("agent_seen_at", UTCDateTime(timezone=True), nullable=True))
    for table in ("messages", "account_updates"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("agent_id", sa.String(length=40), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_agent_id_agents", "agents", ["agent_id"], ["id"], ondelete="SET NULL"
            )


def downgrade() -> None:
    for table in ("account_updates", "messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_agent_id_agents", type_="foreignkey")
            batch.drop_column("agent_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("agent_seen_at")
        batch.drop_column("waiting_since")
        batch.drop_constraint("fk_conversations_assigned_agent_agents", type_="foreignkey")
        batch.alter_column(
            "assigned_agent",
            existing_type=sa.String(length=40),
            type_=sa.String(length=100),
            existing_nullable=True,
        )
    op.drop_table("canned_responses")
    op.drop_index("ix_conversation_notes_conversation_id_created_at", "conversation_notes")
    op.drop_table("conversation_notes")
    op.drop_table("agents")
