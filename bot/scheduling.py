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


class Scheduler:
    """Named timers; a job that fails is logged and never stops the scheduler."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[Any]] = set()

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
        """Run ``job(*args)`` at ``when``; a timer with the same id is replaced."""
        self._scheduler.add_job(
            self._guarded,
            "date",
            run_date=when,
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
        self.call_at(job_id, datetime.now(UTC) + timedelta(seconds=seconds), job, *args)

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
        """When a timer fires next (None if there is no such timer)."""
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None

    def cancel(self, job_id: str) -> None:
        """Drop a timer if it is still pending."""
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    async def _guarded(self, job_id: str, job: Job, *args: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job(*args)
        except Exception:
            log.exception("timed job %s failed", job_id)
        finally:
            self._running.discard(task)  # type: ignore[arg-type]
