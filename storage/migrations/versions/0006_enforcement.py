"""enforcement tables: allow list, warnings, timed restrictions, moderation log, reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the enforcement tables."""
    op.create_table(
        "approved_members",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("approved_members"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_approved_members"),
    )
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("warnings"),
        sa.PrimaryKeyConstraint("id", name="pk_warnings"),
    )
    op.create_index("ix_warnings_member", "warnings", ["chat_id", "user_id", "created_at"])
    op.create_table(
        "timed_restrictions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("timed_restrictions"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", "kind", name="pk_timed_restrictions"),
    )
    op.create_index("ix_timed_restrictions_until", "timed_restrictions", ["until"])
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_text", sa.String(500), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("moderation_log"),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_log"),
    )
    op.create_index("ix_moderation_log_chat", "moderation_log", ["chat_id", "id"])
    op.create_table(
        "enforcement_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("warn_expiry", sa.Integer(), nullable=True),
        sa.Column("warn_ladder", sa.String(300), nullable=True),
        sa.Column("log_chat_id", sa.BigInteger(), nullable=True),
        _chat_fk("enforcement_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_enforcement_settings"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=True),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_text", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("handled_action", sa.String(16), nullable=True),
        _chat_fk("reports"),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
    )
    op.create_index("ix_reports_reporter", "reports", ["chat_id", "reporter_id", "created_at"])


def downgrade() -> None:
    """Drop what 0006 added."""
    op.drop_index("ix_reports_reporter", table_name="reports")
    op.drop_table("reports")
    op.drop_table("enforcement_settings")
    op.drop_index("ix_moderation_log_chat", table_name="moderation_log")
    op.drop_table("moderation_log")
    op.drop_index("ix_timed_restrictions_until", table_name="timed_restrictions")
    op.drop_table("timed_restrictions")
    op.drop_index("ix_warnings_member", table_name="warnings")
    op.drop_table("warnings")
    op.drop_table("approved_members")
