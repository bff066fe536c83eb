"""Moderation engine: per-group settings, banned words and allowed link domains.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the moderation tables."""
    op.create_table(
        "moderation_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        _chat_fk("moderation_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_moderation_settings"),
    )
    op.create_table(
        "moderation_bad_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.String(600), nullable=False),
        sa.Column("match_key", sa.String(600), nullable=False),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("moderation_bad_words"),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_bad_words"),
        sa.UniqueConstraint(
            "chat_id", "match_key", "is_regex", name="uq_moderation_bad_words_chat_id"
        ),
    )
    op.create_table(
        "moderation_domains",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("moderation_domains"),
        sa.PrimaryKeyConstraint("chat_id", "domain", name="pk_moderation_domains"),
    )


def downgrade() -> None:
    """Remove the moderation tables."""
    op.drop_table("moderation_domains")
    op.drop_table("moderation_bad_words")
    op.drop_table("moderation_settings")
