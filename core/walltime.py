"""Local wall-clock readings as UTC instants, the same DST rules for every feature.

Pure logic, no I/O. A local time that a clock change skips means the instant of the jump
(the first moment the clock reads that time or later); a local time that occurs twice has
two instants, the first one first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def exists(local: datetime) -> bool:
    """Whether an aware local time is a real wall-clock reading (not skipped by DST)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)


def jump_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant of the DST jump that skips the naive local time `wall`."""
    both = [int(wall.replace(tzinfo=tz, fold=f).timestamp()) for f in (0, 1)]
    low, high = min(both), max(both)
    after = datetime.fromtimestamp(high, UTC).astimezone(tz).utcoffset()
    # The offset changes once between the two readings of `wall`: find the second it does.
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def wall_instants(day: date, at: time, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the local clock reads `day` `at`, earliest first.

    Usually one; two in a DST fall-back; in a DST gap, the instant of the jump over it.
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0)
    if not exists(first):
        return [jump_instant(wall, tz)]
    instants = {wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return sorted(instants)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first UTC instant at which the local clock reads `day` `at` or later."""
    return wall_instants(day, at, tz)[0]
