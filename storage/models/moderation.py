"""The moderation engine's per-group rules (handlers/moderation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class ModerationSettingsRow(Base):
    """A group's moderation engine settings (a row only once an admin changed something)."""

    __tablename__ = "moderation_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # on | off | dryrun
    mode: Mapped[str] = mapped_column(String(8), default="on")
    # Per check, only what differs from the defaults: {"link": {"on": true, "actions": "delete"}}
    checks: Mapped[dict[str, object]] = mapped_column(JSON)
    # Thresholds that differ from the defaults: {"flood_messages": 5, "newcomer_seconds": 86400}
    limits: Mapped[dict[str, object]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadWordRow(Base):
    """A banned word or phrase of a group: a literal, or an RE2 pattern."""

    __tablename__ = "moderation_bad_words"
    __table_args__ = (UniqueConstraint("chat_id", "match_key", "is_regex"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # As the admin wrote it, and the normalised literal (or the pattern) that is matched.
    word: Mapped[str] = mapped_column(String(600))
    match_key: Mapped[str] = mapped_column(String(600))
    is_regex: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AllowedDomainRow(Base):
    """A link domain a group allows (its subdomains too) when links are checked."""

    __tablename__ = "moderation_domains"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
