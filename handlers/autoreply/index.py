"""Each group's compiled rules, kept in memory and rebuilt only when its rules change.

A message in a group without rules costs no query. A group with rules is checked against
the database at most once per ``recheck_seconds`` (one small query), so changes made by
another bot process are picked up too; changes made here drop the entry at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from core.rule_index import RuleIndex as GroupRuleIndex
from handlers.autoreply.matcher import Matcher, Rule
from handlers.autoreply.rules import Answer
from storage.replies import ReplyRepository, Signature
from storage.unit import UnitOfWork


def to_rule(rule_id: int, mode: str, match_key: str, answers: list[dict[str, Any]]) -> Rule:
    """A stored rule as the matcher needs it."""
    return Rule(rule_id, mode, match_key, tuple(Answer.from_dict(item) for item in answers))


class RuleIndex(GroupRuleIndex[Signature, Matcher]):
    """Compiled matchers for the most recently active groups."""

    def __init__(
        self, limit: int, recheck_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(limit, recheck_seconds, clock)
        self._chats: set[int] | None = None
        self._chats_loaded = 0.0

    async def matcher(self, uow: UnitOfWork, chat_id: int) -> Matcher | None:
        """The group's compiled rules; None if it has none."""
        now = self._clock()
        if self._chats is None or now - self._chats_loaded >= self._recheck:
            self._chats = await ReplyRepository(uow).chats()
            self._chats_loaded = now
        if chat_id not in self._chats:
            return None
        return await self.compiled(uow, chat_id)

    async def _fresh(self, uow: UnitOfWork, chat_id: int) -> Signature:
        return await ReplyRepository(uow).signature(chat_id)

    async def _build(self, uow: UnitOfWork, chat_id: int, source: Signature) -> Matcher | None:
        if source[0] == 0:
            self.forget(chat_id)
            return None
        rules = [to_rule(*row) for row in await ReplyRepository(uow).for_matching(chat_id)]
        return Matcher(rules)

    def changed(self, chat_id: int, has_rules: bool) -> None:
        """This process changed a group's rules: rebuild on the next message."""
        self.invalidate(chat_id)
        if self._chats is not None:
            if has_rules:
                self._chats.add(chat_id)
            else:
                self._chats.discard(chat_id)

    def forget(self, chat_id: int) -> None:
        """The group has no rules (any more)."""
        self.changed(chat_id, has_rules=False)
