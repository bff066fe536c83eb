"""Group statistics: member days, hourly counts, daily roll-ups and per-group stats settings.

The activity flush adds member days and hourly counts, then rolls the touched days up into
``stats_daily`` (recomputed from the member days and check-ins, so a roll-up is idempotent).
Reports read the roll-ups: a 90-day chart reads 90 rows, not messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import case, func, or_, select, tuple_, update

from storage.models import (
    ChatRow,
    CheckinRow,
    MemberRow,
    StatsDayRow,
    StatsHourRow,
    StatsMemberDayRow,
    StatsSettingsRow,
)
from storage.unit import UnitOfWork
from storage.upsert import insert_missing, upsert

# Bound parameters per statement stay well under SQLite's limit.
CHUNK = 400

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class MemberDayCount:
    """A member's counts for one day, as the flush hands them over."""

    chat_id: int
    day: date
    user_id: int
    messages: int
    joined: bool
    left: bool


@dataclass(frozen=True, slots=True)
class DayFigures:
    """A group's figures for one local day."""

    day: date
    joins: int = 0
    leaves: int = 0
    messages: int = 0
    active: int = 0
    checkins: int = 0
    member_count: int | None = None


@dataclass(frozen=True, slots=True)
class MemberEvent:
    """A member joined and/or left on a day (from the member days)."""

    user_id: int
    day: date
    joined: bool
    left: bool


