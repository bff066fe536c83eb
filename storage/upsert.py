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
    """Insert ``rows``; on a ``keys`` clash, set what ``update(columns, excluded)`` gives."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(list(rows))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_=dict(update(table.c, stmt.excluded))
    )
    await session.execute(stmt)
