"""Repositories and the unit of work, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.engine import make_sessionmaker
from storage.models import ChatRow, MemberRow, WelcomeRow
from storage.repositories import (
    Activity,
    ChatRepository,
    ChatSettings,
    MemberRepository,
    WelcomeRepository,
    WelcomeSettings,
    default_welcome,
    load_stored_ids,
)
from storage.unit import Store, UnitOfWork

BIG_GROUP = -1001234567890123
OTHER_GROUP = -1009876543210987
BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2025, 5, 1, 8, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def count(store: Store, model: type[Any]) -> int:
    async with store.unit() as uow:
        session = await uow.session()
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def assert_utc(value: datetime | None, expected: datetime) -> None:
    assert value is not None
    assert value.tzinfo is not None, "timezone-aware"
    assert value.utcoffset() == timedelta(0), "in UTC"
    assert value == expected


# --- chats --------------------------------------------------------------------------

CHAT_IDS = [BIG_GROUP, -1, 1, 2**63 - 1, -(2**63), -4200000000]


async def test_chat_ensure_and_get_round_trip_64_bit_ids(store: Store) -> None:
    async with store.unit() as uow:
        repo = ChatRepository(uow)
        for chat_id in CHAT_IDS:
            assert await repo.get(chat_id) is None
            row = await repo.ensure(chat_id, f"Group {chat_id}")
            assert row.id == chat_id
    async with store.unit() as uow:
        repo = ChatRepository(uow)
        for chat_id in CHAT_IDS:
            row = await repo.get(chat_id)
            assert row is not None
            assert type(row.id) is int
            assert row.id == chat_id
            assert row.title == f"Group {chat_id}"
            assert row.language is None and row.timezone is None and row.rules is None
    assert await count(store, ChatRow) == len(CHAT_IDS)


async def test_chat_title_update(store: Store) -> None:
    async with store.unit() as uow:
        created = await ChatRepository(uow).ensure(BIG_GROUP, "Old name")
        first_updated = created.updated_at
    assert_utc(created.created_at, created.created_at)

    async with store.unit() as uow:
        repo = ChatRepository(uow)
        row = await repo.ensure(BIG_GROUP, "New name")
        assert row.title == "New name"
    async with store.unit() as uow:
        row = await ChatRepository(uow).ensure(BIG_GROUP, "")  # no title: keep the old one
        assert row.title == "New name"
    async with store.unit() as uow:
        stored = await ChatRepository(uow).get(BIG_GROUP)
        assert stored is not None
        assert stored.title == "New name"
        assert_utc(stored.created_at, created.created_at)
        assert stored.updated_at >= first_updated
        assert stored.updated_at.utcoffset() == timedelta(0)
    assert await count(store, ChatRow) == 1


async def test_chat_long_title_is_cut_to_255(store: Store) -> None:
    title = "标题" * 200
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(BIG_GROUP, title)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(OTHER_GROUP, "short")
        await ChatRepository(uow).ensure(OTHER_GROUP, title)
    async with store.unit() as uow:
        for chat_id in (BIG_GROUP, OTHER_GROUP):
            row = await ChatRepository(uow).get(chat_id)
            assert row is not None
            assert row.title == title[:255]


# --- welcome settings ---------------------------------------------------------------


async def test_welcome_get_returns_defaults_without_storing(store: Store) -> None:
    async with store.unit() as uow:
        settings = await WelcomeRepository(uow).get(BIG_GROUP)
        assert settings.chat_id == BIG_GROUP
        assert settings.enabled is True
        assert settings.template is None
        assert settings.clean_welcome is False
        assert settings.clean_service is False
        assert settings.last_message_id is None
    assert await count(store, WelcomeRow) == 0
    assert await count(store, ChatRow) == 0


async def test_welcome_ensure_stores_and_keeps_changes(store: Store) -> None:
    async with store.unit() as uow:
        settings = await WelcomeRepository(uow).ensure(BIG_GROUP, "Cats")
        assert (settings.enabled, settings.template) == (True, None)
        settings.template = "Hi {name}"
    async with store.unit() as uow:
        again = await WelcomeRepository(uow).ensure(BIG_GROUP, "Cats")
        assert again.template == "Hi {name}", "ensure does not reset stored settings"
    assert await count(store, WelcomeRow) == 1
    async with store.unit() as uow:
        chat = await ChatRepository(uow).get(BIG_GROUP)
        assert chat is not None
        assert chat.title == "Cats"


async def test_welcome_settings_persist_across_restart(store: Store, database_url: str) -> None:
    async with store.unit() as uow:
        settings = await WelcomeRepository(uow).ensure(BIG_GROUP, "Cats")
        settings.enabled = False
        settings.template = "欢迎 {mention} 来到 {group}！\n<b>literal</b>"
        settings.clean_welcome = True
        settings.clean_service = True
        settings.last_message_id = 2**40
    await store.close()

    restarted = Store(database_url)
    try:
        async with restarted.unit() as uow:
            settings = await WelcomeRepository(uow).get(BIG_GROUP)
            assert settings.enabled is False
            assert settings.template == "欢迎 {mention} 来到 {group}！\n<b>literal</b>"
            assert settings.clean_welcome is True
            assert settings.clean_service is True
            assert settings.last_message_id == 2**40
            other = await WelcomeRepository(uow).get(OTHER_GROUP)
            assert (other.enabled, other.template) == (True, None)
    finally:
        await restarted.close()


def test_default_welcome_is_transient() -> None:
    row = default_welcome(BIG_GROUP)
    assert (row.chat_id, row.enabled, row.template) == (BIG_GROUP, True, None)
    assert (row.clean_welcome, row.clean_service) == (False, False)


# --- members ------------------------------------------------------------------------


def activity(user_id: int, last_seen: datetime, **values: Any) -> Activity:
    fields: dict[str, Any] = {
        "chat_id": BIG_GROUP,
        "user_id": user_id,
        "name": f"user{user_id}",
        "username": None,
        "is_bot": False,
        "last_seen": last_seen,
    }
    fields.update(values)
    return Activity(**fields)


async def record(store: Store, batch: list[Activity]) -> None:
    async with store.unit() as uow:
        await MemberRepository(uow).record(batch)


async def member(store: Store, user_id: int, chat_id: int = BIG_GROUP) -> MemberRow:
    async with store.unit() as uow:
        row = await MemberRepository(uow).get(chat_id, user_id)
    assert row is not None
    return row


async def test_member_upsert_merges_batches(store: Store) -> None:
    ann = 2**40 + 1
    await record(
        store,
        [
            activity(ann, at(1), name="Ann", username="ann", messages=3, joined_at=at(0)),
            activity(7, at(1), name="Bot", is_bot=True, messages=1),
        ],
    )
    first = await member(store, ann)
    assert (first.message_count, first.name, first.username) == (3, "Ann", "ann")
    assert_utc(first.first_seen, at(0))
    assert_utc(first.last_seen, at(1))
    assert_utc(first.joined_at, at(0))
    assert first.left_at is None

    await record(
        store,
        [activity(ann, at(5), name="Ann Lee", username="annlee", messages=4, joined_at=None)],
    )
    second = await member(store, ann)
    assert second.message_count == 7, "counts add up"
    assert_utc(second.last_seen, at(5))
    assert_utc(second.joined_at, at(0))  # joined_at kept when the batch has none
    assert_utc(second.first_seen, at(0))
    assert (second.name, second.username) == ("Ann Lee", "annlee")

    await record(store, [activity(ann, at(9), name="Ann Lee", left_at=at(9))])
    third = await member(store, ann)
    assert third.message_count == 7
    assert_utc(third.left_at, at(9))
    assert_utc(third.joined_at, at(0))
    assert third.username is None, "a removed username is removed"

    await record(store, [activity(ann, at(20), name="Ann Lee", joined_at=at(20))])
    fourth = await member(store, ann)
    assert_utc(fourth.joined_at, at(20))  # a new join replaces the old join time
    assert_utc(fourth.first_seen, at(0))  # first_seen never changes

    bot_row = await member(store, 7)
    assert (bot_row.is_bot, bot_row.message_count) == (True, 1)
    assert_utc(bot_row.first_seen, at(1))


async def test_member_last_seen_never_moves_back(store: Store) -> None:
    await record(store, [activity(1, at(10), messages=1)])
    await record(store, [activity(1, at(5), messages=1)])
    row = await member(store, 1)
    assert row.message_count == 2
    assert_utc(row.last_seen, at(10))


async def test_member_timestamps_come_back_in_utc(store: Store) -> None:
    local = datetime(2025, 5, 1, 16, 30, 15, 123456, tzinfo=BEIJING)
    naive = datetime(2025, 5, 1, 9, 0, 0)
    await record(
        store,
        [
            activity(1, local, joined_at=local, left_at=local + timedelta(hours=1)),
            activity(2, naive),
        ],
    )
    one = await member(store, 1)
    assert_utc(one.last_seen, local)
    assert_utc(one.first_seen, local)
    assert_utc(one.joined_at, local)
    assert_utc(one.left_at, local + timedelta(hours=1))
    assert one.last_seen.hour == 8, "stored and given back as UTC wall time"
    two = await member(store, 2)
    assert_utc(two.last_seen, naive.replace(tzinfo=UTC))


async def test_member_batch_larger_than_one_chunk(store: Store) -> None:
    size = 1200
    batch = [
        activity(10_000 + i, at(i % 60), name=f"Member {i}", messages=i % 5) for i in range(size)
    ]
    batch.append(activity(1, at(0), chat_id=OTHER_GROUP, messages=9))
    await record(store, batch)
    await record(store, batch)  # the second time every row is an update
    async with store.unit() as uow:
        rows = await MemberRepository(uow).in_chat(BIG_GROUP)
    assert len(rows) == size
    by_user = {row.user_id: row for row in rows}
    assert set(by_user) == {10_000 + i for i in range(size)}
    for i in (0, 1, 499, 500, 501, 999, 1000, 1199):
        row = by_user[10_000 + i]
        assert row.message_count == 2 * (i % 5)
        assert row.name == f"Member {i}"
        assert_utc(row.last_seen, at(i % 60))
    assert sum(row.message_count for row in rows) == 2 * sum(i % 5 for i in range(size))
    other = await member(store, 1, OTHER_GROUP)
    assert other.message_count == 18
    assert await count(store, MemberRow) == size + 1


async def test_member_duplicate_in_one_batch_adds_up(store: Store) -> None:
    """The same member twice in one batch merges as two batches would, on both databases."""
    await record(store, [activity(1, at(1), messages=2), activity(1, at(2), messages=3)])
    row = await member(store, 1)
    assert row.message_count == 5
    assert_utc(row.last_seen, at(2))


async def test_member_long_name_is_cut(store: Store) -> None:
    await record(store, [activity(1, at(0), name="x" * 300)])
    assert (await member(store, 1)).name == "x" * 255


async def test_record_empty_batch(store: Store) -> None:
    await record(store, [])
    assert await count(store, MemberRow) == 0


async def test_member_get_unknown_is_none(store: Store) -> None:
    async with store.unit() as uow:
        assert await MemberRepository(uow).get(BIG_GROUP, 1) is None
        assert await MemberRepository(uow).in_chat(BIG_GROUP) == []


# --- unit of work -------------------------------------------------------------------


class Boom(Exception):
    pass


async def test_failed_unit_rolls_back(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.unit() as uow:
            await ChatRepository(uow).ensure(BIG_GROUP, "Cats")
            settings = await WelcomeRepository(uow).ensure(OTHER_GROUP, "Dogs")
            settings.template = "x"
            await MemberRepository(uow).record([activity(1, at(0), messages=1)])
            session = await uow.session()
            await session.flush()
            raise Boom
    assert await count(store, ChatRow) == 0
    assert await count(store, WelcomeRow) == 0
    assert await count(store, MemberRow) == 0


async def test_failed_unit_keeps_what_was_committed_before(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.unit() as uow:
            await ChatRepository(uow).ensure(BIG_GROUP, "Cats")
            await uow.commit()
            await ChatRepository(uow).ensure(OTHER_GROUP, "Dogs")
            raise Boom
    async with store.unit() as uow:
        assert await ChatRepository(uow).get(BIG_GROUP) is not None
        assert await ChatRepository(uow).get(OTHER_GROUP) is None


async def test_explicit_rollback(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(BIG_GROUP, "Cats")
        await uow.rollback()
        await ChatRepository(uow).ensure(OTHER_GROUP, "Dogs")
    async with store.unit() as uow:
        assert await ChatRepository(uow).get(BIG_GROUP) is None
        assert await ChatRepository(uow).get(OTHER_GROUP) is not None


class CountingSessions:
    """A session factory that counts how many sessions it opened."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.opened = 0

    def __call__(self) -> AsyncSession:
        self.opened += 1
        return self.sessions()


