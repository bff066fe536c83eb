"""Challenges and their completions; progress read from what is stored already.

Check-in progress comes from the check-in days (``checkins``) and message progress from the
per-member daily counts of activity tracking (``stats_member_days``): nothing is counted a
second time. A completion row is the payment's key (one per member and challenge) and the
closing summary is claimed by a conditional update, so both happen once across processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update

from storage.models import (
    ChallengeCompletionRow,
    ChallengeRow,
    CheckinRow,
    StatsMemberDayRow,
)
from storage.unit import UnitOfWork
from storage.upsert import insert_for


class ChallengeRepository:
    """The challenges and challenge_completions tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def create(self, chat_id: int, **values: object) -> int:
        """Store a challenge (the group must have a chats row); its id."""
        session = await self._uow.session()
        row = ChallengeRow(chat_id=chat_id, **values)
        session.add(row)
        await session.flush()
        return row.id

    async def get(self, challenge_id: int) -> ChallengeRow | None:
        """One challenge by id."""
        session = await self._uow.session()
        return await session.get(ChallengeRow, challenge_id)

    async def open_in(self, chat_id: int) -> list[ChallengeRow]:
        """A group's challenges whose summary is not posted yet, oldest first."""
        session = await self._uow.session()
        c = ChallengeRow
        query = select(c).where(c.chat_id == chat_id, c.summary_at.is_(None)).order_by(c.id)
        return list(await session.scalars(query))

    async def open_all(self) -> list[ChallengeRow]:
        """Every challenge whose summary is not posted yet (what the timed pass looks at)."""
        session = await self._uow.session()
        c = ChallengeRow
        return list(await session.scalars(select(c).where(c.summary_at.is_(None)).order_by(c.id)))

    async def checkin_days(
        self, chat_id: int, starts: date, ends: date, user_id: int | None = None
    ) -> dict[int, set[date]]:
        """Members' check-in days (made-up ones too: they repair a streak) in a window."""
        session = await self._uow.session()
        c = CheckinRow
        query = select(c.user_id, c.day).where(c.chat_id == chat_id, c.day >= starts, c.day <= ends)
        if user_id is not None:
            query = query.where(c.user_id == user_id)
        found: dict[int, set[date]] = {}
        for member, day in await session.execute(query):
            found.setdefault(member, set()).add(day)
        return found

    async def message_counts(
        self, chat_id: int, starts: date, ends: date, user_id: int | None = None
    ) -> dict[int, int]:
        """Messages each member posted in a window, as activity tracking stored them."""
        session = await self._uow.session()
        m = StatsMemberDayRow
        query = (
            select(m.user_id, func.sum(m.messages))
            .where(m.chat_id == chat_id, m.day >= starts, m.day <= ends, m.messages > 0)
            .group_by(m.user_id)
        )
        if user_id is not None:
            query = query.where(m.user_id == user_id)
        return {member: int(n) for member, n in await session.execute(query)}

    async def complete(self, challenge_id: int, user_id: int, now: datetime) -> bool:
        """Note a member's completion; False if it was noted already (nothing to pay then)."""
        session = await self._uow.session()
        stmt = (
            insert_for(session)(ChallengeCompletionRow.__table__)
            .values(challenge_id=challenge_id, user_id=user_id, completed_at=now)
            .on_conflict_do_nothing()
        )
        return bool((await session.execute(stmt)).rowcount)

    async def completers(self, challenge_id: int) -> list[int]:
        """Who completed a challenge, first first."""
        session = await self._uow.session()
        r = ChallengeCompletionRow
        query = (
            select(r.user_id)
            .where(r.challenge_id == challenge_id)
            .order_by(r.completed_at, r.user_id)
        )
        return list(await session.scalars(query))

    async def completed_of(self, user_id: int, challenge_ids: Sequence[int]) -> set[int]:
        """Which of some challenges a member completed."""
        if not challenge_ids:
            return set()
        session = await self._uow.session()
        r = ChallengeCompletionRow
        query = select(r.challenge_id).where(
            r.user_id == user_id, r.challenge_id.in_(list(challenge_ids))
        )
        return set(await session.scalars(query))

    async def claim_summary(self, challenge_id: int, now: datetime) -> bool:
        """Mark a challenge's summary as posted; False if some process did so already."""
        session = await self._uow.session()
        c = ChallengeRow
        stmt = (
            update(c)
            .where(c.id == challenge_id, c.summary_at.is_(None))
            .values(summary_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await session.execute(stmt)).rowcount)
