"""Each group's moderation rules, compiled once and rebuilt only when they change.

The rules come from the store's snapshot cache (no query once read; a change made here
drops the snapshot at once). Every ``recheck_seconds`` a group's rules are read from the
database past the cache, so changes made through another bot process are seen too; the
matchers are rebuilt (and the cached snapshot dropped) only if what was read differs.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from handlers.moderation.compiled import CompiledRules
from handlers.moderation.rules import rules_from_stored
from storage.moderation_rules import ModerationRulesRepository, StoredRules, rules_key
from storage.unit import UnitOfWork


@dataclass(slots=True)
class _Entry:
    compiled: CompiledRules
    # The snapshot the rules were compiled from: the same object means nothing changed.
    stored: StoredRules
    loaded: float


class RulesIndex:
    """Compiled rules of the most recently active groups."""

    def __init__(
        self, limit: int, recheck_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._recheck = recheck_seconds
        self._clock = clock
        self._entries: OrderedDict[int, _Entry] = OrderedDict()

    async def get(self, uow: UnitOfWork, chat_id: int) -> CompiledRules:
        """The group's compiled rules."""
        now = self._clock()
        repo = ModerationRulesRepository(uow)
        entry = self._entries.get(chat_id)
        if entry is not None and now - entry.loaded >= self._recheck:
            entry.loaded = now
            stored = await repo.fresh(chat_id)
            if stored != entry.stored:
                # Changed elsewhere: forget the cached snapshot, and read it from now on.
                uow.cache.drop(rules_key(chat_id))
                uow.cache.stored(rules_key(chat_id))
                return self._put(chat_id, stored, now)
        stored = await repo.rules(chat_id)
        if entry is not None and entry.stored is not stored and entry.stored == stored:
            # Read again but unchanged: keep the matchers, remember the new snapshot.
            entry.stored = stored
        if entry is not None and entry.stored is stored:
            self._entries.move_to_end(chat_id)
            return entry.compiled
        return self._put(chat_id, stored, now)

    def _put(self, chat_id: int, stored: StoredRules, now: float) -> CompiledRules:
        entry = _Entry(CompiledRules(rules_from_stored(stored)), stored, now)
        self._entries[chat_id] = entry
        self._entries.move_to_end(chat_id)
        if len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        return entry.compiled
