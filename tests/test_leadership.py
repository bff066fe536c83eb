"""Leader election: one process runs timed work, another takes over when it goes away."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from core import leadership
from core.leadership import (
    LOCK_KEY,
    AdvisoryLockLeader,
    SoleLeader,
    connect_options,
    leadership_for,
)

FAST = 0.2
WAIT = 5.0


class Recorder:
    """Counts on_gain/on_loss calls; can be told to make on_gain fail."""

    def __init__(self, failing_gains: int = 0) -> None:
        self.gains = 0
        self.losses = 0
        self.failing_gains = failing_gains

    async def on_gain(self) -> None:
        """Count a gain, raising while failures are left."""
        self.gains += 1
        if self.failing_gains:
            self.failing_gains -= 1
            raise RuntimeError("timers would not start")

    async def on_loss(self) -> None:
        """Count a loss."""
        self.losses += 1


def fast_leader(url: str) -> AdvisoryLockLeader:
    """A leader with short intervals so a test takes a few seconds."""
    return AdvisoryLockLeader(url, retry_seconds=FAST, check_seconds=FAST, connect_timeout=2.0)


async def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> float:
    """Poll until condition() is true; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def lock_holder_pids(url: str) -> list[int]:
    """Backends of this database holding an advisory lock."""
    parsed = make_url(url)
    conn = await asyncpg.connect(**connect_options(parsed, 5.0))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return [row["pid"] for row in rows]
    finally:
        await conn.close()


async def terminate(url: str, pid: int) -> None:
    """Kill a backend from outside, as a crashed network or an admin would."""
    conn = await asyncpg.connect(**connect_options(make_url(url), 5.0))
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


def test_lock_key_is_a_signed_64_bit_integer() -> None:
    """PostgreSQL advisory lock keys are bigint."""
    assert -(2**63) <= LOCK_KEY < 2**63


def test_leadership_for_picks_by_backend() -> None:
    """SQLite gets the sole leader, PostgreSQL the advisory lock."""
    assert isinstance(leadership_for("sqlite+aiosqlite:///data/bot.db"), SoleLeader)
    pg = leadership_for("postgresql+asyncpg://u:secret@db.example:5433/bot?ssl=require")
    assert isinstance(pg, AdvisoryLockLeader)
    with pytest.raises(ValueError):
        leadership_for("mysql+aiomysql://u@h/db")


def test_connect_options_come_from_the_url() -> None:
    """Host, credentials and asyncpg's own query options are passed; others are not."""
    url = make_url("postgresql+asyncpg://u:p%40ss@db:5433/bot?ssl=require&direct_tls=true&x=1")
    options = connect_options(url, 3.0)
    assert options == {
        "host": "db",
        "port": 5433,
        "user": "u",
        "password": "p@ss",
        "database": "bot",
        "timeout": 3.0,
        "ssl": "require",
        "direct_tls": True,
    }


async def test_sqlite_is_always_the_leader() -> None:
    """SoleLeader calls on_gain once and leads until stopped, without calling on_loss."""
    leader = leadership_for("sqlite+aiosqlite:///:memory:")
    recorder = Recorder()
    await leader.start(recorder.on_gain, recorder.on_loss)
    assert leader.is_leader
    assert recorder.gains == 1
    await leader.stop()
    assert not leader.is_leader
    assert recorder.losses == 0


async def test_sqlite_on_gain_failure_is_contained(caplog: pytest.LogCaptureFixture) -> None:
    """A failing on_gain is logged; the only process stays the leader."""
    leader = SoleLeader()
    await leader.start(Recorder(failing_gains=1).on_gain, Recorder().on_loss)
    assert leader.is_leader
    assert "starting timed work failed" in caplog.text
    await leader.stop()


async def test_one_leader_and_takeover_on_stop(pg_url: str) -> None:
    """Exactly one of two processes leads; stop() hands over without calling on_loss."""
    first, second = fast_leader(pg_url), fast_leader(pg_url)
    rec1, rec2 = Recorder(), Recorder()
    try:
        await first.start(rec1.on_gain, rec1.on_loss)
        await second.start(rec2.on_gain, rec2.on_loss)
        assert first.is_leader and rec1.gains == 1
        await asyncio.sleep(3 * FAST)
        assert not second.is_leader and rec2.gains == 0

        started = time.monotonic()
        await first.stop()
        assert not first.is_leader
        await wait_for(lambda: second.is_leader, timeout=3 * FAST)
        logging.getLogger(__name__).info("takeover after stop: %.3f s", time.monotonic() - started)
        assert rec2.gains == 1
        assert rec1.losses == 0
        await second.stop()
        assert rec2.losses == 0
    finally:
        await first.stop()
        await second.stop()


async def test_killed_connection_hands_over(pg_url: str) -> None:
    """When the leader's backend dies, it calls on_loss and the other process takes over."""
    first, second = fast_leader(pg_url), fast_leader(pg_url)
    rec1, rec2 = Recorder(), Recorder()
    try:
        await first.start(rec1.on_gain, rec1.on_loss)
        await second.start(rec2.on_gain, rec2.on_loss)
        assert first.is_leader and not second.is_leader
        [pid] = await lock_holder_pids(pg_url)

        started = time.monotonic()
        await terminate(pg_url, pid)
        await wait_for(lambda: rec1.losses == 1 and not first.is_leader)
        await wait_for(lambda: second.is_leader)
        took = time.monotonic() - started
        logging.getLogger(__name__).info("takeover after kill: %.3f s", took)
        assert took < 5 * FAST

        # The old leader reconnects and keeps trying, but does not lead again.
        await asyncio.sleep(4 * FAST)
        assert not first.is_leader and second.is_leader
        assert rec1.gains == 1 and rec2.gains == 1 and rec2.losses == 0
        assert len(await lock_holder_pids(pg_url)) == 1
    finally:
        await first.stop()
        await second.stop()


