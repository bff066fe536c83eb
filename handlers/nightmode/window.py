"""When a group's night is: pure logic on plain data, no I/O.

A night period such as ``23:00-07:00`` is read like quiet hours (``core.quiet_hours``)
and turned into real instants, one night per local day: it starts the first time the clock
reads the start time that day and ends the first time after that the clock reads the end
time (the next day when the period crosses midnight). So a DST change never makes two
nights of one: in a fall-back the repeated hour does not close the group again, and a start
or end that a spring-forward skips happens at the jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.quiet_hours import QuietHours
from core.walltime import wall_instants

Night = tuple[datetime, datetime]
Action = Literal["close", "open"]
# Local days looked at either side of now: enough for any period and any DST change.
_DAYS_AROUND = range(-2, 3)


def nights(hours: QuietHours, tz: ZoneInfo, around: datetime) -> list[Night]:
    """The nights (start, end) of the local days around ``around``, earliest first."""
    today = around.astimezone(tz).date()
    found: list[Night] = []
    for offset in _DAYS_AROUND:
        day = today + timedelta(days=offset)
        start = wall_instants(day, hours.start, tz)[0]
        end_day = day if hours.start < hours.end else day + timedelta(days=1)
        ends = [instant for instant in wall_instants(end_day, hours.end, tz) if instant > start]
        # A period inside a DST gap (02:10-02:40 on the jump day) is empty that day.
        if ends:
            found.append((start, ends[0]))
    return found


def night_at(hours: QuietHours, tz: ZoneInfo, at: datetime) -> Night | None:
    """The night ``at`` falls in, if any."""
    return next((n for n in nights(hours, tz, at) if n[0] <= at < n[1]), None)


def next_switch(hours: QuietHours, tz: ZoneInfo, at: datetime) -> datetime:
    """The first start or end of a night strictly after ``at``."""
    return min(edge for night in nights(hours, tz, at) for edge in night if edge > at)


@dataclass(frozen=True, slots=True)
class Step:
    """What to do about a group now, and when to look again (None: nothing to watch)."""

    action: Action | None
    night: Night | None
    next_at: datetime | None


def decide(hours: QuietHours | None, closed: bool, tz: ZoneInfo, at: datetime) -> Step:
    """Close a group that should be closed, reopen one that should be open."""
    if hours is None:
        return Step("open" if closed else None, None, None)
    night = night_at(hours, tz, at)
    action: Action | None = None
    if night is not None and not closed:
        action = "close"
    elif night is None and closed:
        action = "open"
    return Step(action, night, next_switch(hours, tz, at))
