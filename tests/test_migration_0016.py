"""Migration 0016 (lotteries) on SQLite and PostgreSQL: up keeps data, down drops its tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import current_revision, downgrade, upgrade

GROUP = -1001234567890123
LOTTERY_TABLES = {"lotteries", "lottery_entries", "lottery_winners"}


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _lottery(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO lotteries (id, chat_id, creator_id, prize, winners, cost, min_checkins,"
            " min_member_days, no_warnings, seed, commitment, status, created_at) VALUES"
            f" (1, {GROUP}, 7, 'Cake', 1, 0, 0, 0, false, 'aa', 'bb', 'open',"
            " '2026-12-04 00:00:00')"
        )


async def _entry(engine: AsyncEngine, user_id: int) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO lottery_entries (lottery_id, user_id, name, paid, created_at)"
            f" VALUES (1, {user_id}, 'A', 0, '2026-12-04 00:00:00')"
        )


async def test_0016_up_keeps_groups_and_an_entry_is_unique(engine: AsyncEngine) -> None:
    await upgrade(engine, "0014")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({GROUP}, 'G', 'telegram', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    assert not LOTTERY_TABLES & await _tables(engine)
    await upgrade(engine, "0016")
    assert await current_revision(engine) == "0016"
    assert await _tables(engine) >= LOTTERY_TABLES
    await _lottery(engine)
    await _entry(engine, 501)
    try:
        await _entry(engine, 501)
    except IntegrityError:
        pass
    else:
        raise AssertionError("a second entry of one member was stored")
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT title FROM chats")).all()
        entries = (await conn.exec_driver_sql("SELECT count(*) FROM lottery_entries")).scalar()
    assert [tuple(r) for r in rows] == [("G",)] and entries == 1


async def test_0016_down_drops_the_lottery_tables_and_up_again(engine: AsyncEngine) -> None:
    await upgrade(engine, "0016")
    await downgrade(engine, "0014")
    assert await current_revision(engine) == "0014"
    assert not LOTTERY_TABLES & await _tables(engine)
    await upgrade(engine, "0016")
    assert await _tables(engine) >= LOTTERY_TABLES