async def test_unit_that_stores_nothing_opens_no_session(store: Store) -> None:
    checkouts: list[object] = []

    def on_checkout(*_args: object) -> None:
        checkouts.append(object())

    counter = CountingSessions(make_sessionmaker(store.engine))
    sessions = cast("async_sessionmaker[AsyncSession]", counter)
    event.listen(store.engine.sync_engine, "checkout", on_checkout)
    try:
        async with UnitOfWork(sessions) as uow:
            await uow.commit()
            await uow.rollback()
        assert counter.opened == 0
        with pytest.raises(Boom):
            async with UnitOfWork(sessions):
                raise Boom
        assert counter.opened == 0
        async with store.unit():
            pass
        assert checkouts == [], "no connection was taken from the pool"

        async with UnitOfWork(sessions) as uow:
            await ChatRepository(uow).ensure(BIG_GROUP)
            await WelcomeRepository(uow).ensure(BIG_GROUP)
            await MemberRepository(uow).record([activity(1, at(0))])
        assert counter.opened == 1, "one session per unit, however many repositories"
        assert len(checkouts) == 1
    finally:
        event.remove(store.engine.sync_engine, "checkout", on_checkout)
    assert await count(store, MemberRow) == 1


async def test_units_are_independent(store: Store) -> None:
    async with store.unit() as first, store.unit() as second:
        assert await first.session() is await first.session()
        assert await first.session() is not await second.session()


