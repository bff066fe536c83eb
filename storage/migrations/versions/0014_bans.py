"""Bans are kept while they hold: timed_restrictions.until may be NULL (a ban without end).

The table already held every temporary mute and ban; a permanent ban now gets a row too,
with no end, so the bot can refuse the banned person's join requests (QQ still delivers
some) until an admin lifts the ban. Existing rows keep their values.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Let ``until`` be NULL."""
    with op.batch_alter_table("timed_restrictions") as batch:
        batch.alter_column("until", existing_type=UTCDateTime(), nullable=True)


def downgrade() -> None:
    """Drop the bans without end (0013 cannot hold them), then make ``until`` required."""
    op.execute(sa.text("DELETE FROM timed_restrictions WHERE until IS NULL"))
    with op.batch_alter_table("timed_restrictions") as batch:
        batch.alter_column("until", existing_type=UTCDateTime(), nullable=False)
