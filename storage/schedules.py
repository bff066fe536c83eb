"""Schedules and their run history: the source of truth the timers are rebuilt from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update

from storage.models import ChatRow, ScheduleRow, ScheduleRunRow, utcnow
from storage.unit import UnitOfWork
from storage.upsert import insert_for

LISTED_STATES = ("active", "paused")
CLAIM_CHUNK = 1_000
# What became of a sent occurrence; "unknown": sent, but Telegram's answer was lost (it
# may have been posted, so it is not sent again by itself).
OUTCOMES = ("posted", "failed", "unknown")
RETRYABLE = ("failed", "unknown")
# A schedule's occurrence: (schedule id, planned time), its idempotency key.
Occurrence = tuple[int, datetime]


@dataclass(frozen=True, slots=True)
class RunResult:
    """What became of a claimed occurrence: posted (with the message), failed or unknown
    (why)."""

    schedule_id: int
    occurrence_at: datetime
    status: str
    message_id: int | None = None
    detail: str | None = None


def _run(schedule_id: int, occurrence_at: datetime, status: str) -> dict[str, Any]:
    return {
        "schedule_id": schedule_id,
        "occurrence_at": occurrence_at,
        "status": status,
        "recorded_at": utcnow(),
    }


@dataclass(frozen=True, slots=True)
class Timer:
    """What arming one schedule's timer needs: its state, next time and group clock."""

    schedule_id: int
    chat_id: int
    state: str
    next_run_at: datetime | None
    timezone: str | None
    quiet_hours: str | None


