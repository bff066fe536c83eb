"""Badges (handlers/badges): an append-only history of grants and revokes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class BadgeEventRow(Base):
    """One grant or revoke of a badge; rows are only ever added, never changed or deleted.

    ``seq`` numbers the events of one (group, member, badge) from 0: grants take the even
    numbers and revokes the odd ones, so the unique key lets one grant in at a time (two
    processes granting at once: one insert wins) and the member holds the badge while the
    count of events is odd.
    """

    __tablename__ = "badge_events"
    __table_args__ = (
        UniqueConstraint("chat_id", "user_id", "code", "seq"),
        Index("ix_badge_events_member", "chat_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    # grant | revoke
    action: Mapped[str] = mapped_column(String(8))
    # The admin who awarded or took it; None when the bot awarded it by a rule.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeWeekRow(Base):
    """A week whose top-3 badges a group got: the key makes the weekly award happen once."""

    __tablename__ = "badge_weeks"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # The Monday of the week, in the group's time zone.
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
