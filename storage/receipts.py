"""Receipts of handled updates: a redelivered update whose effects were stored is not redone.

A ``Receipt`` rides on an event's unit of work. When that unit commits something, the
receipt's row goes into the same transaction, so the event's writes and the record that
they happened are stored together or not at all. A unit that writes nothing (an ordinary
message: activity is buffered and flushed later) costs no row and no commit. The row's key
makes a second commit of the same event impossible, even from another process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdateRow, ParkedUpdateRow, UpdateOffsetRow, utcnow
from storage.unit import UnitOfWork
from storage.upsert import upsert


@dataclass(slots=True)
class Receipt:
    """The record that one event of one update was handled."""

    source: str
    update_id: int
    part: int = 0
    # When the event was handled (None: now, by the wall clock).
    at: datetime | None = None
    # True once the row is committed (the unit may commit more than once).
    stored: bool = False

    async def write(self, session: AsyncSession) -> None:
        """Add the row to the session's transaction (a duplicate fails the whole commit)."""
        row = {
            "source": self.source,
            "update_id": self.update_id,
            "part": self.part,
            "handled_at": self.at or utcnow(),
        }
        await session.execute(insert(HandledUpdateRow.__table__), [row])


class ReceiptRepository:
    """Handled-update rows and acknowledged offsets of one source."""

    def __init__(self, uow: UnitOfWork, source: str) -> None:
        self._uow = uow
        self._source = source

    async def handled(self, update_id: int, part: int) -> bool:
        """Whether this event of this update was handled and committed before."""
        session = await self._uow.session()
        query = select(HandledUpdateRow.update_id).where(
            HandledUpdateRow.source == self._source,
            HandledUpdateRow.update_id == update_id,
            HandledUpdateRow.part == part,
        )
        return (await session.scalar(query)) is not None

    async def highest(self) -> int | None:
        """The highest update id with a receipt (None: none)."""
        session = await self._uow.session()
        query = select(func.max(HandledUpdateRow.update_id)).where(
            HandledUpdateRow.source == self._source
        )
        value = await session.scalar(query)
        return int(value) if value is not None else None

    async def offset(self) -> int | None:
        """The offset stored last (None: never stored)."""
        session = await self._uow.session()
        query = select(UpdateOffsetRow.next_offset).where(UpdateOffsetRow.source == self._source)
        value = await session.scalar(query)
        return int(value) if value is not None else None

    async def store_offset(self, offset: int, when: datetime) -> None:
        """Remember the offset the platform acknowledged."""
        session = await self._uow.session()
        row = {"source": self._source, "next_offset": offset, "stored_at": when}
        await upsert(session, UpdateOffsetRow.__table__, [row], ("source",), _offset_columns)

    async def prune(self, *, below: int | None, before: datetime) -> int:
        """Delete receipts the platform can no longer redeliver; return how many went.

        ``below``: the acknowledged offset (nothing under it comes back); ``before``: older
        than anything the platform still keeps (Telegram keeps updates for 24 hours).
        """
        session = await self._uow.session()
        table = HandledUpdateRow.__table__
        mine = table.c.source == self._source
        old = table.c.handled_at < before
        condition = old if below is None else (old | (table.c.update_id < below))
        result = await session.execute(delete(table).where(mine, condition))
        return int(getattr(result, "rowcount", 0) or 0)

    async def park(self, bodies: dict[int, dict[str, Any]], when: datetime) -> None:
        """Store updates still being handled (by id), so the offset may move past them."""
        session = await self._uow.session()
        rows = [
            {"source": self._source, "update_id": uid, "body": body, "parked_at": when}
            for uid, body in bodies.items()
        ]
        await upsert(session, ParkedUpdateRow.__table__, rows, ("source", "update_id"), _body)

    async def parked(self) -> list[tuple[int, dict[str, Any]]]:
        """The parked updates, oldest first."""
        session = await self._uow.session()
        query = (
            select(ParkedUpdateRow.update_id, ParkedUpdateRow.body)
            .where(ParkedUpdateRow.source == self._source)
            .order_by(ParkedUpdateRow.update_id)
        )
        return [(int(uid), dict(body)) for uid, body in await session.execute(query)]

    async def unpark(self, update_ids: set[int]) -> None:
        """Forget parked updates that were handled since."""
        if not update_ids:
            return
        session = await self._uow.session()
        table = ParkedUpdateRow.__table__
        await session.execute(
            delete(table).where(
                table.c.source == self._source, table.c.update_id.in_(sorted(update_ids))
            )
        )


def _body(columns: Any, excluded: Any) -> dict[str, Any]:
    return {"body": excluded.body, "parked_at": excluded.parked_at}


def _offset_columns(columns: Any, excluded: Any) -> dict[str, Any]:
    return {"next_offset": excluded.next_offset, "stored_at": excluded.stored_at}
