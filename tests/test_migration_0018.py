"""Migration 0018 (badges, challenges) on SQLite and PostgreSQL: tables come and go."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import downgrade, upgrade

GROUP = -1001234567890123
BADGE_TABLES = {"badge_events", "badge_weeks", "challenges", "challenge_completions"}


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_0018_adds_the_badge_tables_and_keeps_the_groups(engine: AsyncEngine) -> None:
    await upgrade(engine, "0014")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({GROUP}, 'G', 'telegram', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    assert not BADGE_TABLES & await tables(engine)
    await upgrade(engine, "0018")
    assert await tables(engine) >= BADGE_TABLES
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO badge_events (chat_id, user_id, code, seq, action, created_at)"
            f" VALUES ({GROUP}, 11, 'helper', 0, 'grant', '2026-12-04 00:00:00')"
        )
    await downgrade(engine, "0014")
    assert not BADGE_TABLES & await tables(engine)
    async with engine.connect() as conn:
        ids = (await conn.exec_driver_sql("SELECT id FROM chats")).scalars().all()
    assert list(ids) == [GROUP]
    await upgrade(engine, "0018")
    async with engine.connect() as conn:
        count = (await conn.exec_driver_sql("SELECT count(*) FROM badge_events")).scalar()
    assert count == 0
