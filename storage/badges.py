"""Badges as an append-only history: a member holds a badge while its last event is a grant.

Every (group, member, badge) has its events numbered from 0 (``seq``): a grant may only
take an even number and a revoke an odd one, and the unique key refuses a second row with
the same number. So a grant is idempotent (one grant per badge unless revoked since), also
when two processes grant at once, and nothing is ever updated or deleted.

Other features award through ``BadgeRepository.grant``; the codes they use are reserved in
``RESERVED`` (shown with translated names, ``badges.code.<code>``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime

from sqlalchemy import func, select

from storage.models import BadgeEventRow, BadgeWeekRow, LedgerRow
from storage.points import EARNING_KINDS
from storage.unit import UnitOfWork
from storage.upsert import insert_for

GRANT, REVOKE = "grant", "revoke"
# Check-in streak lengths and the badge a check-in reaching each one earns.
STREAK_BADGES: tuple[tuple[int, str], ...] = ((7, "streak7"), (30, "streak30"), (100, "streak100"))
WEEKLY_TOP3 = "weekly_top3"
INVITES10 = "invites10"
QUIZ_CHAMPION = "quiz_champion"
CHALLENGE = "challenge"
RESERVED: tuple[str, ...] = (
    *(code for _, code in STREAK_BADGES),
    WEEKLY_TOP3,
    INVITES10,
    QUIZ_CHAMPION,
    CHALLENGE,
)


def held(events: Iterable[tuple[str, str]]) -> list[str]:
    """The badges held after ``(code, action)`` events, oldest first, in the order first held."""
    holding: dict[str, bool] = {}
    for code, action in events:
        if action == GRANT:
            holding[code] = True
        else:
            holding.pop(code, None)
    return list(holding)


def streak_badges_reached(before: int, after: int) -> list[str]:
    """The streak badges a streak growing from ``before`` to ``after`` days reaches."""
    return [code for days, code in STREAK_BADGES if before < days <= after]


class BadgeRepository:
    """The badge_events and badge_weeks tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def _count(self, chat_id: int, user_id: int, code: str) -> int:
        session = await self._uow.session()
        e = BadgeEventRow
        query = select(func.count()).where(
            e.chat_id == chat_id, e.user_id == user_id, e.code == code
        )
        return int(await session.scalar(query) or 0)

    async def _add(
        self,
        chat_id: int,
        user_id: int,
        code: str,
        action: str,
        by: int | None,
        reason: str | None,
        now: datetime,
    ) -> bool:
        count = await self._count(chat_id, user_id, code)
        # Held while the count is odd: a grant needs an even count, a revoke an odd one.
        if (count % 2 == 0) != (action == GRANT):
            return False
        session = await self._uow.session()
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "code": code,
            "seq": count,
            "action": action,
            "actor_id": by,
            "reason": reason,
            "created_at": now,
        }
        stmt = insert_for(session)(BadgeEventRow.__table__).values(**row).on_conflict_do_nothing()
        return bool((await session.execute(stmt)).rowcount)

    async def grant(
        self,
        chat_id: int,
        user_id: int,
        code: str,
        by: int | None,
        reason: str | None,
        now: datetime,
    ) -> bool:
        """Give a badge (``by`` None: by a rule); False if the member holds it already.

        The group must have a chats row.
        """
        return await self._add(chat_id, user_id, code, GRANT, by, reason, now)

    async def revoke(
        self,
        chat_id: int,
        user_id: int,
        code: str,
        by: int | None,
        reason: str | None,
        now: datetime,
    ) -> bool:
        """Take a badge back; False if the member does not hold it."""
        return await self._add(chat_id, user_id, code, REVOKE, by, reason, now)

    async def grant_streak(
        self, chat_id: int, user_id: int, before: int, after: int, now: datetime
    ) -> list[str]:
        """The streak badges a check-in taking the streak from ``before`` to ``after`` earned."""
        return [
            code
            for code in streak_badges_reached(before, after)
            if await self.grant(chat_id, user_id, code, None, f"{after}", now)
        ]

    async def badges(self, chat_id: int, user_id: int) -> list[str]:
        """The badges a member holds now, in the order they were first held."""
        session = await self._uow.session()
        e = BadgeEventRow
        query = (
            select(e.code, e.action)
            .where(e.chat_id == chat_id, e.user_id == user_id)
            .order_by(e.id)
        )
        return held((code, action) for code, action in await session.execute(query))

    async def history(self, chat_id: int, user_id: int, limit: int) -> list[BadgeEventRow]:
        """A member's badge events, newest first: who awarded or took what, why and when."""
        session = await self._uow.session()
        e = BadgeEventRow
        query = (
            select(e)
            .where(e.chat_id == chat_id, e.user_id == user_id)
            .order_by(e.id.desc())
            .limit(limit)
        )
        return list(await session.scalars(query))

    async def catalogue(self, chat_id: int, limit: int) -> list[str]:
        """Every badge ever granted in a group, alphabetically (at most ``limit``)."""
        session = await self._uow.session()
        e = BadgeEventRow
        query = (
            select(e.code)
            .distinct()
            .where(e.chat_id == chat_id, e.action == GRANT)
            .order_by(e.code)
            .limit(limit)
        )
        return list(await session.scalars(query))

    async def earning_groups(self, since: datetime) -> list[int]:
        """Groups where someone earned points since a moment (candidates for the weekly top 3)."""
        session = await self._uow.session()
        query = (
            select(LedgerRow.chat_id)
            .distinct()
            .where(LedgerRow.created_at >= since, LedgerRow.kind.in_(EARNING_KINDS))
        )
        return list(await session.scalars(query))

    async def claim_week(self, chat_id: int, week: date, now: datetime) -> bool:
        """Mark a group's week as awarded; False if some process did so already."""
        session = await self._uow.session()
        stmt = (
            insert_for(session)(BadgeWeekRow.__table__)
            .values(chat_id=chat_id, week=week, awarded_at=now)
            .on_conflict_do_nothing()
        )
        return bool((await session.execute(stmt)).rowcount)

    async def top_earners(
        self, chat_id: int, start: datetime, end: datetime, limit: int, exclude: Collection[int]
    ) -> list[tuple[int, int]]:
        """(member, points) of those who earned most from ``start`` to before ``end``."""
        session = await self._uow.session()
        earned = func.sum(LedgerRow.delta).label("earned")
        query = (
            select(LedgerRow.user_id, earned)
            .where(
                LedgerRow.chat_id == chat_id,
                LedgerRow.created_at >= start,
                LedgerRow.created_at < end,
                LedgerRow.kind.in_(EARNING_KINDS),
            )
            .group_by(LedgerRow.user_id)
            .having(earned > 0)
            .order_by(earned.desc(), LedgerRow.user_id)
            .limit(limit)
        )
        if exclude:
            query = query.where(LedgerRow.user_id.not_in(sorted(exclude)))
        return [(user_id, int(total)) for user_id, total in await session.execute(query)]
