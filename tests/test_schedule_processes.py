"""Several bot processes on one database: every occurrence is posted exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.platforms.recording import RecordingPort
from core.leadership import AdvisoryLockLeader
from core.timed_work import TimedWork
from handlers.schedule.runner import ScheduleRunner
from storage.repositories import ChatRepository
from storage.schedules import ScheduleRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, make_runtime, posting_port, posts


async def add_one_offs(store: Store, count: int, start: datetime, step: timedelta) -> None:
    """``count`` one-off posts "post N", due every ``step`` from ``start``."""
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "G")
        repo = ScheduleRepository(uow)
        for n in range(count):
            at = (start + n * step).replace(microsecond=0)
            await repo.add(
                chat_id=GROUP,
                created_by=ADMIN,
                spec=f"once {at:%Y-%m-%dT%H:%M:%S}Z",
                text=f"post {n}",
                anchor_at=start,
                next_run_at=at,
            )


def posted(*ports: RecordingPort) -> Counter[str]:
    """How often each text was posted, over all processes."""
    return Counter(text for port in ports for _, text in posts(port))


async def test_two_leaders_racing_for_the_same_occurrences(database_url: str) -> None:
    """Even if two processes both fire every timer at once, each post goes out once."""
    stores = [Store(database_url), Store(database_url)]
    await stores[0].migrate()
    ports = [posting_port(), posting_port()]
    now = datetime.now(UTC).replace(microsecond=0)
    await add_one_offs(stores[0], 20, now - timedelta(seconds=30), timedelta(seconds=1))
    runners = [ScheduleRunner(make_runtime(s, p)) for s, p in zip(stores, ports, strict=True)]
    for runner in runners:
        runner.leading = True
    try:
        async with stores[0].unit() as uow:
            timers = await ScheduleRepository(uow).timers()
        fires = [
            runner.fire(t.schedule_id, t.next_run_at)  # type: ignore[arg-type]
            for t in timers
            for runner in runners
        ]
        await asyncio.gather(*fires)
    finally:
        for store in stores:
            await store.close()
    assert posted(*ports) == Counter({f"post {n}": 1 for n in range(20)})


async def test_one_process_leads_and_another_takes_over_when_it_stops(pg_url: str) -> None:
    """Two processes on PostgreSQL: one posts; it stops half-way; the other posts the rest,
    and every post goes out exactly once."""
    url = pg_url
    stores = [Store(url), Store(url)]
    ports = [posting_port(), posting_port()]
    runtimes = []
    try:
        await stores[0].migrate()
        start = datetime.now(UTC) + timedelta(seconds=1)
        await add_one_offs(stores[0], 6, start, timedelta(seconds=0.5))
        for store, port in zip(stores, ports, strict=True):
            leader = AdvisoryLockLeader(url, retry_seconds=0.2, check_seconds=0.2)
            runtime = make_runtime(store, port, timed=TimedWork(leader))
            runtime.timed.add(ScheduleRunner(runtime))
            runtime.scheduler.start()
            await runtime.timed.start()
            runtimes.append(runtime)
        leaders = [r for r in runtimes if r.timed.is_leader]
        assert len(leaders) == 1
        first = leaders[0]
        await asyncio.sleep(2.2)
        await first.timed.stop()
        await asyncio.sleep(2.5)
        assert posted(*ports) == Counter({f"post {n}": 1 for n in range(6)})
        first_port = ports[runtimes.index(first)]
        assert 0 < len(posts(first_port)) < 6, "both processes posted a part"
    finally:
        for runtime in runtimes:
            await runtime.timed.stop()
            await runtime.scheduler.stop()
        for store in stores:
            await store.close()
