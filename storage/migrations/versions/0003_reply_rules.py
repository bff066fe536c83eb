"""Keyword auto-replies and the per-group reply cooldown.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add reply_rules and chats.reply_cooldown."""
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("reply_cooldown", sa.Integer(), nullable=True))
    op.create_table(
        "reply_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("keyword", sa.String(600), nullable=False),
        sa.Column("match_key", sa.String(600), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_hit_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_reply_rules_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reply_rules"),
        sa.UniqueConstraint("chat_id", "mode", "match_key", name="uq_reply_rules_chat_id"),
    )
    op.create_index("ix_reply_rules_chat_id", "reply_rules", ["chat_id"])


def downgrade() -> None:
    """Drop what 0003 added."""
    op.drop_index("ix_reply_rules_chat_id", table_name="reply_rules")
    op.drop_table("reply_rules")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("reply_cooldown")
