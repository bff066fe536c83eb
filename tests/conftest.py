"""Shared fixtures: databases on SQLite and PostgreSQL, and a migrated Store."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from storage.unit import Store

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def postgres_answers(url: str = POSTGRES_URL) -> bool:
    """True if something listens where the test PostgreSQL should be."""
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip (outside CI) or fail (under CI=true) when PostgreSQL does not answer."""
    if postgres_answers():
        return
    reason = f"PostgreSQL does not answer at {make_url(POSTGRES_URL).render_as_string()}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
    pytest.skip(reason)


async def _admin_execute(sql: str) -> None:
    import asyncpg

    parsed = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_postgres_database() -> str:
    """Create an empty database of our own and return its URL."""
    name = f"groupbot_test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``fresh_postgres_database``."""
    name = make_url(url).database
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with postgres_database() as url:
        yield url


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the block (skipped or failed as require_postgres says)."""
    require_postgres()
    url = await fresh_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest_asyncio.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, so advisory locks of other tests never contend."""
    async with postgres_database() as url:
        yield url


@pytest_asyncio.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A migrated Store on each database."""
    store = Store(database_url)
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


@pytest_asyncio.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated Store on SQLite only, for feature tests that need no PostgreSQL run."""
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()
