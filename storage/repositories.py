"""Repositories: the only place that knows how state is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import and_, case, func, select

from core.ids import IdError, platform_of
from storage.cache import MISSING
from storage.models import ChatRow, CheckinSettingsRow, MemberRow, WelcomeRow
from storage.unit import UnitOfWork
from storage.upsert import insert_missing, upsert


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """A group's settings as features read them (a cached snapshot, not a row)."""

    language: str | None = None
    timezone: str | None = None
    rules: str | None = None
    quiet_hours: str | None = None
    reply_cooldown: int | None = None


@dataclass(frozen=True, slots=True)
class WelcomeSettings:
    """How a group welcomes newcomers, as features read it (a cached snapshot)."""

    enabled: bool = True
    template: str | None = None
    clean_welcome: bool = False
    clean_service: bool = False
    last_message_id: int | None = None


T = TypeVar("T")


def _new_chat(chat_id: int, title: str) -> dict[str, Any]:
    """The values of a group's first row: its platform read from its (scoped) id."""
    try:
        platform = platform_of(chat_id)
    except IdError:
        # The store keeps any 64-bit id; one no platform gives out is on none of them.
        platform = "unknown"
    return {"id": chat_id, "platform": platform, "title": title[:255]}


async def cached_snapshot(
    uow: UnitOfWork, key: tuple[str, int], load: Callable[[], Awaitable[T]], default: T
) -> T:
    """``load()``, remembered in the store's snapshot cache; ``default`` if there is no row."""
    if not uow.cache.may_be_stored(key):
        return default
    value = uow.cache.get(key)
    if value is MISSING:
        version = uow.cache.version
        value = await load()
        uow.cache.put(key, value, version)
    return cast(T, value)


async def load_stored_ids(uow: UnitOfWork) -> None:
    """Tell the cache which groups have stored settings, so the rest need no query."""
    session = await uow.session()
    uow.cache.know("chat", await session.scalars(select(ChatRow.id)))
    uow.cache.know("welcome", await session.scalars(select(WelcomeRow.chat_id)))
    uow.cache.know("checkin", await session.scalars(select(CheckinSettingsRow.chat_id)))


class ChatRepository:
    """Per-group settings."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, chat_id: int) -> ChatRow | None:
        """The stored chat, if any."""
        session = await self._uow.session()
        return await session.get(ChatRow, chat_id)

    async def settings(self, chat_id: int) -> ChatSettings:
        """The group's settings, from the cache when possible."""

        async def load() -> ChatSettings:
            row = await self.get(chat_id)
            if row is None:
                return ChatSettings()
            return ChatSettings(
                row.language, row.timezone, row.rules, row.quiet_hours, row.reply_cooldown
            )

        return await cached_snapshot(self._uow, ("chat", chat_id), load, ChatSettings())

    async def ensure_exists(self, chat_id: int) -> None:
        """Give the group a row for other rows to refer to; its settings (defaults) stay cached."""
        key, cache = ("chat", chat_id), self._uow.cache
        if cache.known_stored(key):
            return
        known = cache.may_be_stored(key)
        session = await self._uow.session()
        await insert_missing(session, ChatRow.__table__, _new_chat(chat_id, ""))
        if not known:
            # The row is new, so its settings are the defaults readers already assume.
            self._uow.stored(key)
            cache.put(key, ChatSettings(), cache.version)

    async def ensure(self, chat_id: int, title: str = "") -> ChatRow:
        """The stored chat, to change: created on first sight; keeps its title current."""
        session = await self._uow.session()
        self._uow.changing(("chat", chat_id))
        row = await session.get(ChatRow, chat_id)
        if row is None:
            await insert_missing(session, ChatRow.__table__, _new_chat(chat_id, title))
            self._uow.stored(("chat", chat_id))
            row = await session.get(ChatRow, chat_id)
            assert row is not None
        elif title and row.title != title[:255]:
            row.title = title[:255]
        return row


