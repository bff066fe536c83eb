"""The newcomer captcha (handlers/captcha)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class CaptchaSettingsRow(Base):
    """How a group checks newcomers (a row only for groups that changed the defaults)."""

    __tablename__ = "captcha_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # button | math
    mode: Mapped[str] = mapped_column(String(8), default="button")
    # None: the configured default.
    seconds: Mapped[int | None] = mapped_column(Integer)
    # kick | ban | mute
    fail_action: Mapped[str] = mapped_column(String(8), default="kick")


class PendingCaptchaRow(Base):
    """A captcha waiting for its answer; the row is the timer's source of truth."""

    __tablename__ = "captcha_pending"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(255), default="")
    # The group's title, for the messages sent when nothing but this row is left.
    chat_title: Mapped[str] = mapped_column(String(255), default="")
    # join: a member who joined (muted meanwhile); request: a join request, asked privately.
    kind: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    # Where the challenge was posted (the group, or the requester's private chat).
    message_chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The index of the right answer button (math), and how many presses are left.
    answer: Mapped[int] = mapped_column(Integer, default=0)
    attempts_left: Mapped[int] = mapped_column(Integer, default=1)
    fail_action: Mapped[str] = mapped_column(String(8), default="kick")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A join request's platform handle, given back when approving or declining it.
    reference: Mapped[str] = mapped_column(String(255), default="", server_default="")
