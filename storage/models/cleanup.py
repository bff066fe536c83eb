"""Inactivity cleanup and who may be messaged privately (handlers/cleanup)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class CleanupSettingsRow(Base):
    """A group's automatic inactivity cleanup: thresholds, mode and when it last ran."""

    __tablename__ = "cleanup_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # Days of silence before removal; None: automatic cleanup is off.
    auto_days: Mapped[int | None] = mapped_column(Integer)
    # Days between the warning and the removal (0: no warning).
    warn_days: Mapped[int] = mapped_column(Integer, default=3)
    # Report what would be done without warning or removing anyone.
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # Claimed before a run does anything, so a group is processed at most once a day.
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CleanupExemptionRow(Base):
    """A member an admin exempted from inactivity cleanup."""

    __tablename__ = "cleanup_exemptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CleanupWarningRow(Base):
    """A silent member warned by the automatic cleanup, and when."""

    __tablename__ = "cleanup_warnings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StartedUserRow(Base):
    """Someone who has talked to the bot in private, so it may message them there."""

    __tablename__ = "started_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
