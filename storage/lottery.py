"""Lotteries, their entries and winners.

What must not race is one conditional statement: an entry is an insert the unique
(lottery, member) key lets through once; the draw is claimed by moving the lottery from
``open`` to ``drawn`` (one process, once, however many try); a winner is replaced only
while unclaimed and not yet replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from storage.models import LotteryEntryRow, LotteryRow, LotteryWinnerRow
from storage.unit import UnitOfWork
from storage.upsert import insert_for

OPEN = "open"
DRAWN = "drawn"


@dataclass(frozen=True, slots=True)
class Entrant:
    """An entrant as the draw orders them (by entry id)."""

    entry_id: int
    user_id: int
    name: str


class LotteryRepository:
    """The lotteries, lottery_entries and lottery_winners tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def create(self, **values: Any) -> int:
        """Store a new lottery; its id."""
        session = await self._uow.session()
        table = LotteryRow.__table__
        stmt = insert(table).values(**values).returning(table.c.id)
        return int((await session.execute(stmt)).scalar_one())

    async def get(self, lottery_id: int, *, lock: bool = False) -> LotteryRow | None:
        """A lottery as stored now; ``lock``: hold its row to the end of the transaction.

        An entry locks the row, so the draw's claim (an update of it) waits for the entry
        to commit and then sees it; on SQLite writers queue anyway and no lock is taken.
        """
        session = await self._uow.session()
        query = select(LotteryRow).where(LotteryRow.id == lottery_id)
        if lock:
            query = query.with_for_update()
        return await session.scalar(query.execution_options(populate_existing=True))

    async def open_in(self, chat_id: int) -> list[LotteryRow]:
        """A group's open lotteries, oldest first."""
        session = await self._uow.session()
        query = (
            select(LotteryRow)
            .where(LotteryRow.chat_id == chat_id, LotteryRow.status == OPEN)
            .order_by(LotteryRow.id)
            .execution_options(populate_existing=True)
        )
        return list(await session.scalars(query))

    async def past_in(self, chat_id: int, limit: int) -> list[LotteryRow]:
        """A group's drawn lotteries, newest first."""
        session = await self._uow.session()
        query = (
            select(LotteryRow)
            .where(LotteryRow.chat_id == chat_id, LotteryRow.status == DRAWN)
            .order_by(LotteryRow.id.desc())
            .limit(limit)
        )
        return list(await session.scalars(query))

    async def open_all(self) -> list[tuple[int, datetime | None]]:
        """Every open lottery's id and end (the leader arms its timers from these)."""
        session = await self._uow.session()
        query = select(LotteryRow.id, LotteryRow.ends_at).where(LotteryRow.status == OPEN)
        return [(int(i), at) for i, at in await session.execute(query)]

    async def due(self, now: datetime) -> list[int]:
        """Open lotteries to draw: their end passed, or as many entered as they take."""
        session = await self._uow.session()
        entries = (
            select(func.count(LotteryEntryRow.id))
            .where(LotteryEntryRow.lottery_id == LotteryRow.id)
            .scalar_subquery()
        )
        query = (
            select(LotteryRow.id)
            .where(
                LotteryRow.status == OPEN,
                or_(
                    LotteryRow.ends_at <= now,
                    LotteryRow.max_entries.is_not(None) & (entries >= LotteryRow.max_entries),
                ),
            )
            .order_by(LotteryRow.id)
        )
        return [int(i) for i in await session.scalars(query)]

    # ------------------------------------------------------------------ entries

    async def enter(
        self, lottery_id: int, user_id: int, name: str, paid: int, now: datetime
    ) -> bool:
        """Store an entry; False if the member has one already (nothing is written)."""
        session = await self._uow.session()
        table = LotteryEntryRow.__table__
        row = {
            "lottery_id": lottery_id,
            "user_id": user_id,
            "name": name[:255],
            "paid": paid,
            "created_at": now,
        }
        stmt = insert_for(session)(table).values(**row).on_conflict_do_nothing()
        result = await session.execute(stmt.returning(table.c.id))
        return result.scalar_one_or_none() is not None

    async def withdraw(self, lottery_id: int, user_id: int) -> None:
        """Take back an entry (its payment failed in the same transaction)."""
        session = await self._uow.session()
        await session.execute(
            delete(LotteryEntryRow).where(
                LotteryEntryRow.lottery_id == lottery_id, LotteryEntryRow.user_id == user_id
            )
        )

    async def entry_count(self, lottery_id: int) -> int:
        """How many members entered."""
        session = await self._uow.session()
        query = select(func.count(LotteryEntryRow.id)).where(
            LotteryEntryRow.lottery_id == lottery_id
        )
        return int(await session.scalar(query) or 0)

    async def entrants(self, lottery_id: int) -> list[Entrant]:
        """Every entrant, by entry id: the order the draw shuffles."""
        session = await self._uow.session()
        e = LotteryEntryRow
        query = select(e.id, e.user_id, e.name).where(e.lottery_id == lottery_id).order_by(e.id)
        return [Entrant(int(i), int(u), n) for i, u, n in await session.execute(query)]

    # ------------------------------------------------------------------ the draw

    async def claim_draw(self, lottery_id: int, now: datetime) -> bool:
        """Move an open lottery to drawn; False if it was drawn already (by anyone)."""
        session = await self._uow.session()
        result = await session.execute(
            update(LotteryRow)
            .where(LotteryRow.id == lottery_id, LotteryRow.status == OPEN)
            .values(status=DRAWN, drawn_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def add_winners(self, lottery_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """Store winners (``slot``, ``place``, ``user_id``, ``name``, ``won_at``)."""
        if not rows:
            return
        session = await self._uow.session()
        await session.execute(
            insert(LotteryWinnerRow.__table__), [{"lottery_id": lottery_id, **r} for r in rows]
        )

    async def unannounced(self) -> list[int]:
        """Drawn lotteries whose result was not posted yet (a crash in between)."""
        session = await self._uow.session()
        query = select(LotteryRow.id).where(
            LotteryRow.status == DRAWN, LotteryRow.announced_at.is_(None)
        )
        return [int(i) for i in await session.scalars(query.order_by(LotteryRow.id))]

    async def mark_announced(self, lottery_id: int, now: datetime) -> bool:
        """Note that the result was posted; False if it was already."""
        session = await self._uow.session()
        result = await session.execute(
            update(LotteryRow)
            .where(LotteryRow.id == lottery_id, LotteryRow.announced_at.is_(None))
            .values(announced_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    # ------------------------------------------------------------------ winners

    async def winners(self, lottery_id: int, *, current: bool = True) -> list[LotteryWinnerRow]:
        """A lottery's winners by slot (``current``: without those replaced)."""
        session = await self._uow.session()
        w = LotteryWinnerRow
        query = select(w).where(w.lottery_id == lottery_id)
        if current:
            query = query.where(w.replaced_at.is_(None))
        query = query.order_by(w.slot, w.place).execution_options(populate_existing=True)
        return list(await session.scalars(query))

    async def unclaimed_wins(
        self, chat_id: int, user_id: int
    ) -> list[tuple[LotteryWinnerRow, LotteryRow]]:
        """A member's current, unclaimed wins in a group, oldest first."""
        session = await self._uow.session()
        w = LotteryWinnerRow
        query = (
            select(w, LotteryRow)
            .join(LotteryRow, LotteryRow.id == w.lottery_id)
            .where(
                LotteryRow.chat_id == chat_id,
                w.user_id == user_id,
                w.claimed_at.is_(None),
                w.replaced_at.is_(None),
            )
            .order_by(w.id)
            .execution_options(populate_existing=True)
        )
        return [(winner, lottery) for winner, lottery in await session.execute(query)]

    async def mark_claimed(self, winner_id: int, now: datetime) -> bool:
        """Note a claim; False if it was claimed or replaced meanwhile."""
        session = await self._uow.session()
        w = LotteryWinnerRow
        result = await session.execute(
            update(w)
            .where(w.id == winner_id, w.claimed_at.is_(None), w.replaced_at.is_(None))
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def mark_replaced(self, winner_id: int, now: datetime) -> bool:
        """Take a slot from its unclaimed winner; False if claimed or replaced meanwhile."""
        session = await self._uow.session()
        w = LotteryWinnerRow
        result = await session.execute(
            update(w)
            .where(w.id == winner_id, w.claimed_at.is_(None), w.replaced_at.is_(None))
            .values(replaced_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def places_taken(self, lottery_id: int) -> int:
        """How many places of the shuffle have been given (winners and replacements)."""
        session = await self._uow.session()
        query = select(func.count(LotteryWinnerRow.id)).where(
            LotteryWinnerRow.lottery_id == lottery_id
        )
        return int(await session.scalar(query) or 0)
