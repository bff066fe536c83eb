"""How a group welcomes newcomers (handlers/welcome)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class WelcomeRow(Base):
    """How a group welcomes newcomers."""

    __tablename__ = "welcome_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    template: Mapped[str | None] = mapped_column(Text)
    clean_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    clean_service: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
