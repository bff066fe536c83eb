"""Invite attribution and invite points (handlers/invites)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class InviteSettingsRow(Base):
    """A group's invite rewards, as /setinvite last stored them."""

    __tablename__ = "invite_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[int] = mapped_column(Integer, default=20)
    stay_days: Mapped[int] = mapped_column(Integer, default=3)
    daily_cap: Mapped[int] = mapped_column(Integer, default=10)
    # message | checkin | none: what the newcomer must have done before the inviter is paid.
    require: Mapped[str] = mapped_column(String(8), default="message")


class InviteLinkRow(Base):
    """A member's own invite link of a group, reused on later asks until revoked."""

    __tablename__ = "invite_links"
    __table_args__ = (UniqueConstraint("chat_id", "link"),)

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    link: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InviteRow(Base):
    """A person's first join of a group, with who brought them in and whether that was paid.

    One row per (group, person) ever: a later join finds it, so nobody counts twice and the
    inviter can never be paid twice for one person.
    """

    __tablename__ = "invites"
    __table_args__ = (
        UniqueConstraint("chat_id", "invitee_id"),
        Index("ix_invites_pending", "status", "joined_at"),
        Index("ix_invites_inviter", "chat_id", "inviter_id", "joined_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(BigInteger)
    invitee_name: Mapped[str] = mapped_column(String(255), default="")
    # None: nobody to credit (the source is unknown, or the member invited themselves).
    inviter_id: Mapped[int | None] = mapped_column(BigInteger)
    inviter_name: Mapped[str] = mapped_column(String(255), default="")
    # link | added | unknown
    source: Mapped[str] = mapped_column(String(8))
    link: Mapped[str | None] = mapped_column(String(255))
    # pending | paid | left | removed | void (nobody to pay) | off (rewards were off)
    status: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    points: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
