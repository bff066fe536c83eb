"""Night mode state: each group's nightly period and whether (and since when) it is closed.

Closing and reopening are claimed with conditional updates, so of two processes (or a timer
and an admin's command) only one switches a group, and the permissions kept for the morning
are written once, before the group is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update

from storage.models import ChatRow, NightModeRow
from storage.unit import UnitOfWork
from storage.upsert import insert_missing


@dataclass(frozen=True, slots=True)
class NightState:
    """One group's night mode as the timed side reads it."""

    chat_id: int
    hours: str | None
    closed_at: datetime | None
    saved_rights: Mapping[str, bool] | None
    timezone: str | None


class NightModeRepository:
    """The night_mode table."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, chat_id: int) -> NightModeRow | None:
        """A group's night mode row, if it ever had one."""
        session = await self._uow.session()
        return await session.get(NightModeRow, chat_id)

    async def set_hours(self, chat_id: int, hours: str | None) -> None:
        """Turn night mode on for a period, or off (None); the group must have a chats row."""
        session = await self._uow.session()
        await insert_missing(session, NightModeRow.__table__, {"chat_id": chat_id})
        await session.execute(
            update(NightModeRow)
            .where(NightModeRow.chat_id == chat_id)
            .values(hours=hours)
            .execution_options(synchronize_session=False)
        )

    async def state(self, chat_id: int) -> NightState | None:
        """One group's state with its time zone."""
        rows = await self._states(NightModeRow.chat_id == chat_id)
        return rows[0] if rows else None

    async def watched(self) -> list[NightState]:
        """Every group with night mode on, or closed by the bot (to be reopened)."""
        return await self._states(
            or_(NightModeRow.hours.is_not(None), NightModeRow.closed_at.is_not(None))
        )

    async def _states(self, condition: ColumnElement[bool]) -> list[NightState]:
        session = await self._uow.session()
        query = (
            select(NightModeRow, ChatRow.timezone)
            .outerjoin(ChatRow, ChatRow.id == NightModeRow.chat_id)
            .where(condition)
            .execution_options(populate_existing=True)
        )
        return [
            NightState(row.chat_id, row.hours, row.closed_at, row.saved_rights, tz)
            for row, tz in await session.execute(query)
        ]

    async def mark_closed(
        self, chat_id: int, hours: str, at: datetime, rights: Mapping[str, bool]
    ) -> bool:
        """Note that the group is being closed at ``at``, keeping ``rights`` for the morning.

        False if it is closed already or its period changed meanwhile (nothing is written).
        """
        session = await self._uow.session()
        n = NightModeRow
        result = await session.execute(
            update(n)
            .where(n.chat_id == chat_id, n.closed_at.is_(None), n.hours == hours)
            .values(closed_at=at, saved_rights=dict(rights))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def mark_open(self, chat_id: int, closed_at: datetime) -> bool:
        """Note that the group closed at ``closed_at`` is open again; False if done already."""
        session = await self._uow.session()
        n = NightModeRow
        result = await session.execute(
            update(n)
            .where(n.chat_id == chat_id, n.closed_at == closed_at)
            .values(closed_at=None, saved_rights=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
