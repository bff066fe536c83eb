"""The unit of work: one per event, a session opened only if needed, committed once."""

from __future__ import annotations

from collections.abc import Hashable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.cache import SnapshotCache
from storage.engine import make_engine, make_sessionmaker


class UnitOfWork:
    """Opens a session on first use; commits on a clean exit, rolls back on an error."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cache: SnapshotCache | None = None
    ) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self.cache = cache if cache is not None else SnapshotCache()
        self._changed: set[Hashable] = set()

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

    async def commit(self) -> None:
        """Commit what was done so far (normally left to the end of the unit)."""
        if self._session is not None:
            try:
                await self._session.commit()
            finally:
                self._settle()

    async def rollback(self) -> None:
        """Throw away what was done so far in this unit."""
        if self._session is not None:
            try:
                await self._session.rollback()
            finally:
                self._settle()

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
        session, self._session = self._session, None
        if session is None:
            self._settle()
            return
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            self._settle()
            await session.close()


class Store:
    """The database: an engine and the units of work made from it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = make_engine(url, echo=echo)
        self._sessions = make_sessionmaker(self.engine)
        self.cache = SnapshotCache()

    def unit(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(self._sessions, self.cache)

    async def migrate(self) -> None:
        """Apply all migrations."""
        from storage.migrate import upgrade

        await upgrade(self.engine)

    async def close(self) -> None:
        """Close every connection."""
        await self.engine.dispose()
