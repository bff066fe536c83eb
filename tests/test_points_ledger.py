"""The points ledger: paging, export rows, reading it in chunks, and boards without chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.platforms.telegram.events import ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID
from bot.platforms.telegram.events import TELEGRAM_STAND_INS as STAND_IN_IDS
from core.events import Chat, Message, User
from core.senders import sent_as_chat
from handlers.checkin.ledger import Balances, ledger_row, parse_page, split_page
from storage.points import LedgerEntry, PointsRepository, ledger_chunk_query
from storage.repositories import ChatRepository
from storage.unit import Store

CHAT = -1001234567890123
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "page"),
    [
        ((), 1),
        (("1",), 1),
        (("27",), 27),
        (("0",), None),
        (("-2",), None),
        (("two",), None),
        (("２",), None),  # a full-width digit is not read as a page
        (("1234567",), None),
        (("2", "3"), None),
    ],
)
def test_parse_page(args: tuple[str, ...], page: int | None) -> None:
    assert parse_page(args) == page


@pytest.mark.parametrize(
    ("read", "size", "shown", "more"),
    [
        (16, 15, 15, True),
        (15, 15, 15, False),  # exactly a page: no empty next page is offered
        (3, 15, 3, False),
        (0, 15, 0, False),
    ],
)
def test_split_page(read: int, size: int, shown: int, more: bool) -> None:
    rows, has_more = split_page(list(range(read)), size)
    assert (len(rows), has_more) == (shown, more)
    assert rows == list(range(shown))


def test_balances_run_per_member() -> None:
    balances = Balances()
    assert [balances.after(1, 10), balances.after(2, 5), balances.after(1, -4)] == [10, 5, 6]


@pytest.mark.parametrize(
    ("names", "actor", "row_names"),
    [
        ({11: "Ann", 99: "Ada"}, 99, ("Ann", "Ada")),
        ({}, 99, ("", "")),
        ({11: "Ann"}, None, ("Ann", "")),
    ],
)
def test_ledger_row(names: dict[int, str], actor: int | None, row_names: tuple[str, str]) -> None:
    entry = LedgerEntry(7, 11, -15, "take", "spam", actor, NOW)
    row = ledger_row(entry, names, 25, ZoneInfo("Asia/Shanghai"))
    assert row == [
        7,
        "2026-11-23 12:00:00+08:00",
        11,
        row_names[0],
        -15,
        25,
        "take",
        "spam",
        actor,
        row_names[1],
    ]


def message(sender_chat_id: int | None) -> Message:
    return Message(Chat(CHAT), User(5, "x"), 1, "签到", NOW, sender_chat_id=sender_chat_id)


@pytest.mark.parametrize(("sender_chat_id", "as_chat"), [(None, False), (CHAT, True), (-100, True)])
def test_sent_as_chat(sender_chat_id: int | None, as_chat: bool) -> None:
    assert sent_as_chat(message(sender_chat_id)) is as_chat


def test_stand_ins_are_the_platforms_chat_users() -> None:
    assert {ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID} == STAND_IN_IDS


async def credit(store: Store, user_id: int, delta: int, at: datetime, name: str = "") -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(CHAT)
        repo = PointsRepository(uow)
        await repo.ensure_account(CHAT, user_id, name or f"U{user_id}")
        await repo.credit(CHAT, user_id, delta, "give", None, 99, at)


async def test_ledger_chunks_read_everything_once_oldest_first(store: Store) -> None:
    for i in range(23):
        await credit(store, 11 + i % 2, i + 1, NOW + timedelta(minutes=i))
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        chunks = [chunk async for chunk in repo.ledger_chunks(CHAT, size=5)]
        mine = [chunk async for chunk in repo.ledger_chunks(CHAT, 12, size=5)]
        other = [chunk async for chunk in repo.ledger_chunks(-1, size=5)]
    assert [len(chunk) for chunk in chunks] == [5, 5, 5, 5, 3]
    entries = [entry for chunk in chunks for entry in chunk]
    assert [e.delta for e in entries] == list(range(1, 24))
    assert entries[0].created_at == NOW and entries[0].actor_id == 99
    assert [e.delta for chunk in mine for e in chunk] == list(range(2, 24, 2))
    assert other == []


async def test_entries_added_while_reading_wait_for_the_next_export(store: Store) -> None:
    for _ in range(4):
        await credit(store, 11, 1, NOW)
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        seen = 0
        async for chunk in repo.ledger_chunks(CHAT, size=2):
            seen += len(chunk)
            await uow.commit()
            await credit(store, 11, 1, NOW)  # a check-in during the export
    assert seen == 4


async def test_boards_and_ranks_leave_stand_ins_off(store: Store) -> None:
    await credit(store, 11, 5, NOW, "Ann")
    await credit(store, ANONYMOUS_ADMIN_ID, 50, NOW, "Group")
    await credit(store, CHANNEL_BOT_ID, 40, NOW, "Channel")
    await credit(store, 12, 3, NOW, "Ben")
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        board = [a.name for a in await repo.top(CHAT, 10, STAND_IN_IDS)]
        weekly = await repo.top_since(CHAT, NOW - timedelta(days=1), 10, STAND_IN_IDS)
        everyone = [a.name for a in await repo.top(CHAT, 10)]
        rank = await repo.rank(CHAT, 5, STAND_IN_IDS)
        rank_all = await repo.rank(CHAT, 5)
    assert board == ["Ann", "Ben"]
    assert weekly == [("Ann", 5), ("Ben", 3)]
    assert everyone == ["Group", "Channel", "Ann", "Ben"]
    assert (rank, rank_all) == (1, 3)


async def test_names_of_accounts_in_many_queries(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(CHAT)
        repo = PointsRepository(uow)
        await repo.ensure_accounts([(CHAT, u, f"N{u}") for u in range(1, 901)] + [(CHAT, 950, "")])
    async with store.unit() as uow:
        names = await PointsRepository(uow).names(CHAT, [*range(1, 1001)])
    assert len(names) == 900 and names[450] == "N450" and 950 not in names


@pytest.mark.parametrize("user_id", [None, 11])
async def test_a_chunk_is_read_by_index_without_sorting_the_ledger(
    sqlite_store: Store, user_id: int | None
) -> None:
    """SQLite walks an index in id order: no per-chunk sort of the whole group's ledger."""
    query = ledger_chunk_query(CHAT, user_id, 100, 10_000, 1_000)
    compiled = query.compile(sqlite_store.engine, compile_kwargs={"literal_binds": True})
    async with sqlite_store.engine.connect() as connection:
        plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
        steps = " ".join(str(row[-1]) for row in plan)
    assert "TEMP B-TREE" not in steps and "SEARCH" in steps, steps
