"""Points in storage, on SQLite and PostgreSQL: the ledger, check-ins, the shop, and races."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

from core.events import User
from handlers.checkin.actions import CheckinResult, check_in, make_up, redeem, store_awards
from handlers.checkin.activity import ActivityPoints
from handlers.checkin.rules import PointsRules
from storage.points import PointsRepository
from storage.repositories import ChatRepository, load_stored_ids
from storage.unit import Store

CHAT = -1001234567890123
OTHER = -1009999999999999
ANN = User(11, "Ann")
BEN = User(12, "Ben")
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
RULES = PointsRules()


async def setup(store: Store, *chats: int) -> None:
    async with store.unit() as uow:
        for chat_id in chats or (CHAT,):
            await ChatRepository(uow).ensure(chat_id)


async def assert_balances_match_ledger(store: Store, chat_id: int = CHAT) -> None:
    """Cached balances equal the ledger: sum for the balance, positive sum for earned."""
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        sums = await repo.ledger_sums(chat_id)
        accounts = await repo.accounts(chat_id)
    for account in accounts:
        total, positive = sums.get(account.user_id, (0, 0))
        assert (account.balance, account.earned) == (total, positive), account.user_id
        assert account.balance >= 0


async def checkin(store: Store, user: User, day: date, chat_id: int = CHAT) -> CheckinResult:
    async with store.unit() as uow:
        return await check_in(uow, chat_id, user, day, NOW, RULES)


async def test_checkin_once_a_day_with_streaks(store: Store) -> None:
    await setup(store)
    first = await checkin(store, ANN, TODAY)
    assert (first.done, first.earned, first.streak, first.balance, first.rank) == (
        True,
        10,
        1,
        10,
        1,
    )
    again = await checkin(store, ANN, TODAY)
    assert (again.done, again.earned, again.balance) == (False, 0, 10)
    second = await checkin(store, ANN, TODAY + timedelta(days=1))
    assert (second.earned, second.streak, second.balance) == (12, 2, 22)
    after_gap = await checkin(store, ANN, TODAY + timedelta(days=3))
    assert (after_gap.earned, after_gap.streak) == (10, 1)
    await assert_balances_match_ledger(store)


async def test_twenty_concurrent_checkins_credit_once(store: Store) -> None:
    """The (group, member, day) key makes a double check-in impossible."""
    await setup(store)
    results = await asyncio.gather(*(checkin(store, ANN, TODAY) for _ in range(20)))
    assert sum(r.done for r in results) == 1
    async with store.unit() as uow:
        rows = await PointsRepository(uow).ledger(CHAT, ANN.id, 100)
    assert [(r.kind, r.delta) for r in rows] == [("checkin", 10)]
    await assert_balances_match_ledger(store)


async def test_last_item_redeemed_by_two_at_once(store: Store) -> None:
    """One buyer gets the last item, the other is told it is sold out; nobody goes negative."""
    await setup(store)
    await checkin(store, ANN, TODAY)
    await checkin(store, BEN, TODAY)
    async with store.unit() as uow:
        assert await PointsRepository(uow).add_item(CHAT, "Sticker", 10, 1, NOW)

    async def buy(user: User):  # type: ignore[no-untyped-def]
        async with store.unit() as uow:
            return await redeem(uow, CHAT, user, "sticker", NOW, random.Random(user.id))

    results = await asyncio.gather(buy(ANN), buy(BEN))
    assert sorted(r.status for r in results) == ["done", "sold_out"]
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        (item,) = await repo.items(CHAT)
        assert item.stock == 0
        assert len(await repo.redemptions(CHAT, 10)) == 1
    await assert_balances_match_ledger(store)


async def test_redeem_needs_the_balance_and_changes_nothing_otherwise(store: Store) -> None:
    await setup(store)
    await checkin(store, ANN, TODAY)
    async with store.unit() as uow:
        await PointsRepository(uow).add_item(CHAT, "Mug", 500, 3, NOW)
    async with store.unit() as uow:
        result = await redeem(uow, CHAT, ANN, "MUG", NOW, random.Random(1))
    assert (result.status, result.balance) == ("too_poor", 10)
    async with store.unit() as uow:
        (item,) = await PointsRepository(uow).items(CHAT)
    assert item.stock == 3
    async with store.unit() as uow:
        assert (
            await redeem(uow, CHAT, ANN, "nope", NOW, random.Random(1))
        ).status == "no_such_item"
    await assert_balances_match_ledger(store)


async def test_makeup_repairs_the_most_recent_gap(store: Store) -> None:
    await setup(store)
    for offset in (-4, -3, -1):  # missed -2
        await checkin(store, ANN, TODAY + timedelta(days=offset))
    async with store.unit() as uow:
        poor = await make_up(uow, CHAT, ANN, TODAY, NOW, PointsRules(makeup_cost=10_000))
    assert poor.status == "too_poor"
    async with store.unit() as uow:
        result = await make_up(uow, CHAT, ANN, TODAY, NOW, PointsRules(makeup_cost=5))
    assert (result.status, result.day, result.streak) == ("done", TODAY - timedelta(days=2), 4)
    today = await checkin(store, ANN, TODAY)
    assert today.streak == 5
    async with store.unit() as uow:
        again = await make_up(uow, CHAT, ANN, TODAY, NOW, PointsRules(makeup_cost=5))
    assert again.status == "nothing_to_repair"
    await assert_balances_match_ledger(store)


async def test_buffered_activity_points_respect_cooldown_and_cap(store: Store) -> None:
    """Awards decided in memory are stored in one flush, clamped to the stored daily cap."""
    await setup(store)
    rules = PointsRules(activity_points=3, activity_cap=5, activity_cooldown=60)
    clock = [0.0]
    buffer = ActivityPoints(lambda: clock[0])
    gained = []
    for seconds in (0, 10, 61, 200):
        clock[0] = seconds
        gained.append(buffer.offer(CHAT, ANN, 20, TODAY, NOW, rules))
    assert gained == [3, 0, 2, 0]
    assert buffer.offer(CHAT, BEN, 2, TODAY, NOW, rules) == 0  # too short
    async with store.unit() as uow:
        (stored,) = await store_awards(uow, buffer.drain(), {CHAT: rules})
        assert (stored.before, stored.after) == (0, 5)
    # A restart forgets the buffer, but the stored cap still holds for that day.
    fresh = ActivityPoints(lambda: 0.0)
    fresh.offer(CHAT, ANN, 20, TODAY, NOW, rules)
    tomorrow = TODAY + timedelta(days=1)
    fresh.offer(CHAT, ANN, 20, tomorrow, NOW, PointsRules(activity_cooldown=0))
    async with store.unit() as uow:
        results = await store_awards(uow, fresh.drain(), {CHAT: rules})
    assert [(r.award.day, r.before, r.after) for r in results] == [(TODAY, 5, 5), (tomorrow, 5, 6)]
    await assert_balances_match_ledger(store)


async def test_points_are_per_group(store: Store) -> None:
    await setup(store, CHAT, OTHER)
    await checkin(store, ANN, TODAY, CHAT)
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        assert await repo.account(OTHER, ANN.id) is None
        assert await repo.debit(OTHER, ANN.id, 5, "take", None, 1, NOW) is None
        assert (await repo.account(CHAT, ANN.id)).balance == 10  # type: ignore[union-attr]


async def test_weekly_board_counts_only_earnings_since(store: Store) -> None:
    await setup(store)
    await checkin(store, ANN, TODAY)
    await checkin(store, BEN, TODAY)
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        await repo.credit(CHAT, BEN.id, 50, "give", "prize", 1, NOW)
        await repo.debit(CHAT, BEN.id, 30, "redeem", "mug", BEN.id, NOW)
    async with store.unit() as uow:
        board = await PointsRepository(uow).top_since(CHAT, NOW - timedelta(hours=1), 10)
        old = await PointsRepository(uow).top_since(CHAT, NOW + timedelta(hours=1), 10)
    assert board == [("Ben", 60), ("Ann", 10)]
    assert old == []
    await assert_balances_match_ledger(store)


async def test_a_rolled_back_first_insert_is_not_remembered(store: Store) -> None:
    """The cache forgets a group row whose insert rolled back, so the next write adds it."""
    async with store.unit() as uow:
        await load_stored_ids(uow)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(CHAT)
        assert uow.cache.known_stored(("chat", CHAT))
        await uow.rollback()
        assert not uow.cache.known_stored(("chat", CHAT))
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(CHAT)
        result = await check_in(uow, CHAT, ANN, TODAY, NOW, RULES)
    assert result.done


async def test_one_flush_stores_many_members_of_several_groups(store: Store) -> None:
    """A large batch (more members than one read takes) is stored in one flush, per group."""
    await setup(store, CHAT, OTHER)
    rules = PointsRules(activity_points=2, activity_cap=20, activity_cooldown=0)
    buffer = ActivityPoints(lambda: 0.0)
    for user_id in range(1, 1201):
        buffer.offer(CHAT, User(user_id, f"m{user_id}"), 20, TODAY, NOW, rules)
    for user_id in range(1, 11):
        buffer.offer(OTHER, User(user_id, f"m{user_id}"), 20, TODAY, NOW, rules)
    async with store.unit() as uow:
        stored = await store_awards(uow, buffer.drain(), {CHAT: rules, OTHER: rules})
    assert len(stored) == 1210 and all((s.before, s.after) == (0, 2) for s in stored)
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        assert (await repo.account(CHAT, 1200)).balance == 2  # type: ignore[union-attr]
        assert (await repo.account(OTHER, 10)).activity_today == 2  # type: ignore[union-attr]
    await assert_balances_match_ledger(store, CHAT)
    await assert_balances_match_ledger(store, OTHER)