async def test_member_rejoin_clears_the_leave_time(store: Store) -> None:
    """Join, leave, rejoin: the member is present again, with the newer join time."""
    await record(store, [activity(1, at(1), joined_at=at(1))])
    await record(store, [activity(1, at(2), left_at=at(2))])
    assert_utc((await member(store, 1)).left_at, at(2))
    await record(store, [activity(1, at(3), joined_at=at(3))])
    row = await member(store, 1)
    assert row.left_at is None
    assert_utc(row.joined_at, at(3))


# --- cached settings ----------------------------------------------------------------


def count_selects(store: Store) -> list[str]:
    """Collect the SELECT statements the store runs from now on."""
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", on_execute)
    return seen


async def test_settings_are_read_once_then_served_from_the_cache(store: Store) -> None:
    async with store.unit() as uow:
        row = await ChatRepository(uow).ensure(BIG_GROUP, "Cats")
        row.language, row.rules = "en", "Be kind"
    selects = count_selects(store)
    for _ in range(3):
        async with store.unit() as uow:
            settings = await ChatRepository(uow).settings(BIG_GROUP)
            assert (settings.language, settings.rules) == ("en", "Be kind")
    assert len(selects) == 1


async def test_a_write_is_seen_by_the_next_read(store: Store) -> None:
    async with store.unit() as uow:
        assert (await WelcomeRepository(uow).settings(BIG_GROUP)).enabled
    async with store.unit() as uow:
        (await WelcomeRepository(uow).ensure(BIG_GROUP, "Cats")).enabled = False
    async with store.unit() as uow:
        assert not (await WelcomeRepository(uow).settings(BIG_GROUP)).enabled


