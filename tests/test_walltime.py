"""Local wall-clock readings as UTC instants across DST changes (core.walltime)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.walltime import exists, jump_instant, local_instant, wall_instants

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        # An ordinary day: one reading.
        (date(2026, 5, 10), time(9), SHANGHAI, [utc(2026, 5, 10, 1)]),
        (date(2026, 5, 10), time(9), NEW_YORK, [utc(2026, 5, 10, 13)]),
        # Fall back: 01:30 is read twice, EDT first.
        (
            date(2026, 11, 1),
            time(1, 30),
            NEW_YORK,
            [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)],
        ),
        # Spring forward: 02:30 is skipped, so the jump at 03:00 EDT.
        (date(2026, 3, 8), time(2, 30), NEW_YORK, [utc(2026, 3, 8, 7)]),
    ],
)
def test_wall_instants(day: date, at: time, tz: ZoneInfo, expected: list[datetime]) -> None:
    """Earliest first; one, two in a fall-back, the jump in a gap."""
    assert wall_instants(day, at, tz) == expected
    assert local_instant(day, at, tz) == expected[0]


@pytest.mark.parametrize(
    ("wall", "real"),
    [
        (datetime(2026, 3, 8, 1, 59), True),
        (datetime(2026, 3, 8, 2, 0), False),
        (datetime(2026, 3, 8, 2, 59), False),
        (datetime(2026, 3, 8, 3, 0), True),
        (datetime(2026, 11, 1, 1, 30), True),
    ],
)
def test_exists(wall: datetime, real: bool) -> None:
    """A reading inside a spring-forward gap is not a real one."""
    assert exists(wall.replace(tzinfo=NEW_YORK)) is real


def test_jump_instant_is_the_second_of_the_change() -> None:
    assert jump_instant(datetime(2026, 3, 8, 2, 15), NEW_YORK) == utc(2026, 3, 8, 7)
