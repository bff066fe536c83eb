"""Keyword auto-replies (handlers/autoreply)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class ReplyRuleRow(Base):
    """A keyword auto-reply of one group: its trigger and the answers it picks from."""

    __tablename__ = "reply_rules"
    __table_args__ = (UniqueConstraint("chat_id", "mode", "match_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    # contains | exact | regex
    mode: Mapped[str] = mapped_column(String(8))
    # The keyword or pattern as the admin wrote it, and its folded form for matching.
    keyword: Mapped[str] = mapped_column(String(600))
    match_key: Mapped[str] = mapped_column(String(600))
    # [{"text": ..., "buttons": [{"text": ..., "url": ...}]}, ...]
    answers: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the trigger or answers change (not by hit counts): caches compare it.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
