"""Timed work that must run in one process only: leadership plus the sources of timers.

A source (scheduled posts, and later mute expiry, captcha time-outs and report jobs) keeps
its due times in its own table; when this process becomes the leader it arms its
APScheduler timers from that table, and when it stops being the leader it drops them.
"""

from __future__ import annotations

import logging
from typing import Protocol

from core.leadership import Leadership, SoleLeader

log = logging.getLogger(__name__)


class TimedSource(Protocol):
    """A feature whose timers are rebuilt from stored state by the leading process."""

    name: str

    async def lead(self) -> None:
        """This process now runs timed work: arm the timers from the stored state."""
        ...

    async def unlead(self) -> None:
        """Another process runs timed work now: drop the timers."""
        ...


class TimedWork:
    """Runs every registered source's timers while this process is the leader."""

    def __init__(self, leadership: Leadership | None = None) -> None:
        self._leadership = leadership or SoleLeader()
        self._sources: list[TimedSource] = []

    @property
    def is_leader(self) -> bool:
        """Whether this process runs timed work now."""
        return self._leadership.is_leader

    def add(self, source: TimedSource) -> None:
        """Register a source; call before ``start``."""
        self._sources.append(source)

    async def start(self) -> None:
        """Begin taking part in the leadership (a sole process leads at once)."""
        await self._leadership.start(self._gain, self._lose)

    async def stop(self) -> None:
        """Stop leading (another process may take over) and drop every timer."""
        leading = self._leadership.is_leader
        await self._leadership.stop()
        if leading:
            await self._lose()

    async def _gain(self) -> None:
        log.info("this process now runs timed work")
        for source in self._sources:
            try:
                await source.lead()
            except Exception:
                log.exception("timed work of %s could not start", source.name)

    async def _lose(self) -> None:
        log.info("this process no longer runs timed work")
        for source in self._sources:
            try:
                await source.unlead()
            except Exception:
                log.exception("timed work of %s could not stop", source.name)
