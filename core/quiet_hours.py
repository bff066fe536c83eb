"""A daily local period such as ``23:00-07:00``: reading it, what it contains, when it ends.

Pure logic, no I/O. Scheduled posts wait through a group's quiet hours (``handlers.schedule``)
and night mode closes the group for one (``handlers.nightmode``); both read the period here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clock import CLOCK_PATTERN, parse_clock
from core.walltime import wall_instants

_PERIOD = re.compile(rf"({CLOCK_PATTERN})\s*(?:-|~|～|–|—|到|至)\s*({CLOCK_PATTERN})")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A local period [start, end) every day; it wraps past midnight when end <= start."""

    start: time
    end: time

    def __str__(self) -> str:
        """Canonical words: ``23:00-07:00``."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local: time) -> bool:
        """Whether the local wall time `local` falls in the quiet period."""
        local = local.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release(self, at: datetime, tz: ZoneInfo) -> datetime:
        """`at` (aware UTC) if outside quiet hours, else the UTC instant the period ends."""
        local = at.astimezone(tz)
        if not self.contains(local.time()):
            return at
        # Wrapped and before midnight: the period ends tomorrow; otherwise today. A period
        # that a DST fall-back interrupts stays one: it ends when the clock next reads `end`.
        end_day = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_day += timedelta(days=1)
        for day in (end_day, end_day + timedelta(days=1)):
            # After a DST fall-back the end time occurs twice: take the first one still ahead.
            later = [instant for instant in wall_instants(day, self.end, tz) if instant > at]
            if later:
                return later[0]
        return at.astimezone(UTC)  # unreachable: the end of the day after is always ahead


def read_quiet_hours(text: str) -> QuietHours | None:
    """Read ``23:00-07:00`` (or with ``~``, ``–``, ``到``, ``至``, spaces around the dash);
    None if it is not such a period, or an empty one (``10:00-10:00``)."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        return None
    start, end = parse_clock(match[1]), parse_clock(match[2])
    if start is None or end is None or start == end:
        return None
    return QuietHours(start, end)
