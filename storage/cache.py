"""Recently read settings, kept as immutable snapshots so hot paths skip the database.

Settings are read on nearly every event that makes the bot speak and written only by
admin commands. A write drops the key at once and again when its unit of work ends,
and a read that raced with a write never stores what it read (see ``version``).

Keys are ``(kind, id)`` pairs. For a kind whose stored ids were loaded with ``know``,
an id outside that set has no row, so most groups, which never change a setting,
cost no query at all.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from cachetools import LRUCache

#: What ``get`` returns for a key it does not hold.
MISSING: Any = object()


class SnapshotCache:
    """A bounded least-recently-used map of snapshots that tracks invalidations."""

    def __init__(self, limit: int = 20_000) -> None:
        self._items: LRUCache[Hashable, Any] = LRUCache(maxsize=limit)
        self._stored: dict[str, set[Hashable]] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any:
        """The snapshot for ``key``, or ``MISSING``."""
        return self._items.get(key, MISSING)

    def put(self, key: Hashable, value: Any, version: int) -> None:
        """Keep ``value`` unless something was invalidated since ``version`` was read."""
        if version != self.version:
            return
        self._items[key] = value

    def know(self, kind: str, ids: Iterable[Hashable]) -> None:
        """Record every id of ``kind`` that has a stored row."""
        self._stored[kind] = set(ids)

    def may_be_stored(self, key: tuple[str, Hashable]) -> bool:
        """False only if ``key`` is known to have no stored row."""
        stored = self._stored.get(key[0])
        return stored is None or key[1] in stored

    def known_stored(self, key: tuple[str, Hashable]) -> bool:
        """True only if ``key`` is known to have a stored row."""
        stored = self._stored.get(key[0])
        return stored is not None and key[1] in stored

    def stored(self, key: tuple[str, Hashable]) -> None:
        """Note that ``key`` now has a row (it may yet roll back: that costs one query)."""
        stored = self._stored.get(key[0])
        if stored is not None:
            stored.add(key[1])

    def unstored(self, key: tuple[str, Hashable]) -> None:
        """Take back ``stored`` (its insert rolled back) and forget the snapshot."""
        stored = self._stored.get(key[0])
        if stored is not None:
            stored.discard(key[1])
        self.drop(key)

    def drop(self, key: Hashable) -> None:
        """Forget ``key``; reads in flight will not store their (possibly old) result."""
        self.version += 1
        self._items.pop(key, None)
