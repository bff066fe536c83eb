"""Challenges (handlers/challenges): time-boxed goals and who completed them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class ChallengeRow(Base):
    """A goal for a window of days; ``summary_at`` claims the closing summary (posted once)."""

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_open", "summary_at", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # checkin_streak | messages
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[int] = mapped_column(Integer)
    # The window's first and last day, both included, in the group's time zone.
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    reward_points: Mapped[int] = mapped_column(BigInteger, default=0)
    badge: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChallengeCompletionRow(Base):
    """A member who reached a challenge's target; the key pays each member once."""

    __tablename__ = "challenge_completions"

    challenge_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