async def test_a_rolled_back_write_leaves_the_old_settings(store: Store) -> None:
    async with store.unit() as uow:
        (await ChatRepository(uow).ensure(BIG_GROUP, "Cats")).language = "en"
    with pytest.raises(Boom):
        async with store.unit() as uow:
            (await ChatRepository(uow).ensure(BIG_GROUP, "Cats")).language = "zh"
            assert (await ChatRepository(uow).settings(BIG_GROUP)).language == "zh"
            raise Boom
    async with store.unit() as uow:
        assert (await ChatRepository(uow).settings(BIG_GROUP)).language == "en"


async def test_known_ids_spare_queries_for_groups_without_settings(store: Store) -> None:
    async with store.unit() as uow:
        await WelcomeRepository(uow).ensure(BIG_GROUP, "Cats")
    async with store.unit() as uow:
        await load_stored_ids(uow)
    selects = count_selects(store)
    async with store.unit() as uow:
        assert await ChatRepository(uow).settings(OTHER_GROUP) == ChatSettings()
        assert await WelcomeRepository(uow).settings(OTHER_GROUP) == WelcomeSettings()
    assert selects == [], "a group with no stored row costs no query"
    async with store.unit() as uow:
        (await WelcomeRepository(uow).ensure(OTHER_GROUP, "Dogs")).template = "Hi {name}"
    async with store.unit() as uow:
        assert (await WelcomeRepository(uow).settings(OTHER_GROUP)).template == "Hi {name}"


async def test_racing_first_writes_to_one_group_both_succeed(store: Store) -> None:
    """Two units creating the same group's rows at once: no duplicate-key error."""

    async def create(title: str) -> None:
        async with store.unit() as uow:
            await WelcomeRepository(uow).ensure(BIG_GROUP, title)

    await asyncio.gather(create("Cats"), create("Cats"), create("Cats"))
    assert await count(store, ChatRow) == 1
    assert await count(store, WelcomeRow) == 1
