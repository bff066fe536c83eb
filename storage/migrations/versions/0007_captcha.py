"""captcha tables: each group's captcha settings and the captchas waiting for an answer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the captcha tables."""
    op.create_table(
        "captcha_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("fail_action", sa.String(8), nullable=False),
        _chat_fk("captcha_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_captcha_settings"),
    )
    op.create_table(
        "captcha_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("chat_title", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("message_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.Column("fail_action", sa.String(8), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("captcha_pending"),
        sa.PrimaryKeyConstraint("id", name="pk_captcha_pending"),
        sa.UniqueConstraint("chat_id", "user_id", name="uq_captcha_pending_chat_id"),
    )


def downgrade() -> None:
    """Drop what 0007 added."""
    op.drop_table("captcha_pending")
    op.drop_table("captcha_settings")
