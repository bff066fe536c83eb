"""Warnings and the escalation ladder, as pure logic: what counts, and what a count sets off.

Ladder syntax (``/warnladder``): rungs separated by spaces or commas, each
``<warnings>:<action>[:<duration>]`` where action is ``mute``, ``ban`` or ``kick`` and the
duration (mute/ban only; none means until lifted by hand) is written like ``10m`` ``2h`` ``3d``.
Example: ``3:mute:1h 5:mute:1d 7:ban``. A member reaching a rung's number of active warnings
gets its action; past the top rung, every further warning repeats the top rung.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.durations import DAY, HOUR, compact_duration, parse_duration

MAX_RUNGS = 10
MAX_WARNINGS = 100
MIN_EXPIRY = HOUR
MAX_EXPIRY = 3_650 * DAY
# Telegram treats restrictions shorter than 30 seconds or longer than 366 days as forever.
MIN_RESTRICTION = 30
MAX_RESTRICTION = 366 * DAY
LADDER_ACTIONS = ("mute", "ban", "kick")
DEFAULT_LADDER = "3:mute:1h 5:mute:1d 7:ban"
DEFAULT_EXPIRY = 30 * DAY

_SEPARATORS = re.compile(r"[\s,，]+")


class LadderError(ValueError):
    """A rung that cannot be used; ``key`` is the catalog key saying why."""

    def __init__(self, key: str, rung: str) -> None:
        super().__init__(f"{key}: {rung}")
        self.key = key
        self.rung = rung


@dataclass(frozen=True, slots=True)
class Rung:
    """What happens at a number of active warnings."""

    count: int
    kind: str  # mute | ban | kick
    seconds: int | None = None  # None: until lifted by hand

    def spec(self) -> str:
        """The rung as it is written."""
        if self.seconds is None:
            return f"{self.count}:{self.kind}"
        return f"{self.count}:{self.kind}:{compact_duration(self.seconds)}"


Ladder = tuple[Rung, ...]


def check_restriction(seconds: int) -> bool:
    """Whether a mute/ban length can be carried out as a temporary one."""
    return MIN_RESTRICTION <= seconds <= MAX_RESTRICTION


def parse_rung(text: str) -> Rung:
    """One ``count:action[:duration]`` rung; LadderError if it is not valid."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].isdigit():
        raise LadderError("enforcement.ladder_rung_syntax", text)
    count, kind = int(parts[0]), parts[1].lower()
    if not 1 <= count <= MAX_WARNINGS:
        raise LadderError("enforcement.ladder_rung_count", text)
    if kind not in LADDER_ACTIONS:
        raise LadderError("enforcement.ladder_rung_action", text)
    if len(parts) == 2:
        return Rung(count, kind)
    if kind == "kick":
        raise LadderError("enforcement.ladder_rung_kick", text)
    seconds = parse_duration(parts[2])
    if seconds is None or not check_restriction(seconds):
        raise LadderError("enforcement.ladder_rung_duration", text)
    return Rung(count, kind, seconds)


def parse_ladder(text: str) -> Ladder:
    """A whole ladder, rungs ordered by count; LadderError names the first bad rung."""
    rungs = [parse_rung(part) for part in _SEPARATORS.split(text.strip()) if part]
    if len(rungs) > MAX_RUNGS:
        raise LadderError("enforcement.ladder_too_long", text)
    seen: set[int] = set()
    for rung in rungs:
        if rung.count in seen:
            raise LadderError("enforcement.ladder_rung_twice", str(rung.count))
        seen.add(rung.count)
    return tuple(sorted(rungs, key=lambda rung: rung.count))


def ladder_spec(ladder: Ladder) -> str:
    """The canonical text of a ladder (empty: warnings never escalate)."""
    return " ".join(rung.spec() for rung in ladder)


def rung_for(ladder: Ladder, count: int) -> Rung | None:
    """The rung a member's ``count``-th active warning sets off, if any."""
    if not ladder or count < 1:
        return None
    for rung in ladder:
        if rung.count == count:
            return rung
    top = ladder[-1]
    return top if count > top.count else None


def is_active(created_at: datetime, now: datetime, expiry_seconds: int) -> bool:
    """Whether a warning given at ``created_at`` still counts at ``now``."""
    return now - created_at < timedelta(seconds=expiry_seconds)


def active(times: Iterable[datetime], now: datetime, expiry_seconds: int) -> list[datetime]:
    """The warning times that still count, oldest first."""
    return sorted(t for t in times if is_active(t, now, expiry_seconds))


def expiry_start(now: datetime, expiry_seconds: int) -> datetime:
    """Warnings given after this instant are active."""
    return now - timedelta(seconds=expiry_seconds)


def next_rung(ladder: Sequence[Rung], count: int) -> Rung | None:
    """The next rung above ``count`` active warnings (for "2/3" in messages)."""
    return next((rung for rung in ladder if rung.count > count), None)
