"""spam tables: learned samples (shared by all groups), per-group settings, flagged messages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the spam tables."""
    op.create_table(
        "spam_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spam_samples"),
        sa.UniqueConstraint("digest", name="uq_spam_samples_digest"),
    )
    op.create_table(
        "spam_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.String(8), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("actions", sa.String(200), nullable=True),
        _chat_fk("spam_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_spam_settings"),
    )
    op.create_table(
        "spam_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("caught", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("spam_flags"),
        sa.PrimaryKeyConstraint("id", name="pk_spam_flags"),
    )
    op.create_index("ix_spam_flags_chat_id", "spam_flags", ["chat_id"])


def downgrade() -> None:
    """Remove the spam tables."""
    op.drop_index("ix_spam_flags_chat_id", table_name="spam_flags")
    op.drop_table("spam_flags")
    op.drop_table("spam_settings")
    op.drop_table("spam_samples")
