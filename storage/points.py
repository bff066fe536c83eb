"""Points per group: an append-only ledger, balances kept in step with it, check-in days,
the shop and its redemptions.

Every change that must not race is one conditional statement: a check-in day is claimed by
inserting its key, stock and balances only go down ``WHERE`` enough is left. On PostgreSQL
a second writer waits on the row and then finds the condition false; on SQLite the first
write of a transaction takes the database's write lock, so writers queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, insert, select, true, tuple_, update

from storage.models import (
    CheckinRow,
    CheckinSettingsRow,
    LedgerRow,
    PointsAccountRow,
    RedemptionRow,
    ShopItemRow,
)
from storage.repositories import cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_for, upsert


@dataclass(frozen=True, slots=True)
class CheckinState:
    """A check-in's effect on the account, stored with its credit in one statement."""

    streak: int
    day: date


@dataclass(frozen=True, slots=True)
class ActivityCredit:
    """Activity points to credit to one member, and the day's new stored total."""

    chat_id: int
    user_id: int
    points: int
    day: date
    today_total: int
    at: datetime


# Accounts read per query (two bound values each): well under every database's limit.
_CHUNK = 400

# Ledger kinds that count as earning, for the weekly board.
EARNING_KINDS = ("checkin", "activity", "give", "invite", "quiz", "challenge")
# Ledger entries read per query by an export.
LEDGER_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger row as an export reads it (plain values, not an ORM object)."""

    id: int
    user_id: int
    delta: int
    kind: str
    reason: str | None
    actor_id: int | None
    created_at: datetime


_ENTRY_COLUMNS = (
    LedgerRow.id,
    LedgerRow.user_id,
    LedgerRow.delta,
    LedgerRow.kind,
    LedgerRow.reason,
    LedgerRow.actor_id,
    LedgerRow.created_at,
)


def ledger_chunk_query(
    chat_id: int, user_id: int | None, after: int, newest: int, size: int
) -> Select[Any]:
    """The next chunk of ledger entries by id: ids after ``after`` up to ``newest``."""
    if user_id is None:
        # Walk the primary key: given ``chat_id = ?``, SQLite picks the time index and
        # sorts the group's whole ledger for every chunk (ever slower chunks).
        scan = [(LedgerRow.chat_id + 0) == chat_id]
    else:
        scan = [LedgerRow.chat_id == chat_id, LedgerRow.user_id == user_id]
    return (
        select(*_ENTRY_COLUMNS)
        .where(*scan, LedgerRow.id > after, LedgerRow.id <= newest)
        .order_by(LedgerRow.id)
        .limit(size)
    )


class PointsRepository:
    """Members' points in groups."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def account(self, chat_id: int, user_id: int) -> PointsAccountRow | None:
        """A member's account as stored now (not from the session's identity map)."""
        session = await self._uow.session()
        query = select(PointsAccountRow).where(
            PointsAccountRow.chat_id == chat_id, PointsAccountRow.user_id == user_id
        )
        return await session.scalar(query.execution_options(populate_existing=True))

    async def ensure_account(self, chat_id: int, user_id: int, name: str) -> None:
        """Create the member's account if it is missing; keep the name current."""
        await self.ensure_accounts([(chat_id, user_id, name)])

    async def credit(
        self,
        chat_id: int,
        user_id: int,
        delta: int,
        kind: str,
        reason: str | None,
        actor_id: int | None,
        now: datetime,
        *,
        checkin: CheckinState | None = None,
    ) -> int:
        """Add points (the account must exist) and write the ledger row; the new balance.

        With ``checkin``, the streak and last day are stored by the same statement.
        """
        session = await self._uow.session()
        table = PointsAccountRow.__table__
        values: dict[str, Any] = {
            "balance": table.c.balance + delta,
            "earned": table.c.earned + delta,
        }
        if checkin is not None:
            values.update(self._checkin_values(checkin.streak, checkin.day, 1))
        stmt = (
            update(table)
            .where(table.c.chat_id == chat_id, table.c.user_id == user_id)
            .values(**values)
            .returning(table.c.balance)
        )
        balance = (await session.execute(stmt)).scalar_one()
        await self._log(chat_id, user_id, delta, kind, reason, actor_id, now)
        return int(balance)

    @staticmethod
    def _checkin_values(streak: int, day: date, added: int) -> dict[str, Any]:
        table = PointsAccountRow.__table__
        # A made-up day lies in the past: the last day only ever moves forward.
        later = table.c.last_checkin.is_(None) | (table.c.last_checkin < day)
        return {
            "streak": streak,
            "last_checkin": case((later, day), else_=table.c.last_checkin),
            "checkins": table.c.checkins + added,
        }

    async def debit(
        self,
        chat_id: int,
        user_id: int,
        amount: int,
        kind: str,
        reason: str | None,
        actor_id: int | None,
        now: datetime,
    ) -> int | None:
        """Take points if the balance covers them; the new balance, or None if it does not."""
        session = await self._uow.session()
        table = PointsAccountRow.__table__
        stmt = (
            update(table)
            .where(
                table.c.chat_id == chat_id,
                table.c.user_id == user_id,
                table.c.balance >= amount,
            )
            .values(balance=table.c.balance - amount)
            .returning(table.c.balance)
        )
        balance = (await session.execute(stmt)).scalar_one_or_none()
        if balance is None:
            return None
        await self._log(chat_id, user_id, -amount, kind, reason, actor_id, now)
        return int(balance)

    async def _log(
        self,
        chat_id: int,
        user_id: int,
        delta: int,
        kind: str,
        reason: str | None,
        actor_id: int | None,
        now: datetime,
    ) -> None:
        session = await self._uow.session()
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "delta": delta,
            "kind": kind,
            "reason": reason[:200] if reason else None,
            "actor_id": actor_id,
            "created_at": now,
        }
        await session.execute(insert(LedgerRow.__table__).values(**row))

    async def claim_day(
        self, chat_id: int, user_id: int, day: date, points: int, made_up: bool, now: datetime
    ) -> bool:
        """Record a check-in day; False if the member already has that day."""
        session = await self._uow.session()
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "day": day,
            "points": points,
            "made_up": made_up,
            "created_at": now,
        }
        stmt = insert_for(session)(CheckinRow.__table__).values(**row).on_conflict_do_nothing()
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def days_since(self, chat_id: int, user_id: int, since: date) -> set[date]:
        """The member's check-in days from ``since`` on."""
        session = await self._uow.session()
        query = select(CheckinRow.day).where(
            CheckinRow.chat_id == chat_id, CheckinRow.user_id == user_id, CheckinRow.day >= since
        )
        return set(await session.scalars(query))

    async def has_day_before(self, chat_id: int, user_id: int, day: date) -> bool:
        """Whether the member checked in on any day before ``day``."""
        session = await self._uow.session()
        query = select(func.count()).where(
            CheckinRow.chat_id == chat_id, CheckinRow.user_id == user_id, CheckinRow.day < day
        )
        return bool(await session.scalar(query))

    async def set_checkin_state(
        self, chat_id: int, user_id: int, *, streak: int, last_checkin: date, added: int
    ) -> None:
        """Store the streak and last day after a make-up."""
        session = await self._uow.session()
        table = PointsAccountRow.__table__
        await session.execute(
            update(table)
            .where(table.c.chat_id == chat_id, table.c.user_id == user_id)
            .values(**self._checkin_values(streak, last_checkin, added))
        )

    async def ensure_accounts(self, members: Sequence[tuple[int, int, str]]) -> None:
        """Create the missing accounts of many (group, member, name) at once; names kept current."""
        session = await self._uow.session()
        rows = [
            {
                "chat_id": chat_id,
                "user_id": user_id,
                "name": name[:255],
                "balance": 0,
                "earned": 0,
                "streak": 0,
                "checkins": 0,
                "activity_today": 0,
            }
            for chat_id, user_id, name in members
        ]
        await upsert(
            session,
            PointsAccountRow.__table__,
            rows,
            ("chat_id", "user_id"),
            lambda _, new: {"name": new.name},
        )

    async def accounts_of(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Any]:
        """The stored accounts of many (group, member) pairs, a few hundred pairs a query."""
        session = await self._uow.session()
        table = PointsAccountRow.__table__
        pairs = list(dict.fromkeys(keys))
        found: dict[tuple[int, int], Any] = {}
        for start in range(0, len(pairs), _CHUNK):
            chunk = pairs[start : start + _CHUNK]
            query = select(table).where(tuple_(table.c.chat_id, table.c.user_id).in_(chunk))
            for row in await session.execute(query):
                found[(row.chat_id, row.user_id)] = row
        return found

    async def credit_activity(self, credits: Sequence[ActivityCredit]) -> None:
        """Credit many members' activity points with their ledger rows: two executemanys."""
        if not credits:
            return
        session = await self._uow.session()
        table = PointsAccountRow.__table__
        # Bind names differ from column names: SQLAlchemy reserves those in UPDATE ... SET.
        stmt = (
            update(table)
            .where(table.c.chat_id == bindparam("k_chat"), table.c.user_id == bindparam("k_user"))
            .values(
                balance=table.c.balance + bindparam("k_points"),
                earned=table.c.earned + bindparam("k_points"),
                activity_day=bindparam("k_day"),
                activity_today=bindparam("k_today"),
                activity_at=bindparam("k_at"),
            )
        )
        connection = await session.connection()
        await connection.execute(
            stmt,
            [
                {
                    "k_chat": c.chat_id,
                    "k_user": c.user_id,
                    "k_points": c.points,
                    "k_day": c.day,
                    "k_today": c.today_total,
                    "k_at": c.at,
                }
                for c in credits
            ],
        )
        ledger = [
            {
                "chat_id": c.chat_id,
                "user_id": c.user_id,
                "delta": c.points,
                "kind": "activity",
                "reason": None,
                "actor_id": c.user_id,
                "created_at": c.at,
            }
            for c in credits
        ]
        await connection.execute(insert(LedgerRow.__table__), ledger)

    async def rank(self, chat_id: int, earned: int, exclude: Collection[int] = ()) -> int:
        """A member's place on the all-time board (1 is first); ``exclude`` are not on it."""
        session = await self._uow.session()
        query = select(func.count()).where(
            PointsAccountRow.chat_id == chat_id, PointsAccountRow.earned > earned
        )
        if exclude:
            query = query.where(PointsAccountRow.user_id.not_in(sorted(exclude)))
        return int(await session.scalar(query) or 0) + 1

    async def top(
        self, chat_id: int, limit: int, exclude: Collection[int] = ()
    ) -> list[PointsAccountRow]:
        """The all-time board: most points earned first; ``exclude`` are left off."""
        session = await self._uow.session()
        query = (
            select(PointsAccountRow)
            .where(PointsAccountRow.chat_id == chat_id, PointsAccountRow.earned > 0)
            .order_by(PointsAccountRow.earned.desc(), PointsAccountRow.user_id)
            .limit(limit)
        )
        if exclude:
            query = query.where(PointsAccountRow.user_id.not_in(sorted(exclude)))
        return list(await session.scalars(query))

    async def top_since(
        self, chat_id: int, since: datetime, limit: int, exclude: Collection[int] = ()
    ) -> list[tuple[str, int]]:
        """Names and points earned since a moment, most first (the weekly board)."""
        session = await self._uow.session()
        earned = func.sum(LedgerRow.delta).label("earned")
        query = (
            select(PointsAccountRow.name, earned)
            .join(
                PointsAccountRow,
                (PointsAccountRow.chat_id == LedgerRow.chat_id)
                & (PointsAccountRow.user_id == LedgerRow.user_id),
            )
            .where(
                LedgerRow.chat_id == chat_id,
                LedgerRow.created_at >= since,
                LedgerRow.kind.in_(EARNING_KINDS),
                LedgerRow.user_id.not_in(sorted(exclude)) if exclude else true(),
            )
            .group_by(LedgerRow.user_id, PointsAccountRow.name)
            .order_by(earned.desc(), LedgerRow.user_id)
            .limit(limit)
        )
        return [(name, int(total)) for name, total in await session.execute(query)]

    async def ledger(
        self, chat_id: int, user_id: int | None, limit: int, offset: int = 0
    ) -> list[LedgerRow]:
        """Ledger rows, newest first: one member's, or the whole group's."""
        session = await self._uow.session()
        query = select(LedgerRow).where(LedgerRow.chat_id == chat_id)
        if user_id is not None:
            query = query.where(LedgerRow.user_id == user_id)
        query = query.order_by(LedgerRow.id.desc()).limit(limit).offset(offset)
        return list(await session.scalars(query))

    async def ledger_chunks(
        self, chat_id: int, user_id: int | None = None, size: int = LEDGER_CHUNK
    ) -> AsyncIterator[list[LedgerEntry]]:
        """Ledger entries, oldest first, ``size`` at a time: one member's, or the group's.

        Read by id ranges (never an offset) up to the newest entry when the read began, so
        memory stays bounded however long the ledger is. The caller may commit between
        chunks (to send a file, say): each chunk is a query of its own.
        """
        session = await self._uow.session()
        where = [LedgerRow.chat_id == chat_id]
        if user_id is not None:
            where.append(LedgerRow.user_id == user_id)
        bounds = select(func.min(LedgerRow.id), func.max(LedgerRow.id)).where(*where)
        oldest, newest = (await session.execute(bounds)).one()
        after = (oldest or 1) - 1
        while newest is not None and after < newest:
            session = await self._uow.session()
            query = ledger_chunk_query(chat_id, user_id, after, newest, size)
            rows = [LedgerEntry(*row) for row in await session.execute(query)]
            if not rows:
                return
            yield rows
            after = rows[-1].id

    async def ledger_sums(self, chat_id: int) -> dict[int, tuple[int, int]]:
        """Per member, the ledger's (sum, sum of positive entries): what balances must equal."""
        session = await self._uow.session()
        positive = func.sum(case((LedgerRow.delta > 0, LedgerRow.delta), else_=0))
        query = (
            select(LedgerRow.user_id, func.sum(LedgerRow.delta), positive)
            .where(LedgerRow.chat_id == chat_id)
            .group_by(LedgerRow.user_id)
        )
        return {u: (int(s), int(p)) for u, s, p in await session.execute(query)}

    async def accounts(self, chat_id: int) -> list[PointsAccountRow]:
        """Every account of a group, richest first."""
        session = await self._uow.session()
        query = select(PointsAccountRow).where(PointsAccountRow.chat_id == chat_id)
        return list(await session.scalars(query.order_by(PointsAccountRow.earned.desc())))

    # ---------------------------------------------------------------- shop

    async def add_item(self, chat_id: int, name: str, cost: int, stock: int, now: datetime) -> bool:
        """Put an item in the shop; False if the group has one of that name."""
        session = await self._uow.session()
        row = {"chat_id": chat_id, "name": name, "cost": cost, "stock": stock, "created_at": now}
        stmt = insert_for(session)(ShopItemRow.__table__).values(**row).on_conflict_do_nothing()
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def item(self, chat_id: int, name: str) -> ShopItemRow | None:
        """A shop item by name (case-insensitive)."""
        session = await self._uow.session()
        query = select(ShopItemRow).where(
            ShopItemRow.chat_id == chat_id, func.lower(ShopItemRow.name) == name.lower()
        )
        return await session.scalar(query.execution_options(populate_existing=True))

    async def items(self, chat_id: int) -> list[ShopItemRow]:
        """The group's shop, cheapest first."""
        session = await self._uow.session()
        query = select(ShopItemRow).where(ShopItemRow.chat_id == chat_id)
        return list(await session.scalars(query.order_by(ShopItemRow.cost, ShopItemRow.name)))

    async def remove_item(self, item_id: int) -> None:
        """Take an item out of the shop (its redemptions stay)."""
        session = await self._uow.session()
        await session.execute(delete(ShopItemRow).where(ShopItemRow.id == item_id))

    async def take_stock(self, item_id: int) -> bool:
        """Take one of an item if any is left."""
        session = await self._uow.session()
        table = ShopItemRow.__table__
        result = await session.execute(
            update(table)
            .where(table.c.id == item_id, table.c.stock > 0)
            .values(stock=table.c.stock - 1)
        )
        return bool(getattr(result, "rowcount", 0))

    async def add_redemption(self, **values: Any) -> None:
        """Record a purchase."""
        session = await self._uow.session()
        await session.execute(insert(RedemptionRow.__table__).values(**values))

    async def redemptions(self, chat_id: int, limit: int) -> list[RedemptionRow]:
        """The group's latest purchases."""
        session = await self._uow.session()
        query = select(RedemptionRow).where(RedemptionRow.chat_id == chat_id)
        return list(await session.scalars(query.order_by(RedemptionRow.id.desc()).limit(limit)))

    async def names(self, chat_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        """Members' names as their accounts know them (accounts without a name left out)."""
        session = await self._uow.session()
        ids = sorted(set(user_ids))
        found: dict[int, str] = {}
        for start in range(0, len(ids), _CHUNK):
            query = select(PointsAccountRow.user_id, PointsAccountRow.name).where(
                PointsAccountRow.chat_id == chat_id,
                PointsAccountRow.user_id.in_(ids[start : start + _CHUNK]),
            )
            found.update({u: n for u, n in await session.execute(query) if n})
        return found

    # ---------------------------------------------------------------- settings

    async def rules(self, chat_id: int) -> dict[str, Any] | None:
        """The group's stored changes to the points rules (a cached snapshot)."""

        async def load() -> dict[str, Any] | None:
            session = await self._uow.session()
            row = await session.get(CheckinSettingsRow, chat_id)
            return dict(row.rules) if row is not None else None

        return await cached_snapshot(self._uow, ("checkin", chat_id), load, None)

    async def set_rules(self, chat_id: int, rules: dict[str, Any]) -> None:
        """Store the group's changes to the points rules."""
        self._uow.changing(("checkin", chat_id))
        self._uow.stored(("checkin", chat_id))
        session = await self._uow.session()
        stmt = insert_for(session)(CheckinSettingsRow.__table__).values(
            chat_id=chat_id, rules=rules
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["chat_id"], set_={"rules": stmt.excluded.rules}
            )
        )
