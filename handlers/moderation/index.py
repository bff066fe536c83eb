"""Each group's moderation rules, compiled once and rebuilt only when they change.

The rules come from the store's snapshot cache (no query once read; a change made here
drops the snapshot at once). Every ``recheck_seconds`` a group's rules are read from the
database past the cache, so changes made through another bot process are seen too; the
matchers are rebuilt (and the cached snapshot dropped) only if what was read differs.
"""

from __future__ import annotations

from core.rule_index import Entry, RuleIndex
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.rules import rules_from_stored
from storage.moderation_rules import ModerationRulesRepository, StoredRules, rules_key
from storage.unit import UnitOfWork


class RulesIndex(RuleIndex[StoredRules, CompiledRules]):
    """Compiled rules of the most recently active groups."""

    async def get(self, uow: UnitOfWork, chat_id: int) -> CompiledRules:
        """The group's compiled rules."""
        compiled = await self.compiled(uow, chat_id)
        assert compiled is not None  # _build always compiles: no rules are rules too
        return compiled

    async def _first(self, uow: UnitOfWork, chat_id: int) -> StoredRules:
        return await ModerationRulesRepository(uow).rules(chat_id)

    async def _fresh(self, uow: UnitOfWork, chat_id: int) -> StoredRules:
        return await ModerationRulesRepository(uow).fresh(chat_id)

    def _changed_elsewhere(self, uow: UnitOfWork, chat_id: int) -> None:
        # Forget the cached snapshot, and read it from now on.
        uow.cache.drop(rules_key(chat_id))
        uow.cache.stored(rules_key(chat_id))

    async def _current(
        self, uow: UnitOfWork, chat_id: int, entry: Entry[StoredRules, CompiledRules], now: float
    ) -> CompiledRules | None:
        rules = await ModerationRulesRepository(uow).rules(chat_id)
        if rules is entry.source:
            return entry.compiled
        if rules == entry.source:
            # Read again but unchanged: keep the matchers, remember the new snapshot.
            entry.source = rules
            return entry.compiled
        return await self._keep(uow, chat_id, rules, now)

    async def _build(self, uow: UnitOfWork, chat_id: int, source: StoredRules) -> CompiledRules:
        return CompiledRules(rules_from_stored(source))
