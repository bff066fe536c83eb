"""Night mode: each group's nightly closed period and the permissions kept to restore.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the night_mode table."""
    op.create_table(
        "night_mode",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("hours", sa.String(16), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("saved_rights", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_night_mode_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", name="pk_night_mode"),
    )


def downgrade() -> None:
    """Drop the night_mode table."""
    op.drop_table("night_mode")
