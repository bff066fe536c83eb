"""Lotteries: the lotteries, their entries (one per member) and winners.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the lotteries, lottery_entries and lottery_winners tables."""
    op.create_table(
        "lotteries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("prize", sa.String(1000), nullable=False),
        sa.Column("winners", sa.Integer(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("max_entries", sa.Integer(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("min_checkins", sa.Integer(), nullable=False),
        sa.Column("min_member_days", sa.Integer(), nullable=False),
        sa.Column("no_warnings", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=True),
        sa.Column("announced_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_lotteries_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lotteries"),
    )
    op.create_index("ix_lotteries_status", "lotteries", ["status", "ends_at"])
    op.create_table(
        "lottery_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lottery_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lottery_id"],
            ["lotteries.id"],
            name="fk_lottery_entries_lottery_id_lotteries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lottery_entries"),
        sa.UniqueConstraint("lottery_id", "user_id", name="uq_lottery_entries_lottery_id"),
    )
    op.create_table(
        "lottery_winners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lottery_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("won_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("replaced_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lottery_id"],
            ["lotteries.id"],
            name="fk_lottery_winners_lottery_id_lotteries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lottery_winners"),
        sa.UniqueConstraint("lottery_id", "place", name="uq_lottery_winners_place"),
        sa.UniqueConstraint("lottery_id", "user_id", name="uq_lottery_winners_user"),
    )


def downgrade() -> None:
    """Drop the lottery tables."""
    op.drop_table("lottery_winners")
    op.drop_table("lottery_entries")
    op.drop_index("ix_lotteries_status", table_name="lotteries")
    op.drop_table("lotteries")
