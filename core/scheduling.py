"""Timed work on APScheduler's AsyncIOScheduler: one-shot timers and periodic jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[..., Awaitable[Any]]
ONE_SHOT_INSTANCES = 1_000


Clock = Callable[[], datetime]


class Scheduler:
    """Named timers; a job that fails is logged and never stops the scheduler.

    Times given to ``call_at`` are on ``clock`` (the runtime's clock). APScheduler itself
    runs on the wall clock, so a timer fires when as much wall time has passed as lies
    between the clock's now and the requested time: a test whose clock stands on a fixed
    date gets the same timers on any real date.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[Any]] = set()
        self._clock = clock
        # One-shot timers as asked, on the clock; APScheduler holds them in wall time.
        self._planned: dict[str, datetime] = {}

    def start(self) -> None:
        """Start firing timers (needs a running event loop)."""
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing timers; pending ones are dropped."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self) -> None:
        """Stop firing timers and wait for the jobs already running to finish."""
        if self._scheduler.running:
            # Shutting down would cancel running jobs: pause, let them finish, then stop.
            self._scheduler.pause()
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self.shutdown()

    def call_at(self, job_id: str, when: datetime, job: Job, *args: Any) -> None:
        """Run ``job(*args)`` at ``when`` (on the clock); a timer with the same id is replaced."""
        self._planned[job_id] = when
        self._scheduler.add_job(
            self._guarded,
            "date",
            run_date=self._wall(when),
            args=(job_id, job, *args),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
            # A job may re-arm its own id while it runs; APScheduler's default of one
            # instance per id would silently skip the new run.
            max_instances=ONE_SHOT_INSTANCES,
        )

    def call_later(self, job_id: str, seconds: float, job: Job, *args: Any) -> None:
        """Run ``job(*args)`` in ``seconds``."""
        self.call_at(job_id, self.now() + timedelta(seconds=seconds), job, *args)

    def now(self) -> datetime:
        """The current time on the scheduler's clock."""
        return self._clock() if self._clock is not None else datetime.now(UTC)

    def _wall(self, when: datetime) -> datetime:
        if self._clock is None:
            return when
        return datetime.now(UTC) + (when - self._clock())

    def every(self, job_id: str, seconds: float, job: Job) -> None:
        """Run ``job()`` every ``seconds``, never two runs at once."""
        self._scheduler.add_job(
            self._guarded,
            "interval",
            seconds=seconds,
            args=(job_id, job),
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )

    def due(self, job_id: str) -> datetime | None:
        """When a timer fires next, on the clock (None if there is no such timer)."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            self._planned.pop(job_id, None)
            return None
        return self._planned.get(job_id, job.next_run_time)

    def cancel(self, job_id: str) -> None:
        """Drop a timer if it is still pending."""
        self._planned.pop(job_id, None)
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    async def _guarded(self, job_id: str, job: Job, *args: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        # Before the job runs: it may arm its own id again.
        self._planned.pop(job_id, None)
        try:
            await job(*args)
        except Exception:
            log.exception("timed job %s failed", job_id)
        finally:
            self._running.discard(task)  # type: ignore[arg-type]