async def test_unreachable_server(caplog: pytest.LogCaptureFixture) -> None:
    """A closed port: start() does not raise, nobody leads, stop() works twice."""
    leader = fast_leader("postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/test")
    recorder = Recorder()
    with caplog.at_level(logging.DEBUG, logger="core.leadership"):
        await leader.start(recorder.on_gain, recorder.on_loss)
        await asyncio.sleep(3 * FAST)
        assert not leader.is_leader
        await leader.stop()
        await leader.stop()
    assert recorder.gains == 0 and recorder.losses == 0
    assert "cannot connect" in caplog.text
    assert "hunter2" not in caplog.text


async def test_unknown_host() -> None:
    """A name that does not resolve is retried like any other failure."""
    leader = AdvisoryLockLeader(
        "postgresql+asyncpg://postgres@no-such-host.invalid/test",
        retry_seconds=FAST,
        connect_timeout=1.0,
    )
    await leader.start(Recorder().on_gain, Recorder().on_loss)
    await asyncio.sleep(2 * FAST)
    assert not leader.is_leader
    await leader.stop()


async def test_stop_before_start_is_harmless() -> None:
    """stop() on a leader that never started does nothing."""
    leader = fast_leader("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    await leader.stop()
    assert not leader.is_leader


async def test_failing_on_gain_releases_the_lock(pg_url: str) -> None:
    """A failing on_gain undoes itself via on_loss, gives the lock back and retries later."""
    leader = fast_leader(pg_url)
    recorder = Recorder(failing_gains=2)
    try:
        await leader.start(recorder.on_gain, recorder.on_loss)
        assert not leader.is_leader
        assert recorder.gains == 1 and recorder.losses == 1
        assert await lock_holder_pids(pg_url) == []
        await wait_for(lambda: leader.is_leader)
        assert recorder.gains == 3 and recorder.losses == 2
    finally:
        await leader.stop()


async def test_failing_on_gain_lets_a_healthy_process_lead(pg_url: str) -> None:
    """A process whose timers never start does not keep a healthy one from leading."""
    broken, healthy = fast_leader(pg_url), fast_leader(pg_url)
    broken_rec, healthy_rec = Recorder(failing_gains=1_000), Recorder()
    try:
        await broken.start(broken_rec.on_gain, broken_rec.on_loss)
        await healthy.start(healthy_rec.on_gain, healthy_rec.on_loss)
        await wait_for(lambda: healthy.is_leader)
        await asyncio.sleep(3 * FAST)
        assert healthy.is_leader and not broken.is_leader
    finally:
        await broken.stop()
        await healthy.stop()


async def test_failing_on_loss_is_contained(pg_url: str) -> None:
    """An on_loss that raises does not stop the process from trying again."""
    leader = fast_leader(pg_url)
    gains = Recorder()

    async def bad_loss() -> None:
        raise RuntimeError("timers would not stop")

    try:
        await leader.start(gains.on_gain, bad_loss)
        [pid] = await lock_holder_pids(pg_url)
        await terminate(pg_url, pid)
        await wait_for(lambda: gains.gains == 2 and leader.is_leader)
    finally:
        await leader.stop()


async def test_lock_connection_asks_for_keepalives(pg_url: str) -> None:
    """The server is told to probe the lock connection, so a vanished host is noticed."""
    leader = fast_leader(pg_url)
    try:
        await leader.start(Recorder().on_gain, Recorder().on_loss)
        conn = leader._conn
        assert conn is not None
        for name, value in leadership.KEEPALIVE_SETTINGS.items():
            assert await conn.fetchval(f"SHOW {name}") == value
    finally:
        await leader.stop()


async def test_refused_keepalives_fall_back(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """If the server refuses the keepalive settings, connect without them."""
    monkeypatch.setattr(leadership, "KEEPALIVE_SETTINGS", {"tcp_keepalives_idle": "-5"})
    leader = fast_leader(pg_url)
    try:
        await leader.start(Recorder().on_gain, Recorder().on_loss)
        assert leader.is_leader
        assert "refused TCP keepalive settings" in caplog.text
    finally:
        await leader.stop()


async def test_stop_from_on_loss_does_not_hang(pg_url: str) -> None:
    """An on_loss that stops the leadership (e.g. during shutdown) returns."""
    leader = fast_leader(pg_url)
    stopped = asyncio.Event()

    async def on_loss() -> None:
        await leader.stop()
        stopped.set()

    try:
        await leader.start(Recorder().on_gain, on_loss)
        [pid] = await lock_holder_pids(pg_url)
        await terminate(pg_url, pid)
        await asyncio.wait_for(stopped.wait(), WAIT)
        assert not leader.is_leader
    finally:
        await leader.stop()
