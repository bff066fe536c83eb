"""Insert-or-update that works on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

UpdateValues = Callable[[Any, Any], Mapping[str, Any]]


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: UpdateValues,
) -> None:
    """Insert ``rows``; on a ``keys`` clash, set what ``update(columns, excluded)`` gives.

    The rows go as one executemany of a single statement, so the statement is compiled
    once and cached rather than rebuilt with a bound value per cell.
    """
    if not rows:
        return
    stmt = insert_for(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_=dict(update(table.c, stmt.excluded))
    )
    await session.execute(stmt, list(rows))


async def insert_missing(session: AsyncSession, table: Table, row: Mapping[str, Any]) -> None:
    """Insert ``row`` unless a row with its primary key exists (safe against a racing insert)."""
    await session.execute(insert_for(session)(table).values(**row).on_conflict_do_nothing())


def insert_for(session: AsyncSession) -> Callable[[Table], Any]:
    """The INSERT construct of the session's dialect (for ON CONFLICT clauses)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
