"""The database engine: SQLite (WAL) by default, PostgreSQL through asyncpg."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """How many connections an engine keeps and how long an event waits for one."""

    size: int = 10
    overflow: int = 20
    timeout: float = 120.0

    def arguments(self) -> dict[str, Any]:
        """The engine's pool arguments."""
        return {"pool_size": self.size, "max_overflow": self.overflow, "pool_timeout": self.timeout}


def make_engine(url: str, *, echo: bool = False, pool: PoolOptions | None = None) -> AsyncEngine:
    """Create an async engine; for a SQLite file, create its folder and turn on WAL."""
    parsed = make_url(url)
    pool = pool or PoolOptions()
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, echo, pool)
    return create_async_engine(url, echo=echo, pool_pre_ping=True, **pool.arguments())


def _sqlite_engine(url: str, database: str | None, echo: bool, pool: PoolOptions) -> AsyncEngine:
    on_disk = bool(database) and database != ":memory:"
    if database and on_disk and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # An in-memory database lives in one connection: its pool takes no size.
    options = pool.arguments() if on_disk else {}
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
