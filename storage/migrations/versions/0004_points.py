"""Check-in points: accounts, the ledger, check-in days, the shop and its redemptions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the points tables."""
    op.create_table(
        "points_accounts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("last_checkin", sa.Date(), nullable=True),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("activity_day", sa.Date(), nullable=True),
        sa.Column("activity_today", sa.Integer(), nullable=False),
        sa.Column("activity_at", UTCDateTime(), nullable=True),
        _chat_fk("points_accounts"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_points_accounts"),
    )
    op.create_index("ix_points_accounts_rank", "points_accounts", ["chat_id", "earned"])
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("points_ledger"),
        sa.PrimaryKeyConstraint("id", name="pk_points_ledger"),
    )
    op.create_index("ix_points_ledger_member", "points_ledger", ["chat_id", "user_id", "id"])
    op.create_index("ix_points_ledger_time", "points_ledger", ["chat_id", "created_at"])
    op.create_table(
        "checkins",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("made_up", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("checkins"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", "day", name="pk_checkins"),
    )
    op.create_table(
        "shop_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("shop_items"),
        sa.PrimaryKeyConstraint("id", name="pk_shop_items"),
        sa.UniqueConstraint("chat_id", "name", name="uq_shop_items_chat_id"),
    )
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("item_name", sa.String(64), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("redemptions"),
        sa.PrimaryKeyConstraint("id", name="pk_redemptions"),
    )
    op.create_index("ix_redemptions_chat_id", "redemptions", ["chat_id"])
    op.create_table(
        "checkin_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        _chat_fk("checkin_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_checkin_settings"),
    )


def downgrade() -> None:
    """Drop what 0004 added."""
    op.drop_table("checkin_settings")
    op.drop_index("ix_redemptions_chat_id", table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_table("shop_items")
    op.drop_table("checkins")
    op.drop_index("ix_points_ledger_time", table_name="points_ledger")
    op.drop_index("ix_points_ledger_member", table_name="points_ledger")
    op.drop_table("points_ledger")
    op.drop_index("ix_points_accounts_rank", table_name="points_accounts")
    op.drop_table("points_accounts")
