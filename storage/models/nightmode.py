"""Night mode (handlers/nightmode)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class NightModeRow(Base):
    """A group's night mode: the nightly local period it is closed, and whether it is now."""

    __tablename__ = "night_mode"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # "23:00-07:00" in the group's time zone; None: night mode is off.
    hours: Mapped[str | None] = mapped_column(String(16))
    # When the bot closed the group; None while the bot has not closed it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member permissions before closing (``ChatRights.as_dict``), restored at the end.
    saved_rights: Mapped[dict[str, bool] | None] = mapped_column(JSON)
