"""Lotteries / giveaways (handlers/lottery): the lotteries, their entries and winners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class LotteryRow(Base):
    """One lottery: its prize, end, conditions and the seed committed to at creation."""

    __tablename__ = "lotteries"
    # The leader's pass reads the open lotteries.
    __table_args__ = (Index("ix_lotteries_status", "status", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(BigInteger)
    prize: Mapped[str] = mapped_column(String(1000))
    winners: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_entries: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    min_checkins: Mapped[int] = mapped_column(Integer, default=0)
    min_member_days: Mapped[int] = mapped_column(Integer, default=0)
    no_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    # Secret until the draw; commitment = sha256(seed) is published at creation.
    seed: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    # open -> drawn; the change is the draw's claim (one process, once).
    status: Mapped[str] = mapped_column(String(16), default="open")
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LotteryEntryRow(Base):
    """One member's entry; the unique key makes a second entry impossible."""

    __tablename__ = "lottery_entries"
    __table_args__ = (UniqueConstraint("lottery_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lottery_id: Mapped[int] = mapped_column(Integer, ForeignKey("lotteries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255), default="")
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LotteryWinnerRow(Base):
    """A winner of a slot (1..winners); a reroll replaces the slot's winner by the next place."""

    __tablename__ = "lottery_winners"
    __table_args__ = (
        # Explicit names: the convention would give both the same one.
        UniqueConstraint("lottery_id", "place", name="uq_lottery_winners_place"),
        UniqueConstraint("lottery_id", "user_id", name="uq_lottery_winners_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lottery_id: Mapped[int] = mapped_column(Integer, ForeignKey("lotteries.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    # The index in the seed's shuffle (0-based): winners 0..n-1, rerolls n, n+1, ...
    place: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255), default="")
    won_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
