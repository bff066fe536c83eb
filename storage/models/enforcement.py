"""Warnings, timed mutes and bans, the moderation log and reports (moderation enforcement)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class ApprovedMemberRow(Base):
    """A member on a group's allow list: automatic checks leave them alone."""

    __tablename__ = "approved_members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarningRow(Base):
    """One warning of a member; it counts towards the ladder until it expires."""

    __tablename__ = "warnings"
    __table_args__ = (Index("ix_warnings_member", "chat_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # None: the bot's automatic checks.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    # It counts while younger than the group's expiry (a change applies to old ones too).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimedRestrictionRow(Base):
    """A mute or ban the bot keeps: a temporary one is lifted at ``until`` (even after a
    restart); a ban is kept while it holds, so the banned person's join requests are refused.
    """

    __tablename__ = "timed_restrictions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # mute | ban
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    # None: a permanent ban, kept until /unban (a permanent mute is not kept).
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationLogRow(Base):
    """One moderation action (or, in dry-run mode, what would have been done)."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_chat", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # None: the bot's automatic checks or timers.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    target_name: Mapped[str] = mapped_column(String(255), default="")
    # delete | warn | unwarn | resetwarns | mute | unmute | ban | unban | kick | report |
    # decline (a join request) | ...
    action: Mapped[str] = mapped_column(String(16))
    # The machine reason ("manual", "link", "ladder", "expired", ...).
    reason: Mapped[str] = mapped_column(String(32), default="")
    # The admin's words or what matched.
    detail: Mapped[str] = mapped_column(String(500), default="")
    seconds: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_text: Mapped[str] = mapped_column(String(500), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnforcementSettingsRow(Base):
    """A group's warning expiry, escalation ladder and log chat (None: the defaults)."""

    __tablename__ = "enforcement_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    warn_expiry: Mapped[int | None] = mapped_column(Integer)
    # The canonical ladder text ("3:mute:1h 5:mute:1d 7:ban").
    warn_ladder: Mapped[str | None] = mapped_column(String(300))
    log_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class ReportRow(Base):
    """A member's report of a message, and what an admin did about it."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_reporter", "chat_id", "reporter_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # None: raised by the bot's automatic checks.
    reporter_id: Mapped[int | None] = mapped_column(BigInteger)
    target_id: Mapped[int] = mapped_column(BigInteger)
    target_name: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once an admin pressed a button: who and which (delete | warn | ban).
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    handled_action: Mapped[str | None] = mapped_column(String(16))
