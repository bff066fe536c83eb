"""Invites: each group's invite rewards, members' own invite links, and first joins by source.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the invite_settings, invite_links and invites tables."""
    op.create_table(
        "invite_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("stay_days", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("require", sa.String(8), nullable=False),
        _chat_fk("invite_settings"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_invite_settings"),
    )
    op.create_table(
        "invite_links",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("link", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _chat_fk("invite_links"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_invite_links"),
        sa.UniqueConstraint("chat_id", "link", name="uq_invite_links_chat_id"),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("invitee_id", sa.BigInteger(), nullable=False),
        sa.Column("invitee_name", sa.String(255), nullable=False),
        sa.Column("inviter_id", sa.BigInteger(), nullable=True),
        sa.Column("inviter_name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("link", sa.String(255), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        _chat_fk("invites"),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
        sa.UniqueConstraint("chat_id", "invitee_id", name="uq_invites_chat_id"),
    )
    op.create_index("ix_invites_pending", "invites", ["status", "joined_at"])
    op.create_index("ix_invites_inviter", "invites", ["chat_id", "inviter_id", "joined_at"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index("ix_invites_inviter", table_name="invites")
    op.drop_index("ix_invites_pending", table_name="invites")
    op.drop_table("invites")
    op.drop_table("invite_links")
    op.drop_table("invite_settings")