class ScheduleRepository:
    """Schedules per group, and the claims and results of their occurrences."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def add(self, **values: Any) -> ScheduleRow:
        """Store a new schedule (its group must be stored) and give it an id."""
        session = await self._uow.session()
        row = ScheduleRow(**values)
        session.add(row)
        await session.flush()
        return row

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        """One schedule, fresh from the database."""
        session = await self._uow.session()
        return await session.get(ScheduleRow, schedule_id, populate_existing=True)

    async def many(self, ids: Sequence[int]) -> dict[int, ScheduleRow]:
        """Several schedules by id, fresh from the database."""
        if not ids:
            return {}
        session = await self._uow.session()
        rows = await session.scalars(
            select(ScheduleRow)
            .where(ScheduleRow.id.in_(ids))
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in rows}

    async def groups(self, chat_ids: Iterable[int]) -> dict[int, ChatRow]:
        """The stored groups of some schedules (their clocks, quiet hours and languages)."""
        wanted = list(chat_ids)
        if not wanted:
            return {}
        session = await self._uow.session()
        rows = await session.scalars(
            select(ChatRow).where(ChatRow.id.in_(wanted)).execution_options(populate_existing=True)
        )
        return {row.id: row for row in rows}

    async def in_chat(self, chat_id: int) -> list[ScheduleRow]:
        """A group's active and paused schedules, the next one first."""
        session = await self._uow.session()
        rows = await session.scalars(
            select(ScheduleRow)
            .where(ScheduleRow.chat_id == chat_id, ScheduleRow.state.in_(LISTED_STATES))
            .order_by(ScheduleRow.state, ScheduleRow.next_run_at, ScheduleRow.id)
        )
        return list(rows)

    async def count_in_chat(self, chat_id: int) -> int:
        """How many active or paused schedules a group has."""
        session = await self._uow.session()
        count = await session.scalar(
            select(func.count())
            .select_from(ScheduleRow)
            .where(ScheduleRow.chat_id == chat_id, ScheduleRow.state.in_(LISTED_STATES))
        )
        return int(count or 0)

    async def remove(self, row: ScheduleRow) -> None:
        """Delete a schedule and its history."""
        session = await self._uow.session()
        await session.execute(delete(ScheduleRunRow).where(ScheduleRunRow.schedule_id == row.id))
        await session.delete(row)

    async def timers(
        self,
        changed_since: datetime | None = None,
        *,
        chat_id: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[Timer]:
        """Active schedules (or those changed since a time, or some), for arming timers."""
        session = await self._uow.session()
        query = select(
            ScheduleRow.id,
            ScheduleRow.chat_id,
            ScheduleRow.state,
            ScheduleRow.next_run_at,
            ChatRow.timezone,
            ChatRow.quiet_hours,
        ).join(ChatRow, ChatRow.id == ScheduleRow.chat_id)
        if changed_since is not None:
            query = query.where(ScheduleRow.updated_at >= changed_since)
        elif chat_id is not None:
            query = query.where(ScheduleRow.chat_id == chat_id)
        elif ids is not None:
            query = query.where(ScheduleRow.id.in_(ids))
        else:
            query = query.where(ScheduleRow.state == "active")
        return [Timer(*row) for row in await session.execute(query)]

    async def touch_chat(self, chat_id: int) -> None:
        """Mark a group's schedules changed, so every process re-arms them (after a new
        time zone or quiet hours)."""
        session = await self._uow.session()
        await session.execute(
            update(ScheduleRow).where(ScheduleRow.chat_id == chat_id).values(updated_at=utcnow())
        )

    async def pause_chat(self, chat_id: int, reason: str) -> list[ScheduleRow]:
        """Pause a group's active schedules; return them."""
        session = await self._uow.session()
        rows = list(
            await session.scalars(
                select(ScheduleRow).where(
                    ScheduleRow.chat_id == chat_id, ScheduleRow.state == "active"
                )
            )
        )
        for row in rows:
            row.state, row.pause_reason = "paused", reason
        return rows

    async def claim(self, occurrences: Sequence[Occurrence]) -> set[Occurrence]:
        """Record that occurrences are being sent; return those not claimed before.

        The unique (schedule, occurrence) key makes a second claim, by this process or
        another, find the row and give up.
        """
        session = await self._uow.session()
        runs = ScheduleRunRow.__table__
        claimed: set[Occurrence] = set()
        # One multi-row statement per chunk, within every database's bind-parameter limit.
        for start in range(0, len(occurrences), CLAIM_CHUNK):
            chunk = occurrences[start : start + CLAIM_CHUNK]
            stmt = (
                insert_for(session)(runs)
                .values([_run(sid, at, "sending") for sid, at in chunk])
                .on_conflict_do_nothing()
                .returning(runs.c.schedule_id, runs.c.occurrence_at)
            )
            claimed.update((sid, at) for sid, at in await session.execute(stmt))
        return claimed

    async def record(self, results: Sequence[RunResult]) -> None:
        """Store the results of claimed occurrences."""
        if not results:
            return
        session = await self._uow.session()
        runs = ScheduleRunRow.__table__
        await session.execute(
            update(runs)
            .where(
                runs.c.schedule_id == bindparam("sid"),
                runs.c.occurrence_at == bindparam("at"),
            )
            .values(
                status=bindparam("new_status"),
                message_id=bindparam("new_message_id"),
                detail=bindparam("new_detail"),
                recorded_at=bindparam("now"),
            ),
            [
                {
                    "sid": r.schedule_id,
                    "at": r.occurrence_at,
                    "new_status": r.status,
                    "new_message_id": r.message_id,
                    "new_detail": (r.detail or "")[:200] or None,
                    "now": utcnow(),
                }
                for r in results
            ],
        )

    async def record_missed(self, occurrences: Iterable[Occurrence], detail: str) -> None:
        """Record occurrences that were never sent (a second record of one is ignored)."""
        rows = [{**_run(sid, at, "missed"), "detail": detail} for sid, at in occurrences]
        if not rows:
            return
        session = await self._uow.session()
        await session.execute(
            insert_for(session)(ScheduleRunRow.__table__).on_conflict_do_nothing(), rows
        )

    async def runs(self, schedule_id: int) -> Sequence[ScheduleRunRow]:
        """A schedule's run history, oldest first."""
        session = await self._uow.session()
        rows = await session.scalars(
            select(ScheduleRunRow)
            .where(ScheduleRunRow.schedule_id == schedule_id)
            .order_by(ScheduleRunRow.occurrence_at)
        )
        return list(rows)

    async def latest_outcomes(self, schedule_ids: Sequence[int]) -> dict[int, ScheduleRunRow]:
        """Each schedule's latest sent occurrence (posted, failed or unknown), by schedule."""
        if not schedule_ids:
            return {}
        session = await self._uow.session()
        runs = ScheduleRunRow
        latest = (
            select(runs.schedule_id, func.max(runs.occurrence_at).label("at"))
            .where(runs.schedule_id.in_(schedule_ids), runs.status.in_(OUTCOMES))
            .group_by(runs.schedule_id)
            .subquery()
        )
        rows = await session.scalars(
            select(runs)
            .join(
                latest,
                and_(runs.schedule_id == latest.c.schedule_id, runs.occurrence_at == latest.c.at),
            )
            .execution_options(populate_existing=True)
        )
        return {row.schedule_id: row for row in rows}

    async def reclaim(self, occurrence: Occurrence) -> bool:
        """Claim a failed (or unknown) occurrence for sending again; False if it is not
        failed any more (posted meanwhile, or claimed by another retry)."""
        session = await self._uow.session()
        schedule_id, at = occurrence
        result = await session.execute(
            update(ScheduleRunRow)
            .where(
                ScheduleRunRow.schedule_id == schedule_id,
                ScheduleRunRow.occurrence_at == at,
                ScheduleRunRow.status.in_(RETRYABLE),
            )
            .values(status="sending", recorded_at=utcnow())
        )
        return bool(getattr(result, "rowcount", 0))
