"""The rule-index base: compile once, recheck the store past the cache, bounded, invalidated."""

from __future__ import annotations

from typing import Any

from core.rule_index import RuleIndex


class Words(RuleIndex[tuple[str, ...], frozenset[str]]):
    """A toy index: a group's rules are words, compiled into a set (none: no rules)."""

    def __init__(self, store: dict[int, tuple[str, ...]], now: list[float], limit: int = 2) -> None:
        super().__init__(limit, 30.0, clock=lambda: now[0])
        self.store = store
        self.reads = 0
        self.builds = 0
        self.elsewhere = 0

    async def _fresh(self, uow: Any, chat_id: int) -> tuple[str, ...]:
        self.reads += 1
        return self.store.get(chat_id, ())

    async def _build(
        self, uow: Any, chat_id: int, source: tuple[str, ...]
    ) -> frozenset[str] | None:
        self.builds += 1
        return frozenset(source) or None

    def _changed_elsewhere(self, uow: Any, chat_id: int) -> None:
        self.elsewhere += 1


async def test_compiles_once_and_rechecks_after_the_interval() -> None:
    now = [0.0]
    index = Words({1: ("a",)}, now)
    assert await index.compiled(None, 1) == {"a"}
    assert await index.compiled(None, 1) == {"a"}
    assert (index.reads, index.builds) == (1, 1)
    now[0] = 30.0
    assert await index.compiled(None, 1) == {"a"}
    assert (index.reads, index.builds, index.elsewhere) == (2, 1, 0)


async def test_a_change_elsewhere_is_seen_at_the_recheck() -> None:
    now = [0.0]
    store = {1: ("a",)}
    index = Words(store, now)
    await index.compiled(None, 1)
    store[1] = ("b",)
    now[0] = 10.0
    assert await index.compiled(None, 1) == {"a"}
    now[0] = 31.0
    assert await index.compiled(None, 1) == {"b"}
    assert (index.builds, index.elsewhere) == (2, 1)


async def test_invalidate_and_no_rules() -> None:
    now = [0.0]
    store = {1: ("a",)}
    index = Words(store, now)
    await index.compiled(None, 1)
    store[1] = ()
    index.invalidate(1)
    assert await index.compiled(None, 1) is None
    assert await index.compiled(None, 1) is None
    assert index.builds == 3  # a group without rules keeps no entry


async def test_least_recently_used_group_goes_first() -> None:
    now = [0.0]
    index = Words({1: ("a",), 2: ("b",), 3: ("c",)}, now, limit=2)
    for chat in (1, 2, 1, 3):
        await index.compiled(None, chat)
    assert index.builds == 3
    await index.compiled(None, 1)
    assert index.builds == 3  # 1 was used more recently than 2
    await index.compiled(None, 2)
    assert index.builds == 4
