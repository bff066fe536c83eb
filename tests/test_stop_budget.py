"""The stop budget's phases, on a hand-driven clock."""

from __future__ import annotations

import pytest

from bot.platforms.shutdown import CLOSE_RESERVE, FLUSH, HANDLERS, StopBudget


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("elapsed", "handlers", "flush", "drain"),
    [
        # Nothing spent yet: handlers get 40 % of 8 s, flushing ends at 70 %, the drain
        # may use everything but the closing reserve.
        (0.0, 3.2, 5.6, 7.5),
        # Handlers finished early: the time they did not use goes to the next phases.
        (1.0, 2.2, 4.6, 6.5),
        # A phase that overran leaves 0, never a negative timeout.
        (6.0, 0.0, 0.0, 1.5),
        (9.0, 0.0, 0.0, 0.0),
    ],
)
def test_phases(elapsed: float, handlers: float, flush: float, drain: float) -> None:
    clock = Clock()
    budget = StopBudget(8.0, clock)
    clock.now += elapsed
    assert budget.until(HANDLERS) == pytest.approx(handlers)
    assert budget.until(FLUSH) == pytest.approx(flush)
    assert budget.left(CLOSE_RESERVE) == pytest.approx(drain)
    assert budget.spent() == pytest.approx(elapsed)


def test_the_default_budget_fits_dockers_stop_timeout() -> None:
    """Docker sends SIGKILL 10 s after SIGTERM; the default leaves room for process exit."""
    from core.config import BotConfig

    assert BotConfig().stop_seconds + CLOSE_RESERVE < 10