class StatsRepository:
    """Statistics of groups."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ------------------------------------------------------------------ writing

    async def record(
        self, members: Sequence[MemberDayCount], hours: Sequence[tuple[int, date, int, int]]
    ) -> None:
        """Add a flush's member days and hourly counts, then roll the touched days up."""
        session = await self._uow.session()
        member_rows = [
            {
                "chat_id": m.chat_id,
                "day": m.day,
                "user_id": m.user_id,
                "messages": m.messages,
                "joined": m.joined,
                "left": m.left,
            }
            for m in members
        ]
        await upsert(
            session,
            StatsMemberDayRow.__table__,
            member_rows,
            ("chat_id", "day", "user_id"),
            lambda cur, new: {
                "messages": cur.messages + new.messages,
                "joined": or_(cur.joined, new.joined),
                "left": or_(cur.left, new.left),
            },
        )
        hour_rows = [{"chat_id": c, "day": d, "hour": h, "messages": n} for c, d, h, n in hours]
        await upsert(
            session,
            StatsHourRow.__table__,
            hour_rows,
            ("chat_id", "day", "hour"),
            lambda cur, new: {"messages": cur.messages + new.messages},
        )
        await self.roll_up({(m.chat_id, m.day) for m in members})

    async def roll_up(self, days: Iterable[tuple[int, date]]) -> None:
        """Recompute the daily figures of some (group, day) pairs from what is stored."""
        pairs = sorted(set(days))
        if not pairs:
            return
        session = await self._uow.session()
        rows: list[dict[str, Any]] = []
        for part in chunks(pairs):
            m = StatsMemberDayRow
            query = (
                select(
                    m.chat_id,
                    m.day,
                    func.sum(m.messages),
                    func.sum(case((m.messages > 0, 1), else_=0)),
                    func.sum(case((m.joined, 1), else_=0)),
                    func.sum(case((m.left, 1), else_=0)),
                )
                .where(tuple_(m.chat_id, m.day).in_(list(part)))
                .group_by(m.chat_id, m.day)
            )
            checkins = await self._checkins(part)
            for chat_id, day, messages, active, joins, leaves in await session.execute(query):
                rows.append(
                    {
                        "chat_id": chat_id,
                        "day": day,
                        "joins": int(joins or 0),
                        "leaves": int(leaves or 0),
                        "messages": int(messages or 0),
                        "active": int(active or 0),
                        "checkins": checkins.get((chat_id, day), 0),
                        "member_count": None,
                    }
                )
        await upsert(
            session,
            StatsDayRow.__table__,
            rows,
            ("chat_id", "day"),
            lambda cur, new: {
                name: getattr(new, name)
                for name in ("joins", "leaves", "messages", "active", "checkins")
            },
        )

    async def _checkins(self, pairs: Sequence[tuple[int, date]]) -> dict[tuple[int, date], int]:
        """Check-ins made on the day itself (make-ups of missed days are not activity)."""
        session = await self._uow.session()
        c = CheckinRow
        query = (
            select(c.chat_id, c.day, func.count())
            .where(tuple_(c.chat_id, c.day).in_(list(pairs)), c.made_up.is_(False))
            .group_by(c.chat_id, c.day)
        )
        return {(chat_id, day): n for chat_id, day, n in await session.execute(query)}

    async def set_member_count(self, chat_id: int, day: date, count: int) -> None:
        """Note how many members a group had on a day."""
        session = await self._uow.session()
        await upsert(
            session,
            StatsDayRow.__table__,
            [
                {
                    "chat_id": chat_id,
                    "day": day,
                    "joins": 0,
                    "leaves": 0,
                    "messages": 0,
                    "active": 0,
                    "checkins": 0,
                    "member_count": count,
                }
            ],
            ("chat_id", "day"),
            lambda cur, new: {"member_count": new.member_count},
        )

    # ------------------------------------------------------------------ reading

    async def days(self, chat_id: int, start: date, end: date) -> dict[date, DayFigures]:
        """The stored daily figures of a group from ``start`` to ``end`` (both included)."""
        session = await self._uow.session()
        d = StatsDayRow
        query = select(
            d.day, d.joins, d.leaves, d.messages, d.active, d.checkins, d.member_count
        ).where(d.chat_id == chat_id, d.day >= start, d.day <= end)
        return {row[0]: DayFigures(*row) for row in await session.execute(query)}

    async def all_days(self, chat_id: int) -> list[DayFigures]:
        """Every stored day of a group, oldest first (for the CSV export)."""
        session = await self._uow.session()
        d = StatsDayRow
        query = (
            select(d.day, d.joins, d.leaves, d.messages, d.active, d.checkins, d.member_count)
            .where(d.chat_id == chat_id)
            .order_by(d.day)
        )
        return [DayFigures(*row) for row in await session.execute(query)]

    async def hours(self, chat_id: int, start: date, end: date) -> list[int]:
        """Messages per local hour of the day (0-23), summed over the days."""
        session = await self._uow.session()
        h = StatsHourRow
        query = (
            select(h.hour, func.sum(h.messages))
            .where(h.chat_id == chat_id, h.day >= start, h.day <= end)
            .group_by(h.hour)
        )
        totals = [0] * 24
        for hour, count in await session.execute(query):
            if 0 <= hour < 24:
                totals[hour] = int(count or 0)
        return totals

    async def distinct_posters(self, chat_id: int, end: date, *starts: date) -> tuple[int, ...]:
        """How many members posted at least once from each start to ``end``, in one scan."""
        session = await self._uow.session()
        m = StatsMemberDayRow
        counts = [
            func.count(func.distinct(case((m.day >= start, m.user_id), else_=None)))
            for start in starts
        ]
        query = select(*counts).where(
            m.chat_id == chat_id, m.day >= min(starts), m.day <= end, m.messages > 0
        )
        row = (await session.execute(query)).one()
        return tuple(int(n or 0) for n in row)

    async def top_posters(
        self, chat_id: int, start: date, end: date, limit: int
    ) -> list[tuple[int, int]]:
        """(member, messages) of the members who posted most, most first."""
        session = await self._uow.session()
        m = StatsMemberDayRow
        total = func.sum(m.messages).label("total")
        query = (
            select(m.user_id, total)
            .where(m.chat_id == chat_id, m.day >= start, m.day <= end, m.messages > 0)
            .group_by(m.user_id)
            .order_by(total.desc(), m.user_id)
            .limit(limit)
        )
        return [(user_id, int(n)) for user_id, n in await session.execute(query)]

    async def checkins_of(
        self, chat_id: int, user_ids: Sequence[int], start: date, end: date
    ) -> dict[int, int]:
        """Check-ins of some members from ``start`` to ``end``."""
        session = await self._uow.session()
        c = CheckinRow
        found: dict[int, int] = {}
        for part in chunks(list(user_ids)):
            query = (
                select(c.user_id, func.count())
                .where(
                    c.chat_id == chat_id,
                    c.user_id.in_(list(part)),
                    c.day >= start,
                    c.day <= end,
                    c.made_up.is_(False),
                )
                .group_by(c.user_id)
            )
            found.update({u: int(n) for u, n in await session.execute(query)})
        return found

    async def member_events(self, chat_id: int, since: date) -> list[MemberEvent]:
        """Joins and leaves of a group since a day, oldest first."""
        session = await self._uow.session()
        m = StatsMemberDayRow
        query = (
            select(m.user_id, m.day, m.joined, m.left)
            .where(m.chat_id == chat_id, m.day >= since, or_(m.joined, m.left))
            .order_by(m.day, m.user_id)
        )
        return [MemberEvent(*row) for row in await session.execute(query)]

    async def last_posts_of_joiners(self, chat_id: int, since: date) -> dict[int, date]:
        """The last day each member who joined since ``since`` posted (from ``since`` on).

        One statement with the joiners as a subquery: the window is scanned once.
        """
        session = await self._uow.session()
        m = StatsMemberDayRow
        joiners = select(m.user_id).where(m.chat_id == chat_id, m.day >= since, m.joined)
        query = (
            select(m.user_id, func.max(m.day))
            .where(
                m.chat_id == chat_id,
                m.day >= since,
                m.messages > 0,
                m.user_id.in_(joiners.scalar_subquery()),
            )
            .group_by(m.user_id)
        )
        return {u: d for u, d in await session.execute(query)}

    async def names(self, chat_id: int, user_ids: Sequence[int]) -> dict[int, str]:
        """Members' names as activity tracking last saw them."""
        session = await self._uow.session()
        found: dict[int, str] = {}
        for part in chunks(list(user_ids)):
            query = select(MemberRow.user_id, MemberRow.name).where(
                MemberRow.chat_id == chat_id, MemberRow.user_id.in_(list(part))
            )
            found.update({u: n for u, n in await session.execute(query)})
        return found

    async def recent_days_without_count(self, since: date) -> list[tuple[int, date, str | None]]:
        """(group, day, time zone) of recent days whose member count was never noted."""
        session = await self._uow.session()
        d = StatsDayRow
        query = (
            select(d.chat_id, d.day, ChatRow.timezone)
            .outerjoin(ChatRow, ChatRow.id == d.chat_id)
            .where(d.day >= since, d.member_count.is_(None))
        )
        return [(c, day, tz) for c, day, tz in await session.execute(query)]

    # ------------------------------------------------------------------ settings

    async def settings(self, chat_id: int) -> StatsSettingsRow | None:
        """The group's stats settings, if it changed any."""
        session = await self._uow.session()
        return await session.get(StatsSettingsRow, chat_id)

    async def ensure_settings(self, chat_id: int) -> StatsSettingsRow:
        """The group's stats settings row, to change (the group must have a chats row)."""
        session = await self._uow.session()
        await insert_missing(
            session, StatsSettingsRow.__table__, {"chat_id": chat_id, "digest_private": False}
        )
        row = await session.get(StatsSettingsRow, chat_id)
        assert row is not None
        return row

    async def digests(self) -> list[tuple[StatsSettingsRow, str | None]]:
        """Every planned digest, with its group's time zone."""
        session = await self._uow.session()
        query = (
            select(StatsSettingsRow, ChatRow.timezone)
            .outerjoin(ChatRow, ChatRow.id == StatsSettingsRow.chat_id)
            .where(StatsSettingsRow.digest_next_at.is_not(None))
        )
        return [(row, tz) for row, tz in await session.execute(query)]

    async def move_digest(self, chat_id: int, planned: datetime, following: datetime) -> bool:
        """Move a digest from ``planned`` on to ``following``; False if already moved.

        One conditional update: of two processes (or a timer and a restart) only one moves
        it, and only that one posts.
        """
        session = await self._uow.session()
        s = StatsSettingsRow
        result = await session.execute(
            update(s)
            .where(s.chat_id == chat_id, s.digest_next_at == planned)
            .values(digest_next_at=following)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def alerts(self) -> list[tuple[StatsSettingsRow, str | None]]:
        """Every group with an activity alert, with its time zone."""
        session = await self._uow.session()
        query = (
            select(StatsSettingsRow, ChatRow.timezone)
            .outerjoin(ChatRow, ChatRow.id == StatsSettingsRow.chat_id)
            .where(StatsSettingsRow.alert_percent.is_not(None))
        )
        return [(row, tz) for row, tz in await session.execute(query)]

    async def mark_alert_checked(self, chat_id: int, day: date, previous: date | None) -> bool:
        """Note that a day was checked; False if another process did it first."""
        session = await self._uow.session()
        s = StatsSettingsRow
        same = (
            s.alert_checked_day.is_(None) if previous is None else s.alert_checked_day == previous
        )
        result = await session.execute(
            update(s)
            .where(s.chat_id == chat_id, same)
            .values(alert_checked_day=day)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
