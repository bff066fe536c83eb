"""Inactivity cleanup: settings, exemptions, warnings, contacts, the bot's join time, an index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the cleanup tables, chats.bot_joined_at and the members' silence index."""
    op.add_column("chats", sa.Column("bot_joined_at", UTCDateTime(), nullable=True))
    # Covers the silence queries: present humans of a group, by last sight (see MemberRow).
    op.create_index(
        "ix_members_silence",
        "members",
        ["chat_id", "left_at", "is_bot", "last_seen", "user_id", "joined_at"],
    )
    op.create_table(
        "cleanup_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("auto_days", sa.Integer(), nullable=True),
        sa.Column("warn_days", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _chat_fk("cleanup_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_cleanup_settings"),
    )
    op.create_index("ix_cleanup_settings_last_run_at", "cleanup_settings", ["last_run_at"])
    op.create_table(
        "cleanup_exemptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("cleanup_exemptions"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_cleanup_exemptions"),
    )
    op.create_table(
        "cleanup_warnings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("warned_at", UTCDateTime(), nullable=False),
        _chat_fk("cleanup_warnings"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_cleanup_warnings"),
    )
    op.create_table(
        "started_users",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_started_users"),
    )


def downgrade() -> None:
    """Drop what 0009 added."""
    op.drop_table("started_users")
    op.drop_table("cleanup_warnings")
    op.drop_table("cleanup_exemptions")
    op.drop_index("ix_cleanup_settings_last_run_at", table_name="cleanup_settings")
    op.drop_table("cleanup_settings")
    op.drop_index("ix_members_silence", table_name="members")
    # SQLite (3.35+) and PostgreSQL both drop a plain column in place.
    op.drop_column("chats", "bot_joined_at")
