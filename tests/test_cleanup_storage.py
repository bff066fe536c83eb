"""Cleanup storage on SQLite and PostgreSQL: silent queries, exemptions, warnings, claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

from core.runtime import Runtime
from handlers.cleanup.actions import silence_check
from handlers.cleanup.rules import Member
from storage.cleanup import CleanupRepository, SilentFilter
from storage.repositories import Activity, ChatRepository, MemberRepository
from storage.unit import Store

CHAT = -1001234567890123
OTHER = -1009999999999999
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    """A time ``days`` before NOW."""
    return NOW - timedelta(days=days)


async def seed(store: Store) -> None:
    """A group with a mix of members, and another group that must never leak in."""
    batch = [
        Activity(CHAT, 1, "Old", None, False, ago(100)),
        Activity(CHAT, 2, "Older", None, False, ago(200)),
        Activity(CHAT, 3, "Recent", None, False, ago(5)),
        Activity(CHAT, 4, "Bot", None, True, ago(300)),
        Activity(CHAT, 5, "Newbie", None, False, ago(60), joined_at=ago(2)),
        Activity(CHAT, 6, "Gone", None, False, ago(90), left_at=ago(80)),
        Activity(CHAT, 7, "Exempt", None, False, ago(90)),
        Activity(CHAT, 8, "Admin", None, False, ago(90)),
        Activity(OTHER, 1, "Elsewhere", None, False, ago(500)),
    ]
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(CHAT)
        await ChatRepository(uow).ensure(OTHER)
        await MemberRepository(uow).record(batch)
        await CleanupRepository(uow).exempt(CHAT, 7, "Exempt", 99, NOW)


def where(days: int = 30, excluded: frozenset[int] = frozenset({8})) -> SilentFilter:
    """Members silent ``days`` days, newcomers of 7 days and the excluded ids left out."""
    return SilentFilter(CHAT, ago(days), ago(7), excluded)


async def test_silent_members_are_filtered_and_ordered(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.count_silent(where()) == 2
        rows = await repo.silent(where())
        assert [r.user_id for r in rows] == [2, 1]
        assert rows[0].last_seen == ago(200) and rows[0].name == "Older"
        page = await repo.silent(where(), offset=1, limit=1)
        assert [r.user_id for r in page] == [1]
        assert await repo.count_silent(where(150)) == 1


async def test_huge_exclusion_lists_are_filtered_in_python(store: Store) -> None:
    await seed(store)
    excluded = frozenset({8, 1, *range(10_000, 13_000)})
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.count_silent(where(excluded=excluded)) == 1
        assert [r.user_id for r in await repo.silent(where(excluded=excluded), limit=5)] == [2]


async def test_exempt_unexempt_and_list(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.exempt(CHAT, 7, "Exempt", 99, NOW) is False
        assert await repo.exempt(CHAT, 1, "Old", 99, NOW + timedelta(minutes=1)) is True
        assert [r.user_id for r in await repo.exempted(CHAT)] == [7, 1]
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.count_silent(where()) == 1
        assert await repo.unexempt(CHAT, 1) is True
        assert await repo.unexempt(CHAT, 1) is False
        assert await repo.count_silent(where()) == 2


async def test_present_counts_and_mark_left(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.present(CHAT, {8, 999}) == (7, 1)
        await repo.mark_left(CHAT, [1, 2], NOW)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.present(CHAT, set()) == (5, 0)
        assert await repo.count_silent(where()) == 0


async def test_bot_join_time_earliest_sign_then_rejoin(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        # Not noted: the earliest member sign is the safe lower bound.
        first = await repo.bot_joined_at(CHAT)
        assert first is not None and first <= ago(5) and first.tzinfo is not None
        assert await repo.bot_joined_at(CHAT - 1) is None
        await repo.note_bot_joined(CHAT, NOW)
    async with store.unit() as uow:
        assert await CleanupRepository(uow).bot_joined_at(CHAT) == NOW


async def test_settings_due_and_claim_once(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert (await repo.settings(CHAT)).auto_days is None
        await repo.save_settings(CHAT, 30, 3, False, NOW)
        await repo.save_settings(OTHER, None, 3, False, NOW)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        due = await repo.due(NOW)
        assert [chat for chat, _ in due] == [CHAT] and due[0][1].warn_days == 3
        assert await repo.claim(CHAT, NOW, NOW) is True
        assert await repo.claim(CHAT, NOW - timedelta(hours=1), NOW) is False
        assert await repo.claim(OTHER, NOW, NOW) is False
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.due(NOW - timedelta(hours=1)) == []
        assert (await repo.settings(CHAT)).last_run_at == NOW
        await repo.save_settings(CHAT, 60, 0, True, NOW)
    async with store.unit() as uow:
        settings = await CleanupRepository(uow).settings(CHAT)
        assert (settings.auto_days, settings.warn_days, settings.dry_run) == (60, 0, True)
        assert settings.last_run_at == NOW


async def test_warnings_replace_drop_and_go_with_autoclean_off(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        await repo.warn(CHAT, [1, 2], ago(3))
        await repo.warn(CHAT, [2], ago(1))
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.warnings(CHAT) == {1: ago(3), 2: ago(1)}
        await repo.drop_warnings(CHAT, [1])
        assert await repo.warnings(CHAT) == {2: ago(1)}
        await repo.save_settings(CHAT, None, 3, False, NOW)
        assert await repo.warnings(CHAT) == {}


async def test_started_users(store: Store) -> None:
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        await repo.note_started(5, NOW)
        await repo.note_started(5, NOW)
        await repo.note_started(6, NOW)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.started_among([5, 6, 7]) == {5, 6}
        await repo.forget_started([6])
        assert await repo.started_among([5, 6, 7]) == {5}
        assert await repo.started_among([]) == set()


async def test_last_seen_of_one_member(store: Store) -> None:
    await seed(store)
    async with store.unit() as uow:
        repo = CleanupRepository(uow)
        assert await repo.last_seen(CHAT, 1) == ago(100)
        assert await repo.last_seen(CHAT, 999) is None


async def test_silence_check_counts_activity_not_stored_yet(store: Store) -> None:
    """A listed member who spoke since the list was made is kept, stored or still buffered."""
    await seed(store)
    listed = Member(1, "Old", ago(100))
    buffered: dict[tuple[int, int], datetime] = {}
    check = silence_check(cast(Runtime, SimpleNamespace(store=store)), CHAT, _get(buffered))
    assert await check(listed)
    buffered[(CHAT, 1)] = ago(0)
    assert not await check(listed)
    # Without the buffer, only what is stored counts.
    assert await silence_check(cast(Runtime, SimpleNamespace(store=store)), CHAT, None)(listed)
    async with store.unit() as uow:
        await MemberRepository(uow).record([Activity(CHAT, 1, "Old", None, False, ago(1))])
    assert not await check(Member(1, "Old", ago(100)))


def _get(values: dict[tuple[int, int], datetime]) -> Callable[[int, int], datetime | None]:
    return lambda chat_id, user_id: values.get((chat_id, user_id))
