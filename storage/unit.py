"""The unit of work: one per event, a session opened only if needed, committed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.cache import SnapshotCache
from storage.engine import PoolOptions, make_engine, make_sessionmaker
from storage.writes import has_writes, track_writes

if TYPE_CHECKING:
    from storage.receipts import Receipt


class UnitOfWork:
    """Opens a session on first use; commits on a clean exit, rolls back on an error."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cache: SnapshotCache | None = None,
        writer: asyncio.Lock | None = None,
    ) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self.cache = cache if cache is not None else SnapshotCache()
        self._changed: set[Hashable] = set()
        self._inserted: set[tuple[str, Hashable]] = set()
        self._writer = writer
        # The handled-update record of the unit's event, stored with its first write.
        self.receipt: Receipt | None = None

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        """Run a write transaction (commit it inside) with no other in this process on SQLite.

        SQLite lets one transaction write at a time and makes the others poll its lock with
        growing sleeps; queueing them here instead keeps a burst of writes fast. Elsewhere
        this does nothing. Nothing may be written in this unit before entering it.
        """
        if self._writer is None:
            yield
            return
        if self._session is not None:
            # Hand the connection back while waiting: the writer ahead may need one.
            await self._release()
        async with self._writer:
            yield

    async def _release(self) -> None:
        """Commit and close the session (if any): the unit may open a new one later."""
        session = self._session
        if session is None:
            self._settle()
            return
        try:
            await self.commit()
        finally:
            self._session = None
            await session.close()

    async def session(self) -> AsyncSession:
        """The unit's session, opened lazily so events that store nothing cost nothing."""
        if self._session is None:
            self._session = self._sessions()
        return self._session

    def changing(self, key: Hashable) -> None:
        """Mark the cached ``key`` as written by this unit.

        It is dropped now and again when the unit commits or rolls back, so no reader keeps
        a value from before the write.
        """
        self.cache.drop(key)
        self._changed.add(key)

    def stored(self, key: tuple[str, Hashable]) -> None:
        """Note in the cache that ``key`` now has a row; taken back if this unit rolls back."""
        self.cache.stored(key)
        self._inserted.add(key)

    async def commit(self) -> None:
        """Commit what was done so far (normally left to the end of the unit)."""
        if self._session is not None:
            try:
                receipt = await self._add_receipt()
                await self._session.commit()
                if receipt is not None:
                    receipt.stored = True
                self._inserted.clear()
            except BaseException:
                self._forget_inserted()
                raise
            finally:
                self._settle()

    async def _add_receipt(self) -> Receipt | None:
        # Only a transaction that writes carries the receipt: a unit that only read (or
        # wrote nothing) costs no extra row, so ordinary messages still commit nothing.
        receipt, session = self.receipt, self._session
        if receipt is None or receipt.stored or session is None:
            return None
        if not await has_writes(session):
            return None
        await receipt.write(session)
        return receipt

    async def rollback(self) -> None:
        """Throw away what was done so far in this unit."""
        if self._session is not None:
            try:
                await self._session.rollback()
            finally:
                self._forget_inserted()
                self._settle()

    def _forget_inserted(self) -> None:
        for key in self._inserted:
            self.cache.unstored(key)
        self._inserted.clear()

    def _settle(self) -> None:
        for key in self._changed:
            self.cache.drop(key)
        self._changed.clear()

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self._release()
            return
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.rollback()
        finally:
            self._forget_inserted()
            self._settle()
            if session is not None:
                await session.close()


class Store:
    """The database: an engine and the units of work made from it."""

    def __init__(self, url: str, *, echo: bool = False, pool: PoolOptions | None = None) -> None:
        self.url = url
        self.engine: AsyncEngine = make_engine(url, echo=echo, pool=pool)
        self._sessions = make_sessionmaker(self.engine)
        self.cache = SnapshotCache()
        self._writer = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None
        track_writes(self.engine)

    def unit(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(self._sessions, self.cache, self._writer)

    async def migrate(self) -> None:
        """Apply all migrations."""
        from storage.migrate import upgrade

        await upgrade(self.engine)

    async def close(self) -> None:
        """Close every connection."""
        await self.engine.dispose()
