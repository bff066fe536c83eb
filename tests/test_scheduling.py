"""The scheduler wrapper: timers fire, replace, cancel, and failures are contained."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.scheduling import Scheduler


async def test_timer_fires_once_and_same_id_replaces() -> None:
    """A second timer with the same id replaces the first."""
    scheduler = Scheduler()
    scheduler.start()
    fired: list[str] = []

    async def job(label: str) -> None:
        fired.append(label)

    try:
        scheduler.call_later("t", 0.2, job, "first")
        scheduler.call_later("t", 0.1, job, "second")
        await asyncio.sleep(0.5)
        assert fired == ["second"]
    finally:
        scheduler.shutdown()


async def test_cancel_and_cancel_unknown() -> None:
    """A cancelled timer never fires; cancelling an unknown id is harmless."""
    scheduler = Scheduler()
    scheduler.start()
    fired: list[int] = []

    async def job() -> None:
        fired.append(1)

    try:
        scheduler.call_later("t", 0.1, job)
        scheduler.cancel("t")
        scheduler.cancel("never-made")
        await asyncio.sleep(0.3)
        assert fired == []
    finally:
        scheduler.shutdown()


async def test_failing_periodic_job_keeps_running() -> None:
    """An exception in a job is logged; the next run still happens."""
    scheduler = Scheduler()
    scheduler.start()
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)
        raise RuntimeError("boom")

    try:
        scheduler.every("p", 0.1, job)
        await asyncio.sleep(0.45)
        assert len(runs) >= 2
    finally:
        scheduler.shutdown()


async def test_a_job_may_rearm_its_own_timer() -> None:
    """Re-arming the running job's id schedules a new run instead of being skipped."""
    scheduler = Scheduler()
    scheduler.start()
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)
        if len(runs) < 3:
            scheduler.call_later("again", 0.05, job)
            await asyncio.sleep(0.1)  # still running when the new run is due

    try:
        scheduler.call_later("again", 0.01, job)
        await asyncio.sleep(0.6)
        assert len(runs) == 3
    finally:
        await scheduler.stop()


async def test_stop_waits_for_running_jobs_and_fires_no_more() -> None:
    scheduler = Scheduler()
    scheduler.start()
    done: list[str] = []
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(0.2)
        done.append("slow")

    async def later() -> None:
        done.append("later")

    scheduler.call_later("slow", 0.01, slow)
    scheduler.call_later("later", 0.3, later)
    await started.wait()
    await scheduler.stop()
    assert done == ["slow"], "the running job finished before stop returned"
    await asyncio.sleep(0.4)
    assert done == ["slow"], "nothing fires after stop"


async def test_timers_follow_the_clock_not_the_calendar() -> None:
    """On a clock standing years in the past, a timer an hour ahead waits; one just ahead fires."""
    fixed = datetime(2001, 1, 1, 9, 0, tzinfo=UTC)
    scheduler = Scheduler(lambda: fixed)
    scheduler.start()
    fired: list[str] = []

    async def job(label: str) -> None:
        fired.append(label)

    try:
        scheduler.call_at("later", fixed + timedelta(hours=1), job, "later")
        scheduler.call_at("soon", fixed + timedelta(seconds=0.1), job, "soon")
        assert scheduler.due("later") == fixed + timedelta(hours=1)
        assert scheduler.now() == fixed
        await asyncio.sleep(0.4)
        assert fired == ["soon"]
        assert scheduler.due("soon") is None
        assert scheduler.due("later") == fixed + timedelta(hours=1)
    finally:
        scheduler.shutdown()
