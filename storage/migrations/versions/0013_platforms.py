"""Platforms: each group row says which platform it is on; join requests keep their handle.

Ids carry their platform (``core.ids``): Telegram's are stored as they are, so every existing
row keeps its values and is a Telegram row. Another platform's ids live in their own band of
the same BigInteger columns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# OneBot's band of ids (code 1 << 56 up to 2 << 56), as ``core.ids`` lays them out.
_ONEBOT_FIRST = 1 << 56
_ONEBOT_END = 2 << 56


def upgrade() -> None:
    """Add chats.platform (every existing row: telegram) and captcha_pending.reference."""
    with op.batch_alter_table("chats") as batch:
        batch.add_column(
            sa.Column("platform", sa.String(16), nullable=False, server_default="telegram")
        )
    # The server default filled every row with telegram; ids in another band say otherwise.
    op.execute(
        sa.text("UPDATE chats SET platform = 'onebot' WHERE id >= :first AND id < :end").bindparams(
            first=_ONEBOT_FIRST, end=_ONEBOT_END
        )
    )
    with op.batch_alter_table("captcha_pending") as batch:
        batch.add_column(sa.Column("reference", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop the two columns again."""
    with op.batch_alter_table("captcha_pending") as batch:
        batch.drop_column("reference")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("platform")