class WelcomeRepository:
    """How each group welcomes newcomers."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, chat_id: int) -> WelcomeRow:
        """The group's welcome row; defaults (not stored) if it has none."""
        session = await self._uow.session()
        row = await session.get(WelcomeRow, chat_id)
        return row if row is not None else default_welcome(chat_id)

    async def settings(self, chat_id: int) -> WelcomeSettings:
        """The group's welcome settings, from the cache when possible."""

        async def load() -> WelcomeSettings:
            row = await self.get(chat_id)
            return WelcomeSettings(
                row.enabled,
                row.template,
                row.clean_welcome,
                row.clean_service,
                row.last_message_id,
            )

        return await cached_snapshot(self._uow, ("welcome", chat_id), load, WelcomeSettings())

    async def ensure(self, chat_id: int, title: str = "") -> WelcomeRow:
        """The group's welcome row, to change; stored so changes persist."""
        await ChatRepository(self._uow).ensure(chat_id, title)
        session = await self._uow.session()
        self._uow.changing(("welcome", chat_id))
        row = await session.get(WelcomeRow, chat_id)
        if row is None:
            await insert_missing(session, WelcomeRow.__table__, {"chat_id": chat_id})
            self._uow.stored(("welcome", chat_id))
            row = await session.get(WelcomeRow, chat_id)
            assert row is not None
        return row


def default_welcome(chat_id: int) -> WelcomeRow:
    """Welcome settings for a group that never changed them."""
    return WelcomeRow(
        chat_id=chat_id, enabled=True, template=None, clean_welcome=False, clean_service=False
    )


@dataclass(slots=True)
class Activity:
    """What a member did since the last flush."""

    chat_id: int
    user_id: int
    name: str
    username: str | None
    is_bot: bool
    last_seen: datetime
    messages: int = 0
    joined_at: datetime | None = None
    left_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LearnedPerson:
    """A person's name as the platform told it, and whether they are in the group now."""

    user_id: int
    name: str
    username: str | None = None
    is_bot: bool = False
    present: bool = True


@dataclass(frozen=True, slots=True)
class ListedMember:
    """A person on the platform's member list of a group (times in UTC, None if unknown)."""

    user_id: int
    name: str
    username: str | None = None
    is_bot: bool = False
    joined_at: datetime | None = None
    last_seen: datetime | None = None


class MemberRepository:
    """Members the bot has seen, and their activity."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def record(self, batch: Sequence[Activity]) -> None:
        """Add a batch of buffered activity in one statement."""
        session = await self._uow.session()
        rows = [_member_values(item) for item in merge_batch(batch)]
        await upsert(session, MemberRow.__table__, rows, ("chat_id", "user_id"), _merge_activity)

    async def get(self, chat_id: int, user_id: int) -> MemberRow | None:
        """One member's record."""
        session = await self._uow.session()
        return await session.get(MemberRow, (chat_id, user_id))

    async def in_chat(self, chat_id: int) -> list[MemberRow]:
        """Every member seen in a chat."""
        session = await self._uow.session()
        result = await session.scalars(select(MemberRow).where(MemberRow.chat_id == chat_id))
        return list(result)

    async def learn(self, chat_id: int, people: Sequence[LearnedPerson], now: datetime) -> None:
        """Store the names the platform told of people the bot had no name for.

        A person not stored yet gets a row with no activity (gone already if the platform
        says they left), so the inactivity cleanup counts their silence only from now on.
        A stored person keeps their activity; only the name and username change.
        """
        session = await self._uow.session()
        rows = [
            {
                "chat_id": chat_id,
                "user_id": person.user_id,
                "name": person.name[:255],
                "username": person.username,
                "is_bot": person.is_bot,
                "first_seen": now,
                "last_seen": now,
                "message_count": 0,
                "joined_at": None,
                "left_at": None if person.present else now,
            }
            for person in people
        ]
        await upsert(
            session,
            MemberRow.__table__,
            rows,
            ("chat_id", "user_id"),
            lambda _, new: {"name": new.name, "username": new.username},
        )

    async def seed(self, chat_id: int, listed: Sequence[ListedMember], now: datetime) -> None:
        """Store the platform's member list of a group: everyone on it is present.

        A new member gets the list's join and last message times (the join time if no
        message is known; now, as ``learn`` does, if neither is). A stored member's last
        sight only moves forward and their join time is filled if missing (replaced if the
        bot saw them leave: they rejoined). Nobody off the list is touched. Two statements
        at most, whatever the group's size.
        """
        session = await self._uow.session()
        timed: list[dict[str, Any]] = []
        untimed: list[dict[str, Any]] = []
        # One row per person: PostgreSQL refuses to upsert one row twice in a statement.
        for person in {p.user_id: p for p in listed}.values():
            row = _listed_values(chat_id, person, now)
            (timed if row["last_seen"] is not None else untimed).append(row)
        keys = ("chat_id", "user_id")
        await upsert(session, MemberRow.__table__, timed, keys, _merge_listed)
        for row in untimed:
            row["last_seen"] = now
        await upsert(session, MemberRow.__table__, untimed, keys, _merge_listed_untimed)


