"""Activity points, decided in memory per message and stored in batches.

A message never costs a commit: awards collect here and are written every
``bot.activity_flush_seconds`` and at shutdown, in one transaction, where the daily cap is
checked again against the stored total (so a restart cannot raise it). A crash loses at
most one interval of activity points, as it does for activity tracking.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from core.events import User
from handlers.checkin.rules import PointsRules, activity_award


@dataclass(slots=True)
class PendingAward:
    """Activity points of one member in one group, not stored yet."""

    chat_id: int
    user_id: int
    name: str
    day: date
    points: int
    at: datetime


@dataclass(slots=True)
class _Seen:
    day: date
    today: int
    last: float


class ActivityPoints:
    """Per (group, member): today's awarded points and the last award, and what is pending."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[tuple[int, int], _Seen] = {}
        self._pending: dict[tuple[int, int, date], PendingAward] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def offer(
        self, chat_id: int, user: User, chars: int, day: date, at: datetime, rules: PointsRules
    ) -> int:
        """Points this message earns (0 if too short, cooling down or capped); noted to store."""
        key, now = (chat_id, user.id), self._clock()
        seen = self._seen.get(key)
        if seen is not None and seen.day != day:
            seen = _Seen(day, 0, seen.last)
        since = now - seen.last if seen is not None else None
        points = activity_award(chars, since, seen.today if seen else 0, rules)
        if points <= 0:
            return 0
        self._seen[key] = _Seen(day, (seen.today if seen else 0) + points, now)
        pending = self._pending.get((chat_id, user.id, day))
        if pending is None:
            self._pending[(chat_id, user.id, day)] = PendingAward(
                chat_id, user.id, user.name, day, points, at
            )
        else:
            pending.points += points
            pending.name, pending.at = user.name, at
        return points

    def drain(self) -> list[PendingAward]:
        """Take the pending awards; forget members not seen for two days."""
        pending, self._pending = list(self._pending.values()), {}
        stale = self._clock() - 2 * 86_400
        self._seen = {key: seen for key, seen in self._seen.items() if seen.last > stale}
        return pending
