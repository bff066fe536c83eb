"""The stop budget: SIGTERM to exit within a fixed time (Docker kills after 10 s).

Stopping runs in phases, each until a share of the total has passed: handlers in flight
finish (``HANDLERS``), features flush their buffers (``FLUSH``), then the outgoing queue
drains with what is left but ``CLOSE_RESERVE`` for closing connections. A phase that ends
early leaves its time to the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
