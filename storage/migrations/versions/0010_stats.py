"""stats tables: member days, hourly messages, daily figures, per-group stats settings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the stats tables."""
    op.create_table(
        "stats_member_days",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Boolean(), nullable=False),
        sa.Column("left", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "day", "user_id", name="pk_stats_member_days"),
    )
    op.create_table(
        "stats_hours",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "day", "hour", name="pk_stats_hours"),
    )
    op.create_table(
        "stats_daily",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "day", name="pk_stats_daily"),
    )
    op.create_index("ix_stats_daily_day", "stats_daily", ["day"])
    op.create_table(
        "stats_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("access", sa.String(8), nullable=True),
        sa.Column("digest_period", sa.String(8), nullable=True),
        sa.Column("digest_time", sa.String(5), nullable=True),
        sa.Column("digest_private", sa.Boolean(), nullable=False),
        sa.Column("digest_to", sa.BigInteger(), nullable=True),
        sa.Column("digest_next_at", UTCDateTime(), nullable=True),
        sa.Column("alert_percent", sa.Integer(), nullable=True),
        sa.Column("alert_checked_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_stats_settings_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", name="pk_stats_settings"),
    )
    op.create_index("ix_stats_settings_digest_next_at", "stats_settings", ["digest_next_at"])
    op.create_index("ix_checkins_day", "checkins", ["chat_id", "day"])


def downgrade() -> None:
    """Remove the stats tables."""
    op.drop_index("ix_checkins_day", table_name="checkins")
    op.drop_index("ix_stats_settings_digest_next_at", table_name="stats_settings")
    op.drop_table("stats_settings")
    op.drop_index("ix_stats_daily_day", table_name="stats_daily")
    op.drop_table("stats_daily")
    op.drop_table("stats_hours")
    op.drop_table("stats_member_days")
