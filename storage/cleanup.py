"""Inactivity cleanup storage: silent members, exemptions, warnings, settings, contacts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Select, delete, exists, false, func, or_, select, update
from sqlalchemy.engine import CursorResult

from storage.models import (
    ChatRow,
    CleanupExemptionRow,
    CleanupSettingsRow,
    CleanupWarningRow,
    MemberRow,
    StartedUserRow,
)
from storage.unit import UnitOfWork
from storage.upsert import insert_missing, upsert

# Ids of admins and approved members are sent as one list parameter; beyond this many the
# query would grow unwieldy, so the rest are filtered in Python by the caller.
MAX_EXCLUDED_IN_SQL = 2_000


@dataclass(frozen=True, slots=True)
class AutoSettings:
    """A group's automatic cleanup settings (defaults when it never set any)."""

    auto_days: int | None = None
    warn_days: int = 3
    dry_run: bool = False
    last_run_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SilentFilter:
    """Which known members a query returns: present, human, not exempted, silent long enough."""

    chat_id: int
    silent_before: datetime
    joined_before: datetime
    excluded: frozenset[int] = frozenset()


class SilentRow(Protocol):
    """A silent member as the cleanup reads it (a result row, not copied: there may be many)."""

    user_id: int
    name: str
    username: str | None
    last_seen: datetime
    message_count: int
    joined_at: datetime | None
    is_bot: bool


# In this order, so a row unpacks straight into handlers.cleanup.rules.Member.
_COLUMNS = (
    MemberRow.user_id,
    MemberRow.name,
    MemberRow.last_seen,
    MemberRow.message_count,
    MemberRow.joined_at,
    MemberRow.is_bot,
    MemberRow.username,
)


def _silent_in(
    query: Select[Any], chats: Any, silent_before: datetime, joined_before: datetime
) -> Select[Any]:
    """Present, human, not exempted members silent since ``silent_before`` (and not newcomers).

    ix_members_silence answers these conditions from the index alone.
    """
    exempted = exists().where(
        CleanupExemptionRow.chat_id == MemberRow.chat_id,
        CleanupExemptionRow.user_id == MemberRow.user_id,
    )
    return query.where(
        chats,
        MemberRow.last_seen <= silent_before,
        MemberRow.left_at.is_(None),
        # "= false", not "IS false": only the former can use the index.
        MemberRow.is_bot == false(),
        or_(MemberRow.joined_at.is_(None), MemberRow.joined_at <= joined_before),
        ~exempted,
    )


def _silent(query: Select[Any], where: SilentFilter) -> Select[Any]:
    """Add the filter's conditions, the group's admins and allow list left out too."""
    query = _silent_in(
        query, MemberRow.chat_id == where.chat_id, where.silent_before, where.joined_before
    )
    if where.excluded and len(where.excluded) <= MAX_EXCLUDED_IN_SQL:
        query = query.where(MemberRow.user_id.not_in(sorted(where.excluded)))
    return query


