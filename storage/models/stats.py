"""Group statistics (handlers/stats)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime
from storage.models.points import CheckinRow


class StatsMemberDayRow(Base):
    """What one member did in a group on one local day: the source of DAU, MAU and cohorts.

    Written by the buffered activity flush; message contents are never stored.
    """

    __tablename__ = "stats_member_days"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    joined: Mapped[bool] = mapped_column(Boolean, default=False)
    left: Mapped[bool] = mapped_column(Boolean, default=False)


class StatsHourRow(Base):
    """Messages in a group per local day and hour (for the busiest hours)."""

    __tablename__ = "stats_hours"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class StatsDayRow(Base):
    """A group's figures for one local day, rolled up from the member days and check-ins."""

    __tablename__ = "stats_daily"
    # The day-close pass looks at the last few days of every group.
    __table_args__ = (Index("ix_stats_daily_day", "day"),)

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    # Members at the end of the day, as the platform reported it (None: not asked).
    member_count: Mapped[int | None] = mapped_column(Integer)


class StatsSettingsRow(Base):
    """Who may see a group's statistics, its digest and its activity alert."""

    __tablename__ = "stats_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # "admins" | "all"; None: the configured default.
    access: Mapped[str | None] = mapped_column(String(8))
    # "daily" | "weekly"; None: no digest.
    digest_period: Mapped[str | None] = mapped_column(String(8))
    digest_time: Mapped[str | None] = mapped_column(String(5))
    # Sent privately to digest_to instead of the group.
    digest_private: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_to: Mapped[int | None] = mapped_column(BigInteger)
    # The next planned digest; moved on (compare-and-set) before posting, so once per period.
    digest_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Warn when a day's messages fall below this percentage of the 4-week daily average.
    alert_percent: Mapped[int | None] = mapped_column(Integer)
    alert_checked_day: Mapped[date | None] = mapped_column(Date)


# Check-ins per group and day, counted by the stats roll-up.
Index("ix_checkins_day", CheckinRow.chat_id, CheckinRow.day)
