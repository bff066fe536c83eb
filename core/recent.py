"""Keys seen lately, on the caller's clock: a bounded cachetools ``TTLCache`` of sightings.

For "was this reported a moment ago?" questions (a join reported twice, a join request the
bot approved just before the join): each key is remembered for ``ttl`` after its latest
sighting, at most ``limit`` of them (the least recently seen go first). Time is whatever the
caller says ``now`` is, so tests and replays control it.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)


class RecentKeys(Generic[K]):
    """Keys remembered for ``ttl`` after they were last seen."""

    def __init__(self, ttl: timedelta, limit: int) -> None:
        # The cache's timer reads the caller's clock, set before each use.
        self._now = 0.0
        self._seen: TTLCache[K, bool] = TTLCache(
            maxsize=limit, ttl=ttl.total_seconds(), timer=lambda: self._now
        )

    def see(self, key: K, now: datetime) -> bool:
        """Record a sighting; True if the key was not seen within the TTL before it."""
        self._now = now.timestamp()
        fresh = key not in self._seen
        self._seen[key] = True
        return fresh

    def take(self, key: K, now: datetime) -> bool:
        """Whether the key was seen within the TTL; forget it either way."""
        self._now = now.timestamp()
        seen = key in self._seen
        self._seen.pop(key, None)
        return seen

    def forget(self, key: K) -> None:
        """Drop a key, so its next sighting counts as new."""
        self._seen.pop(key, None)