class CleanupRepository:
    """Reads and writes of the inactivity cleanup."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ------------------------------------------------------------ silent members

    async def count_silent(self, where: SilentFilter) -> int:
        """How many known members match the filter."""
        if len(where.excluded) > MAX_EXCLUDED_IN_SQL:
            return len(await self.silent(where))  # rare: a huge allow list
        session = await self._uow.session()
        query = _silent(select(func.count()).select_from(MemberRow), where)
        return int(await session.scalar(query) or 0)

    async def silent(
        self, where: SilentFilter, *, offset: int = 0, limit: int | None = None
    ) -> list[SilentRow]:
        """Matching members, oldest silence first (a page of them if ``limit`` is given)."""
        session = await self._uow.session()
        query = _silent(select(*_COLUMNS), where).order_by(MemberRow.last_seen, MemberRow.user_id)
        big = len(where.excluded) > MAX_EXCLUDED_IN_SQL
        if limit is not None and not big:
            query = query.offset(offset).limit(limit)
        # Core, not ORM, execution: a big group's silent members are many plain rows.
        connection = await session.connection()
        rows: list[SilentRow] = list(await connection.execute(query))
        if big:
            rows = [r for r in rows if r.user_id not in where.excluded]
            if limit is not None:
                rows = rows[offset : offset + limit]
        return rows

    async def present(self, chat_id: int, among: Collection[int]) -> tuple[int, int]:
        """How many known members are still in the group, and how many of ``among`` are."""
        session = await self._uow.session()
        here = (MemberRow.chat_id == chat_id, MemberRow.left_at.is_(None))
        total = await session.scalar(select(func.count()).select_from(MemberRow).where(*here))
        found = 0
        if among:
            query = select(func.count()).select_from(MemberRow)
            query = query.where(*here, MemberRow.user_id.in_(sorted(among)))
            found = int(await session.scalar(query) or 0)
        return int(total or 0), found

    async def last_seen(self, chat_id: int, user_id: int) -> datetime | None:
        """When a member was last seen, as stored now."""
        session = await self._uow.session()
        query = select(MemberRow.last_seen).where(
            MemberRow.chat_id == chat_id, MemberRow.user_id == user_id
        )
        return await session.scalar(query)

    async def mark_left(self, chat_id: int, user_ids: Collection[int], when: datetime) -> None:
        """Note members as gone (removed, or found to have left)."""
        if not user_ids:
            return
        session = await self._uow.session()
        await session.execute(
            update(MemberRow)
            .where(MemberRow.chat_id == chat_id, MemberRow.user_id.in_(sorted(user_ids)))
            .values(left_at=when)
        )

    # ------------------------------------------------------------ the bot's join time

    async def bot_joined_at(self, chat_id: int) -> datetime | None:
        """When the bot joined the group: as noted at its (re)join, else its earliest sign.

        Groups the bot was in before it kept this time (or whose join it missed) fall back to
        the first sight of any member there, a safe lower bound that costs no write per event.
        """
        session = await self._uow.session()
        earliest = (
            select(func.min(MemberRow.first_seen))
            .where(MemberRow.chat_id == chat_id)
            .scalar_subquery()
        )
        noted = select(ChatRow.bot_joined_at).where(ChatRow.id == chat_id).scalar_subquery()
        query = select(func.coalesce(noted, earliest))
        value = await session.scalar(query)
        # SQLite gives COALESCE's result back as text, PostgreSQL as a timestamp.
        return _as_utc(value)

    async def note_bot_joined(self, chat_id: int, when: datetime) -> None:
        """Store the bot's join time when it is added to (or rejoins) the group."""
        session = await self._uow.session()
        await session.execute(
            update(ChatRow).where(ChatRow.id == chat_id).values(bot_joined_at=when)
        )

    # ------------------------------------------------------------ exemptions

    async def exempted(self, chat_id: int) -> list[CleanupExemptionRow]:
        """The group's exempted members, oldest first."""
        session = await self._uow.session()
        query = (
            select(CleanupExemptionRow)
            .where(CleanupExemptionRow.chat_id == chat_id)
            .order_by(CleanupExemptionRow.created_at, CleanupExemptionRow.user_id)
        )
        return list(await session.scalars(query))

    async def exempt(self, chat_id: int, user_id: int, name: str, by: int, when: datetime) -> bool:
        """Exempt a member; False if they were exempt already."""
        session = await self._uow.session()
        if await session.get(CleanupExemptionRow, (chat_id, user_id)) is not None:
            return False
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "name": name[:255],
            "created_by": by,
            "created_at": when,
        }
        await insert_missing(session, CleanupExemptionRow.__table__, row)
        return True

    async def unexempt(self, chat_id: int, user_id: int) -> bool:
        """Lift an exemption; False if there was none."""
        session = await self._uow.session()
        result = await session.execute(
            delete(CleanupExemptionRow).where(
                CleanupExemptionRow.chat_id == chat_id, CleanupExemptionRow.user_id == user_id
            )
        )
        return _changed(result) > 0

    # ------------------------------------------------------------ automatic settings

    async def settings(self, chat_id: int) -> AutoSettings:
        """The group's automatic cleanup settings."""
        session = await self._uow.session()
        row = await session.get(CleanupSettingsRow, chat_id)
        if row is None:
            return AutoSettings()
        return AutoSettings(row.auto_days, row.warn_days, row.dry_run, row.last_run_at)

    async def save_settings(
        self, chat_id: int, auto_days: int | None, warn_days: int, dry_run: bool, now: datetime
    ) -> None:
        """Turn automatic cleanup on (with these numbers) or off (``auto_days`` None)."""
        session = await self._uow.session()
        row = {
            "chat_id": chat_id,
            "auto_days": auto_days,
            "warn_days": warn_days,
            "dry_run": dry_run,
            "updated_at": now,
        }

        def changes(current: Any, new: Any) -> dict[str, Any]:
            return {
                "auto_days": new.auto_days,
                "warn_days": new.warn_days,
                "dry_run": new.dry_run,
                "updated_at": new.updated_at,
            }

        await upsert(session, CleanupSettingsRow.__table__, [row], ("chat_id",), changes)
        if auto_days is None:
            await session.execute(
                delete(CleanupWarningRow).where(CleanupWarningRow.chat_id == chat_id)
            )

    async def due(self, ran_before: datetime) -> list[tuple[int, AutoSettings]]:
        """Groups with automatic cleanup on whose last run is older than ``ran_before``."""
        session = await self._uow.session()
        query = select(CleanupSettingsRow).where(
            CleanupSettingsRow.auto_days.is_not(None),
            or_(
                CleanupSettingsRow.last_run_at.is_(None),
                CleanupSettingsRow.last_run_at <= ran_before,
            ),
        )
        rows = await session.scalars(query.order_by(CleanupSettingsRow.chat_id))
        return [
            (r.chat_id, AutoSettings(r.auto_days, r.warn_days, r.dry_run, r.last_run_at))
            for r in rows
        ]

    async def claim(self, chat_id: int, ran_before: datetime, now: datetime) -> bool:
        """Mark today's run as taken, once: False if it ran (or was claimed) already."""
        session = await self._uow.session()
        result = await session.execute(
            update(CleanupSettingsRow)
            .where(
                CleanupSettingsRow.chat_id == chat_id,
                CleanupSettingsRow.auto_days.is_not(None),
                or_(
                    CleanupSettingsRow.last_run_at.is_(None),
                    CleanupSettingsRow.last_run_at <= ran_before,
                ),
            )
            .values(last_run_at=now)
        )
        return _changed(result) == 1

    # ------------------------------------------------------------ warnings

    async def silent_in(
        self, chat_ids: Sequence[int], silent_before: datetime, joined_before: datetime
    ) -> dict[int, list[SilentRow]]:
        """Per group, the members a daily run considers (a few queries for many groups).

        Admins and allow lists are the caller's to leave out: they differ per group.
        """
        found: dict[int, list[SilentRow]] = {chat_id: [] for chat_id in chat_ids}
        connection = await (await self._uow.session()).connection()
        for chunk in _chunks(chat_ids):
            query = _silent_in(
                select(MemberRow.chat_id, *_COLUMNS),
                MemberRow.chat_id.in_(chunk),
                silent_before,
                joined_before,
            )
            for row in await connection.execute(query):
                found[row[0]].append(row[1:])
        return found

    async def exempted_in(self, chat_ids: Sequence[int]) -> dict[int, set[int]]:
        """Per group, the ids of its exempted members."""
        found: dict[int, set[int]] = {chat_id: set() for chat_id in chat_ids}
        session = await self._uow.session()
        for chunk in _chunks(chat_ids):
            query = select(CleanupExemptionRow.chat_id, CleanupExemptionRow.user_id).where(
                CleanupExemptionRow.chat_id.in_(chunk)
            )
            for chat_id, user_id in await session.execute(query):
                found[chat_id].add(user_id)
        return found

    async def warnings_in(self, chat_ids: Sequence[int]) -> dict[int, dict[int, datetime]]:
        """Per group, its warned members and when they were warned."""
        found: dict[int, dict[int, datetime]] = {chat_id: {} for chat_id in chat_ids}
        session = await self._uow.session()
        columns = (
            CleanupWarningRow.chat_id,
            CleanupWarningRow.user_id,
            CleanupWarningRow.warned_at,
        )
        for chunk in _chunks(chat_ids):
            query = select(*columns).where(CleanupWarningRow.chat_id.in_(chunk))
            for chat_id, user_id, when in await session.execute(query):
                found[chat_id][user_id] = when
        return found

    async def warnings(self, chat_id: int) -> dict[int, datetime]:
        """Members warned in the group, and when."""
        session = await self._uow.session()
        query = select(CleanupWarningRow.user_id, CleanupWarningRow.warned_at).where(
            CleanupWarningRow.chat_id == chat_id
        )
        return {user_id: when for user_id, when in await session.execute(query)}

    async def warn(self, chat_id: int, user_ids: Iterable[int], when: datetime) -> None:
        """Record warnings (a newer one replaces an older one)."""
        rows = [{"chat_id": chat_id, "user_id": u, "warned_at": when} for u in user_ids]
        session = await self._uow.session()
        await upsert(
            session,
            CleanupWarningRow.__table__,
            rows,
            ("chat_id", "user_id"),
            lambda current, new: {"warned_at": new.warned_at},
        )

    async def drop_warnings(self, chat_id: int, user_ids: Collection[int]) -> None:
        """Forget some members' warnings."""
        if not user_ids:
            return
        session = await self._uow.session()
        await session.execute(
            delete(CleanupWarningRow).where(
                CleanupWarningRow.chat_id == chat_id,
                CleanupWarningRow.user_id.in_(sorted(user_ids)),
            )
        )

    # ------------------------------------------------------------ private contacts

    async def note_started(self, user_id: int, when: datetime) -> None:
        """Remember that someone has talked to the bot in private."""
        session = await self._uow.session()
        row = {"user_id": user_id, "started_at": when}
        await insert_missing(session, StartedUserRow.__table__, row)

    async def started_among(self, user_ids: Collection[int]) -> set[int]:
        """Which of these people the bot may message in private."""
        if not user_ids:
            return set()
        session = await self._uow.session()
        query = select(StartedUserRow.user_id).where(StartedUserRow.user_id.in_(sorted(user_ids)))
        return set(await session.scalars(query))

    async def forget_started(self, user_ids: Collection[int]) -> None:
        """Forget contacts who blocked the bot (a private message to them failed)."""
        if not user_ids:
            return
        session = await self._uow.session()
        await session.execute(
            delete(StartedUserRow).where(StartedUserRow.user_id.in_(sorted(user_ids)))
        )


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    """Ids in lists short enough for one IN (...) each."""
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _changed(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def _as_utc(value: datetime | str | None) -> datetime | None:
    """A stored time read through an expression (no column type to convert it) in UTC."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
