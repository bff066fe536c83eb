"""The stop budget: SIGTERM to exit within a fixed time (Docker kills after 10 s).

Stopping runs in phases, each until a share of the total has passed: handlers in flight
finish (``HANDLERS``), features flush their buffers (``FLUSH``), then the outgoing queue
drains with what is left but ``CLOSE_RESERVE`` for closing connections. A phase that ends
early leaves its time to the next. ``stop_core`` and ``drain`` are the FLUSH and drain
phases every platform's runner shares.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger(__name__)

HANDLERS = 0.4
FLUSH = 0.7
CLOSE_RESERVE = 0.5


class StopBudget:
    """Seconds left of a total, measured on a monotonic clock."""

    def __init__(self, total: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self._clock = clock
        self._start = clock()

    def until(self, share: float) -> float:
        """Seconds until ``share`` of the budget has passed (0 when it has)."""
        return max(0.0, self._start + share * self.total - self._clock())

    def left(self, reserve: float = 0.0) -> float:
        """Seconds left of the whole budget, keeping ``reserve`` back (never below 0)."""
        return max(0.0, self._start + self.total - reserve - self._clock())

    def spent(self) -> float:
        """Seconds since the stop began."""
        return self._clock() - self._start


async def stop_core(core: Core, timeout: float) -> None:
    """Core.stop within ``timeout``; past it, timers still running are cancelled."""
    stopping = asyncio.ensure_future(core.stop())
    await asyncio.wait({stopping}, timeout=max(timeout, 0.5))
    if stopping.done():
        if not stopping.cancelled() and stopping.exception() is not None:
            log.error("stopping the features failed", exc_info=stopping.exception())
        return
    log.warning("timed work still running after %.1f s: cancelled", timeout)
    stopping.cancel()
    await asyncio.wait({stopping})
    # Cancelled while waiting for timers, so features may not have flushed yet.
    await core.dispatcher.stop()


async def drain(core: Core, timeout: float) -> None:
    """Send what the outgoing queue holds, within ``timeout`` (if the port queues)."""
    send_queued = getattr(core.runtime.port, "drain", None)
    if send_queued is None:
        return
    try:
        dropped = await send_queued(timeout)
    except Exception:
        log.exception("draining the outgoing queue failed")
        return
    if dropped:
        log.info("stop: %d queued replies dropped", dropped)


class Runner(Protocol):
    """A platform's bot as the CLI runs it."""

    def start(self) -> Awaitable[None]: ...
    def wait(self, stop: asyncio.Event) -> Awaitable[None]: ...
    def stop(self) -> Awaitable[None]: ...


async def serve(bot: Runner, stop: asyncio.Event) -> None:
    """Start a platform's bot, run it until ``stop`` is set, and stop it in any case."""
    try:
        await bot.start()
        await bot.wait(stop)
    finally:
        await bot.stop()
        # The process ends next: the interpreter's last collections of the whole heap cost
        # a second or more of the stop budget and free nothing that matters now.
        gc.freeze()
