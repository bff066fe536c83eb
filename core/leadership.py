"""Leader election: only one bot process sharing a database runs timed work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

# First 8 bytes of sha256(b"groupbot:timed-work") as a signed big-endian integer.
LOCK_KEY: int = 4773890687109585139

Callback = Callable[[], Awaitable[None]]

# The server drops a silent client after about idle + interval * count = 25 s. That is longer
# than the 20 s (check_seconds + connect_timeout, with the defaults) a cut-off leader needs to
# notice and call on_loss, so the old leader stops before the lock is handed over.
KEEPALIVE_SETTINGS: dict[str, str] = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}

# Query options of a SQLAlchemy asyncpg URL that asyncpg.connect also takes as strings.
PASSTHROUGH_OPTIONS = frozenset(
    {"ssl", "passfile", "service", "servicefile", "target_session_attrs", "krbsrvname", "gsslib"}
)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class Leadership(Protocol):
    """Decides whether this process runs timed work."""

    @property
    def is_leader(self) -> bool:
        """True while this process should run timed work."""
        ...

    async def start(self, on_gain: Callback, on_loss: Callback) -> None:
        """Begin; on_gain runs on becoming the leader, on_loss on ceasing to be (not at stop())."""
        ...

    async def stop(self) -> None:
        """Give up leadership (release the lock, close the connection) and stop trying."""
        ...


class SoleLeader:
    """SQLite: always the leader; start() awaits on_gain() once."""

    def __init__(self) -> None:
        self._leader = False

    @property
    def is_leader(self) -> bool:
        """True between start() and stop()."""
        return self._leader

    async def start(self, on_gain: Callback, on_loss: Callback) -> None:
        """Become the leader and await on_gain(); a failure is logged, never raised."""
        self._leader = True
        try:
            await on_gain()
        except Exception:
            # No other process could run the timers instead, so stay leader and say so loudly.
            log.exception("starting timed work failed; this process stays the leader")

    async def stop(self) -> None:
        """Stop being the leader; on_loss is not called."""
        self._leader = False


class AdvisoryLockLeader:
    """PostgreSQL: leader while holding pg_try_advisory_lock(LOCK_KEY) on a dedicated connection."""

    def __init__(
        self,
        url: str,
        *,
        key: int = LOCK_KEY,
        retry_seconds: float = 15.0,
        check_seconds: float = 10.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self._url = make_url(url)
        self._key = key
        self._retry_seconds = retry_seconds
        self._check_seconds = check_seconds
        self._timeout = connect_timeout
        self._conn: asyncpg.Connection | None = None
        self._leader = False
        self._stopped = False
        self._failing = False
        self._keepalives = True
        self._task: asyncio.Task[None] | None = None
        # Serialises the steps with stop(), so the lock is never released mid-step.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._on_gain: Callback = _nothing
        self._on_loss: Callback = _nothing

    @property
    def is_leader(self) -> bool:
        """True while this process holds the lock and its connection answers."""
        return self._leader

    async def start(self, on_gain: Callback, on_loss: Callback) -> None:
        """Try for the lock once now, then keep trying (or checking) in the background."""
        if self._task is not None or self._stopped:
            log.warning("leadership already started or stopped; start() ignored")
            return
        self._on_gain, self._on_loss = on_gain, on_loss
        await self._step()
        if not self._stopped:
            self._task = asyncio.create_task(self._run(), name="leadership")

    async def stop(self) -> None:
        """Cancel the background task, release the lock and close the connection; never raises."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            # wait() rather than await: the task's cancellation must not cancel stop() itself.
            await asyncio.wait({task})
        try:
            if self._owner is asyncio.current_task():
                # Called from on_gain/on_loss: this task already holds the step lock.
                await self._release()
            else:
                async with self._lock:
                    await self._release()
        except Exception:
            log.exception("releasing leadership failed")
            self._abort()
        self._leader = False

    async def _run(self) -> None:
        while not self._stopped:
            await asyncio.sleep(self._check_seconds if self._leader else self._retry_seconds)
            await self._step()

    async def _step(self) -> None:
        try:
            async with self._lock:
                self._owner = asyncio.current_task()
                try:
                    await self._step_locked()
                finally:
                    self._owner = None
        except Exception:
            # Belt and braces: the background task must outlive any surprise.
            log.exception("leadership step failed")

    async def _step_locked(self) -> None:
        if self._stopped:
            return
        if self._leader:
            await self._check()
        else:
            await self._try_acquire()

    async def _try_acquire(self) -> None:
        conn = await self._connection()
        if conn is None:
            return
        try:
            got = await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
            )
        except Exception as exc:
            self._note_failure("asking for the leader lock failed: %r", exc)
            self._abort()
            return
        if got:
            log.info("this process is now the leader (%s)", self._where())
            self._leader = True
            await self._gain()

    async def _gain(self) -> None:
        try:
            await self._on_gain()
            return
        except Exception:
            log.exception("on_gain failed; giving up leadership, retrying later")
        # Holding the lock with half-started timers would block healthy processes: undo what
        # on_gain did, hand the lock back and try again after retry_seconds.
        await self._lose()
        await self._unlock()

    async def _check(self) -> None:
        if await self._healthy():
            return
        # Stop our timers before the server can hand the lock to someone else.
        await self._lose()
        self._abort()

    async def _healthy(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            log.warning("the leader lock connection is closed; no longer the leader")
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=self._timeout)
        except Exception as exc:
            log.warning("the leader lock connection failed (%r); no longer the leader", exc)
            return False
        return True

    async def _lose(self) -> None:
        self._leader = False
        try:
            await self._on_loss()
        except Exception:
            log.exception("on_loss failed")

    async def _unlock(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.fetchval(
                "SELECT pg_advisory_unlock($1)", self._key, timeout=self._timeout
            )
        except Exception as exc:
            log.warning("releasing the leader lock failed (%r); dropping the connection", exc)
            self._abort()

    async def _release(self) -> None:
        if self._leader:
            await self._unlock()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=self._timeout)
            except Exception:
                conn.terminate()

    def _abort(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def _connection(self) -> asyncpg.Connection | None:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        self._conn = None
        try:
            self._conn = await self._connect()
        except Exception as exc:
            self._note_failure("cannot connect to %s: %r", self._where(), exc)
            return None
        if self._failing:
            log.info("connected to %s again", self._where())
            self._failing = False
        return self._conn

    async def _connect(self) -> asyncpg.Connection:
        options = connect_options(self._url, self._timeout)
        if not self._keepalives:
            return await asyncpg.connect(**options)
        try:
            return await asyncpg.connect(**options, server_settings=KEEPALIVE_SETTINGS)
        except asyncpg.PostgresError as exc:
            # Poolers and some servers refuse these startup settings; do without them, but only
            # give them up for good if the plain connection works.
            conn = await asyncpg.connect(**options)
            log.warning("server refused TCP keepalive settings (%r); not using them", exc)
            self._keepalives = False
            return conn

    def _note_failure(self, message: str, *args: object) -> None:
        # Warn once per outage; later retries of the same outage only at debug level.
        (log.debug if self._failing else log.warning)(message, *args)
        self._failing = True

    def _where(self) -> str:
        return self._url.render_as_string(hide_password=True)


def connect_options(url: URL, timeout: float) -> dict[str, Any]:
    """Keyword arguments for asyncpg.connect from a SQLAlchemy URL."""
    options: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "database": url.database,
        "timeout": timeout,
    }
    for name, value in url.query.items():
        text = value[-1] if isinstance(value, tuple) else value
        if name in PASSTHROUGH_OPTIONS:
            options[name] = text
        elif name == "direct_tls":
            options[name] = text.lower() in TRUE_WORDS
    return options


def leadership_for(
    url: str, *, retry_seconds: float = 15.0, check_seconds: float = 10.0
) -> Leadership:
    """SoleLeader for SQLite URLs, AdvisoryLockLeader for PostgreSQL URLs."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return SoleLeader()
    if backend == "postgresql":
        return AdvisoryLockLeader(url, retry_seconds=retry_seconds, check_seconds=check_seconds)
    raise ValueError(f"no leader election for database {backend!r}")


async def _nothing() -> None:
    return None
