"""The declarative base, column types and the tables every feature shares (chats, members, updates).

Chat and user ids are 64-bit integers; times are stored in UTC. Each feature's own tables are in
the module of this package named after it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC; naive values are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)


class ChatRow(Base):
    """A group the bot serves, with its per-group settings."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The platform the group is on; ``id`` carries it too (``core.ids``), this is for reading.
    platform: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    title: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[str | None] = mapped_column(Text)
    # "23:00-07:00": scheduled posts due in this local period wait for its end.
    quiet_hours: Mapped[str | None] = mapped_column(String(16))
    # Seconds a keyword auto-reply waits before answering again (None: the configured default).
    reply_cooldown: Mapped[int | None] = mapped_column(Integer)
    # When the bot (last) joined the group, or first saw it: members never seen are
    # silent since then (inactivity cleanup).
    bot_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MemberRow(Base):
    """A member the bot has seen in a group, with buffered activity counters."""

    __tablename__ = "members"
    # Inactivity cleanup: present, human members of a group oldest silence first, and
    # counted from the index alone (it covers every column those queries filter on).
    __table_args__ = (
        Index(
            "ix_members_silence",
            "chat_id",
            "left_at",
            "is_bot",
            "last_seen",
            "user_id",
            "joined_at",
        ),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- handled updates (exactly-once handling across restarts) ---


class HandledUpdateRow(Base):
    """An event of a platform update whose unit of work committed: a redelivery skips it.

    Written in the same transaction as the event's own writes, so either both are stored or
    neither is. ``part`` tells the events of one update apart (one message adding three
    members is three joins). Rows are pruned once the platform can no longer redeliver.
    """

    __tablename__ = "handled_updates"
    __table_args__ = (Index("ix_handled_updates_handled_at", "handled_at"),)

    # Whose updates: "telegram:<bot id>"; update ids are only unique per bot.
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UpdateOffsetRow(Base):
    """The offset the platform last acknowledged: it redelivers nothing below it."""

    __tablename__ = "update_offsets"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParkedUpdateRow(Base):
    """An update still being handled, stored so its offset could be confirmed past it.

    Telegram only shows the 100 updates after the confirmed offset; a slow handler would
    hold the offset and soon stop all intake. Parking stores such updates (in one batch,
    only then) and lets the offset move on; a restart handles what is still parked.
    """

    __tablename__ = "parked_updates"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[dict[str, object]] = mapped_column(JSON)
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
