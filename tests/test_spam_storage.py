"""Spam-filter storage on SQLite and PostgreSQL: samples, settings, flags, and refresh."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from core.runtime import Runtime
from handlers.spam.feature import SpamFilter
from handlers.spam.model import DEFAULT_THRESHOLD
from handlers.spam.rules import sample_digest
from storage.repositories import ChatRepository
from storage.spam import SpamRepository, SpamSettings, load_known_spam_ids
from storage.unit import Store
from tests.spam_corpus import corpus

CHAT = -1001234567890123
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_samples_are_stored_and_a_new_verdict_replaces_the_old(store: Store) -> None:
    async with store.unit() as uow:
        repo = SpamRepository(uow)
        first = await repo.add_sample(sample_digest("买粉丝"), "买粉丝", True, CHAT, 1)
        await repo.add_sample(sample_digest("早上好"), "早上好", False, None, None)
    async with store.unit() as uow:
        # The same text, styled differently: one sample, now ham, with a new id.
        again = await SpamRepository(uow).add_sample(
            sample_digest("买 粉丝"), "买 粉丝", False, CHAT, 2
        )
    assert again > first
    async with store.unit() as uow:
        everything = await SpamRepository(uow).samples_after(0)
        newer = await SpamRepository(uow).samples_after(first)
    assert [(s.text, s.spam) for s in everything] == [("早上好", False), ("买 粉丝", False)]
    assert [s.id for s in newer] == [s.id for s in everything]


async def test_settings_default_then_change(store: Store) -> None:
    async with store.unit() as uow:
        await load_known_spam_ids(uow)
        assert await SpamRepository(uow).settings(CHAT) == SpamSettings()
    async with store.unit() as uow:
        row = await SpamRepository(uow).edit_settings(CHAT)
        row.enabled, row.scope, row.threshold, row.actions = False, "all", 0.75, "delete"
    async with store.unit() as uow:
        assert await SpamRepository(uow).settings(CHAT) == SpamSettings(
            False, "all", 0.75, "delete"
        )


async def test_a_flag_is_decided_once(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(CHAT)
        flag_id = await SpamRepository(uow).add_flag(CHAT, 7, "Eve", 55, "buy now", 0.7, False, NOW)
    async with store.unit() as uow:
        repo = SpamRepository(uow)
        assert await repo.resolve_flag(flag_id, "ham")
        assert not await repo.resolve_flag(flag_id, "spam")
    async with store.unit() as uow:
        flag = await SpamRepository(uow).flag(flag_id)
        assert flag is not None and flag.status == "ham" and flag.text == "buy now"
        assert [f.id for f in await SpamRepository(uow).flags(CHAT)] == [flag_id]
        assert await SpamRepository(uow).flag(flag_id + 100) is None


async def test_verdicts_reach_other_processes_on_refresh(store: Store) -> None:
    """Two filters on one database: what one learns, the other picks up on its refresh."""
    first, second = SpamFilter(), SpamFilter()
    for feature in (first, second):
        feature.model.train(corpus())
        feature._runtime = cast(Runtime, SimpleNamespace(store=store))
    novel = "祖传秘方专治脱发，三天见效，不灵退款"
    before = second.model.score(novel)
    async with store.unit() as uow:
        assert await first.learn(uow, novel, True, CHAT, 1)
    await second.refresh()
    assert second.model.score(novel) > max(before, DEFAULT_THRESHOLD)
    # The learning process does not learn its own sample twice.
    weights = dict(first.model.weights)
    await first.refresh()
    assert first.model.weights == weights
