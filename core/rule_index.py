"""Per-group compiled rules, kept for the most recently active groups and rebuilt on change.

The machinery both rule-driven features share (moderation's checks, auto-reply's matchers):
a bounded least-recently-used map of each group's compiled form, a look at the store past
any cache at most once per ``recheck_seconds`` (so changes made by another bot process are
seen), and ``invalidate`` for changes made here. A feature supplies what the store holds
(``_fresh``) and its own compile step (``_build``).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache

from storage.unit import UnitOfWork

S = TypeVar("S")  # what the compiled form is built from: the rules, or their signature
C = TypeVar("C")  # the compiled form


@dataclass(slots=True)
class Entry(Generic[S, C]):
    """One group's compiled rules, what they were built from, and when that was checked."""

    source: S
    compiled: C
    checked: float


class RuleIndex(ABC, Generic[S, C]):
    """Compiled rules of the most recently active groups, rechecked every so often."""

    def __init__(
        self, limit: int, recheck_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._recheck = recheck_seconds
        self._clock = clock
        self._entries: LRUCache[int, Entry[S, C]] = LRUCache(maxsize=limit)

    async def compiled(self, uow: UnitOfWork, chat_id: int) -> C | None:
        """The group's compiled rules (None when ``_build`` says it has none)."""
        now = self._clock()
        entry = self._entries.get(chat_id)
        if entry is None:
            return await self._keep(uow, chat_id, await self._first(uow, chat_id), now)
        if now - entry.checked >= self._recheck:
            entry.checked = now
            source = await self._fresh(uow, chat_id)
            if source != entry.source:
                self._changed_elsewhere(uow, chat_id)
                return await self._keep(uow, chat_id, source, now)
        return await self._current(uow, chat_id, entry, now)

    def invalidate(self, chat_id: int) -> None:
        """Forget a group's compiled rules: they are rebuilt on its next message."""
        self._entries.pop(chat_id, None)

    async def _keep(self, uow: UnitOfWork, chat_id: int, source: S, now: float) -> C | None:
        """Compile ``source`` and remember it (or forget the group if it has no rules)."""
        compiled = await self._build(uow, chat_id, source)
        if compiled is None:
            self.invalidate(chat_id)
            return None
        self._entries[chat_id] = Entry(source, compiled, now)
        return compiled

    async def _first(self, uow: UnitOfWork, chat_id: int) -> S:
        """What to build a group's first entry from (by default what the store holds)."""
        return await self._fresh(uow, chat_id)

    async def _current(
        self, uow: UnitOfWork, chat_id: int, entry: Entry[S, C], now: float
    ) -> C | None:
        """The compiled rules of an entry not due for a recheck (by default: as they are)."""
        return entry.compiled

    def _changed_elsewhere(self, uow: UnitOfWork, chat_id: int) -> None:
        """A recheck found the rules changed by another process (nothing to do by default)."""

    @abstractmethod
    async def _fresh(self, uow: UnitOfWork, chat_id: int) -> S:
        """What the store holds for the group now, read past any cache."""

    @abstractmethod
    async def _build(self, uow: UnitOfWork, chat_id: int, source: S) -> C | None:
        """The feature's compile step; None if the group has no rules."""
