"""Quizzes: each group's question bank and its daily question.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the quiz_questions and quiz_daily tables."""
    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(2000), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.String(2000), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_quiz_questions_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_quiz_questions"),
    )
    op.create_index("ix_quiz_questions_chat_id", "quiz_questions", ["chat_id"])
    op.create_table(
        "quiz_daily",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(5), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_quiz_daily_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", name="pk_quiz_daily"),
    )


def downgrade() -> None:
    """Drop the quiz tables."""
    op.drop_table("quiz_daily")
    op.drop_index("ix_quiz_questions_chat_id", table_name="quiz_questions")
    op.drop_table("quiz_questions")
