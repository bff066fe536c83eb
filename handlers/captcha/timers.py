"""Captcha deadlines as timers: rebuilt from the pending table whenever this process leads.

The table is the source of truth. On taking the lead, captchas whose time ran out while no
process was watching are resolved at once (as time-outs); the rest get a timer. A periodic
sync arms captchas that other processes started.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.runtime import Runtime
from handlers.captcha.resolve import Resolver
from handlers.captcha.rules import overdue
from storage.captcha import CaptchaRepository

log = logging.getLogger(__name__)

SYNC_JOB = "captcha:sync"


def job_id(pending_id: int) -> str:
    """The scheduler id of one captcha's deadline timer."""
    return f"captcha:{pending_id}"


class CaptchaTimers:
    """A TimedSource: one timer per pending captcha while this process runs timed work."""

    name = "captcha"

    def __init__(self, runtime: Runtime, resolver: Resolver) -> None:
        self.runtime = runtime
        self.resolver = resolver
        self.leading = False
        self._armed: set[int] = set()

    async def lead(self) -> None:
        """Resolve the captchas that ran out meanwhile; arm the others' timers."""
        self.leading = True
        expired = await self._arm_stored()
        every = self.runtime.settings.captcha.sync_seconds
        self.runtime.scheduler.every(SYNC_JOB, every, self.sync)
        log.info("captcha timers armed; %d ran out while nobody watched", len(expired))

    async def unlead(self) -> None:
        """Drop every captcha timer."""
        self.leading = False
        self.runtime.scheduler.cancel(SYNC_JOB)
        for pending_id in list(self._armed):
            self.cancel(pending_id)

    async def sync(self) -> None:
        """Arm the captchas started since the last look (by any process)."""
        if self.leading:
            await self._arm_stored()

    async def _arm_stored(self) -> list[int]:
        async with self.runtime.store.unit() as uow:
            deadlines = await CaptchaRepository(uow).deadlines()
        expired = overdue(deadlines, self.runtime.now())
        for pending_id in expired:
            await self.expire(pending_id)
        for pending_id, due in deadlines.items():
            if pending_id not in expired and pending_id not in self._armed:
                self.arm(pending_id, due)
        return expired

    def arm(self, pending_id: int, due: datetime) -> None:
        """Set one captcha's timer (only the leading process keeps timers)."""
        if not self.leading:
            return
        self._armed.add(pending_id)
        self.runtime.scheduler.call_at(job_id(pending_id), due, self.expire, pending_id)

    def cancel(self, pending_id: int) -> None:
        """Drop one captcha's timer (it was answered)."""
        self._armed.discard(pending_id)
        self.runtime.scheduler.cancel(job_id(pending_id))

    async def expire(self, pending_id: int) -> None:
        """Time is up: resolve the captcha as failed, unless it was answered meanwhile."""
        self._armed.discard(pending_id)
        async with self.runtime.store.unit() as uow, uow.alone():
            pending = await CaptchaRepository(uow).claim(pending_id)
            await uow.commit()
        if pending is not None:
            await self.resolver.failed(pending, "timeout")
