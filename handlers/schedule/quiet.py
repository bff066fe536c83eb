"""Quiet hours: a daily local period in which scheduled posts wait (pure logic, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clock import CLOCK_PATTERN
from handlers.schedule.when import WhenError, clip, parse_time, wall_instants

_QUIET = re.compile(rf"({CLOCK_PATTERN})\s*(?:-|~|～|–|—|到|至)\s*({CLOCK_PATTERN})")


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


def parse_quiet(text: str) -> QuietHours:
    """Read ``23:00-07:00`` (or with ``~``, ``–``, ``到``, ``至``, spaces around the dash)."""
    match = _QUIET.fullmatch(text.strip())
    if match is None:
        raise WhenError("bad_quiet", value=clip(text))
    try:
        start, end = parse_time(match[1]), parse_time(match[2])
    except WhenError:
        raise WhenError("bad_quiet", value=clip(text)) from None
    if start == end:
        raise WhenError("bad_quiet", value=clip(text))
    return QuietHours(start, end)
