"""The learning spam filter (handlers/spam)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class SpamSampleRow(Base):
    """A spam or ham sample the classifier learns from; shared by every group of the bot."""

    __tablename__ = "spam_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the normalised text: one verdict per text, the latest wins.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    spam: Mapped[bool] = mapped_column(Boolean)
    # Where the verdict came from (no foreign key: samples outlive the group).
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpamSettingsRow(Base):
    """A group's spam-filter settings (None: the configured default)."""

    __tablename__ = "spam_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # False: the group opts out of the shared filter (no scoring, no shared samples).
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # "new" (newcomers only) or "all" (every non-admin message).
    scope: Mapped[str | None] = mapped_column(String(8))
    threshold: Mapped[float | None] = mapped_column(Float)
    # The spam action, e.g. "delete mute:86400 report".
    actions: Mapped[str | None] = mapped_column(String(200))


class SpamFlagRow(Base):
    """A message the filter caught or found suspicious, shown to admins with buttons."""

    __tablename__ = "spam_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    # True: the spam action was taken; False: only reported (the grey band).
    caught: Mapped[bool] = mapped_column(Boolean)
    # open | spam | ham
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
