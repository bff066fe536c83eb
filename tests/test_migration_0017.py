"""Migration 0017 (quizzes): up from 0014 keeps the groups, down removes only its tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import downgrade, upgrade

QUIZ_GROUP = -1001234567890124
QUIZ_TABLES = {"quiz_questions", "quiz_daily"}


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


async def test_0017_up_and_down_keeps_the_groups(engine: AsyncEngine) -> None:
    await upgrade(engine, "0014")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({QUIZ_GROUP}, 'G', 'telegram', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    assert not QUIZ_TABLES & await _tables(engine)
    await upgrade(engine, "0017")
    assert await _tables(engine) >= QUIZ_TABLES
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO quiz_questions (chat_id, question, answers, choices, explanation,"
            f" created_at) VALUES ({QUIZ_GROUP}, 'Q', '[\"a\"]', '[]', '',"
            " '2026-12-04 00:00:00')"
        )
        await conn.exec_driver_sql(
            f"INSERT INTO quiz_daily (chat_id, at, questions) VALUES ({QUIZ_GROUP}, '20:00', 1)"
        )
    await downgrade(engine, "0014")
    assert not QUIZ_TABLES & await _tables(engine)
    async with engine.connect() as conn:
        chats = (await conn.exec_driver_sql("SELECT id FROM chats")).all()
    assert [row[0] for row in chats] == [QUIZ_GROUP]
    await upgrade(engine, "0017")
    assert await _tables(engine) >= QUIZ_TABLES
