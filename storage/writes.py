"""Did a transaction write anything? Noted per connection, whatever issued the statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

# Set on a connection's info while its transaction has run an INSERT, UPDATE or DELETE.
_WROTE = "groupbot_wrote"


def track_writes(engine: AsyncEngine) -> None:
    """Note on each connection whether its current transaction wrote anything.

    Catches every compiled INSERT/UPDATE/DELETE, however it was run (ORM flush,
    ``session.execute``, or Core on the session's connection); raw SQL text is not seen.
    """
    sync = engine.sync_engine

    @event.listens_for(sync, "begin")
    def _begin(conn: Connection) -> None:
        conn.info[_WROTE] = False

    @event.listens_for(sync, "after_cursor_execute")
    def _executed(
        conn: Connection,
        _cursor: Any,
        _statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            conn.info[_WROTE] = True


async def has_writes(session: AsyncSession) -> bool:
    """Whether the session's open transaction wrote, or is about to flush, anything."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    connection = (await session.connection()).sync_connection
    return connection is not None and bool(connection.info.get(_WROTE))
