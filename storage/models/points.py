"""Check-ins and the points economy (handlers/checkin)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class PointsAccountRow(Base):
    """A member's points in one group: balances derived from the ledger, kept in step with it."""

    __tablename__ = "points_accounts"
    # Ranks count the members of a group who earned more.
    __table_args__ = (Index("ix_points_accounts_rank", "chat_id", "earned"),)

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    # The sum of the member's ledger entries; never negative.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # The sum of the positive entries: what levels and the all-time board count.
    earned: Mapped[int] = mapped_column(BigInteger, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    last_checkin: Mapped[date | None] = mapped_column(Date)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    # Activity points given on activity_day, and when the last were given.
    activity_day: Mapped[date | None] = mapped_column(Date)
    activity_today: Mapped[int] = mapped_column(Integer, default=0)
    activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerRow(Base):
    """One change of a member's points; rows are only ever added."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_member", "chat_id", "user_id", "id"),
        Index("ix_points_ledger_time", "chat_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int] = mapped_column(BigInteger)
    # checkin | makeup | activity | give | take | redeem
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    # Who made the change (an admin for give/take; the member otherwise).
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinRow(Base):
    """One check-in day of a member; the key makes a second one the same day impossible."""

    __tablename__ = "checkins"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The calendar day in the group's time zone.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    made_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShopItemRow(Base):
    """Something members can buy with points in one group."""

    __tablename__ = "shop_items"
    __table_args__ = (UniqueConstraint("chat_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RedemptionRow(Base):
    """A purchase from the shop, with the code the member shows an admin."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_name: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinSettingsRow(Base):
    """A group's changes to the points rules (only what differs from the defaults)."""

    __tablename__ = "checkin_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[dict[str, object]] = mapped_column(JSON)
