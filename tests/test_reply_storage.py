"""Auto-reply rules in storage, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from storage.replies import Hits, NewRule, ReplyRepository
from storage.repositories import ChatRepository
from storage.unit import Store

CHAT = -1001234567890123
OTHER = -1009999999999999


def rule(key: str, mode: str = "contains", text: str = "answer") -> NewRule:
    return NewRule(mode, key, key, [{"text": text}])


async def seed(store: Store, chat_id: int, *keys: str) -> list[int]:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(chat_id)
        repo = ReplyRepository(uow)
        return [(await repo.add(chat_id, rule(key), 7)).id for key in keys]


async def test_add_list_count_and_chats(store: Store) -> None:
    """Rules come back oldest first with their answers; groups with rules are known."""
    await seed(store, CHAT, "price", "hours")
    await seed(store, OTHER, "x")
    async with store.unit() as uow:
        repo = ReplyRepository(uow)
        rows = await repo.in_chat(CHAT)
        assert [r.keyword for r in rows] == ["price", "hours"]
        assert rows[0].answers == [{"text": "answer"}]
        assert await repo.count(CHAT) == 2
        assert await repo.chats() == {CHAT, OTHER}


async def test_same_trigger_twice_is_refused(store: Store) -> None:
    """(group, mode, key) is unique, so two processes cannot store one rule twice."""
    await seed(store, CHAT, "price")
    with pytest.raises(IntegrityError):
        await seed(store, CHAT, "price")
    await seed(store, CHAT, "price2")
    await seed(store, OTHER, "price")


async def test_signature_changes_with_every_change(store: Store) -> None:
    """Adding, changing answers and deleting all move the signature; hit counts do not."""
    (first,) = await seed(store, CHAT, "a")
    async with store.unit() as uow:
        before = await ReplyRepository(uow).signature(CHAT)
    assert before[0] == 1 and isinstance(before[2], datetime)
    async with store.unit() as uow:
        repo = ReplyRepository(uow)
        await repo.add_hits({first: Hits(3, datetime.now(UTC))})
    async with store.unit() as uow:
        assert await ReplyRepository(uow).signature(CHAT) == before
    async with store.unit() as uow:
        repo = ReplyRepository(uow)
        row = await repo.get(CHAT, first)
        assert row is not None
        repo.set_answers(row, [{"text": "a"}, {"text": "b"}])
    async with store.unit() as uow:
        changed = await ReplyRepository(uow).signature(CHAT)
    assert changed != before
    async with store.unit() as uow:
        repo = ReplyRepository(uow)
        await repo.remove(await repo.in_chat(CHAT))
        assert await repo.signature(CHAT) == (0, None, None)


async def test_hits_add_up_and_skip_deleted_rules(store: Store) -> None:
    """Buffered counts are added; a rule deleted meanwhile is simply not there."""
    one, two = await seed(store, CHAT, "a", "b")
    when = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    async with store.unit() as uow:
        await ReplyRepository(uow).remove([await ReplyRepository(uow).get(CHAT, two)])  # type: ignore[list-item]
    for _ in range(2):
        async with store.unit() as uow:
            await ReplyRepository(uow).add_hits({one: Hits(2, when), two: Hits(5, when)})
    async with store.unit() as uow:
        row = await ReplyRepository(uow).get(CHAT, one)
        assert row is not None and row.hits == 4 and row.last_hit_at == when


async def test_lookups(store: Store) -> None:
    """find, with_key and get stay inside the group they are asked about."""
    await seed(store, CHAT, "price", "hours")
    (foreign,) = await seed(store, OTHER, "price")
    async with store.unit() as uow:
        repo = ReplyRepository(uow)
        assert (await repo.find(CHAT, "contains", "price")) is not None
        assert (await repo.find(CHAT, "exact", "price")) is None
        assert [r.keyword for r in await repo.with_key(CHAT, ["price", "nope"])] == ["price"]
        assert await repo.get(CHAT, foreign) is None


async def test_clear_and_cascade(store: Store) -> None:
    """Clearing removes one group's rules and reports how many."""
    await seed(store, CHAT, "a", "b", "c")
    await seed(store, OTHER, "a")
    async with store.unit() as uow:
        assert await ReplyRepository(uow).clear(CHAT) == 3
    async with store.unit() as uow:
        assert await ReplyRepository(uow).chats() == {OTHER}


async def test_chinese_and_long_keys_round_trip(store: Store) -> None:
    """Keys of 500 CJK characters fit the unique index on both databases."""
    key = "价格" * 250
    await seed(store, CHAT, key)
    async with store.unit() as uow:
        assert (await ReplyRepository(uow).find(CHAT, "contains", key)) is not None