def _listed_values(chat_id: int, person: ListedMember, now: datetime) -> dict[str, Any]:
    """A member list entry as a members row (``last_seen`` None when no time is known)."""
    seen = person.last_seen or person.joined_at
    return {
        "chat_id": chat_id,
        "user_id": person.user_id,
        "name": person.name[:255],
        "username": person.username,
        "is_bot": person.is_bot,
        # When the bot learned of them: the bot's earliest sign in a group reads this.
        "first_seen": now,
        # A clock ahead of ours must not make a member look active in the future.
        "last_seen": None if seen is None else min(seen, now),
        "message_count": 0,
        "joined_at": person.joined_at,
        "left_at": None,
    }


def _merge_listed_untimed(current: Any, new: Any) -> dict[str, Any]:
    """How a stored member absorbs a member list entry without times: present, renamed."""
    return {
        "name": new.name,
        "username": func.coalesce(new.username, current.username),
        "left_at": None,
    }


def _merge_listed(current: Any, new: Any) -> dict[str, Any]:
    """How a stored member absorbs a member list entry with times (both dialects)."""
    rejoined = and_(current.left_at.is_not(None), new.joined_at.is_not(None))
    return {
        **_merge_listed_untimed(current, new),
        "last_seen": case(
            (new.last_seen > current.last_seen, new.last_seen), else_=current.last_seen
        ),
        "joined_at": case(
            (rejoined, new.joined_at), else_=func.coalesce(current.joined_at, new.joined_at)
        ),
    }


def _member_values(item: Activity) -> dict[str, Any]:
    return {
        "chat_id": item.chat_id,
        "user_id": item.user_id,
        "name": item.name[:255],
        "username": item.username,
        "is_bot": item.is_bot,
        "first_seen": item.joined_at or item.last_seen,
        "last_seen": item.last_seen,
        "message_count": item.messages,
        "joined_at": item.joined_at,
        "left_at": item.left_at,
    }


def _merge_activity(current: Any, new: Any) -> dict[str, Any]:
    """How a stored member absorbs a new batch row (both dialects)."""
    rejoined = and_(new.joined_at.is_not(None), new.left_at.is_(None))
    return {
        "name": new.name,
        "username": new.username,
        # Flushes may commit out of order: last_seen only ever moves forward.
        "last_seen": case(
            (new.last_seen > current.last_seen, new.last_seen), else_=current.last_seen
        ),
        "message_count": current.message_count + new.message_count,
        "joined_at": func.coalesce(new.joined_at, current.joined_at),
        "left_at": case((rejoined, None), else_=func.coalesce(new.left_at, current.left_at)),
        "first_seen": current.first_seen,
    }


def merge_batch(batch: Sequence[Activity]) -> list[Activity]:
    """One item per member: PostgreSQL refuses to upsert one row twice in a statement."""
    merged: dict[tuple[int, int], Activity] = {}
    for item in batch:
        key = (item.chat_id, item.user_id)
        seen = merged.get(key)
        if seen is None:
            merged[key] = replace(item)
            continue
        seen.messages += item.messages
        if item.last_seen >= seen.last_seen:
            seen.name, seen.username, seen.last_seen = item.name, item.username, item.last_seen
        seen.joined_at = item.joined_at or seen.joined_at
        seen.left_at = None if item.joined_at and not item.left_at else item.left_at or seen.left_at
    return list(merged.values())
