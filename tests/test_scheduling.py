"""The scheduler wrapper: timers fire, replace, cancel, and failures are contained."""

from __future__ import annotations

import asyncio

from bot.scheduling import Scheduler


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
