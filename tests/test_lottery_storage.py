"""Lottery storage on SQLite and PostgreSQL: one entry per member, one draw per lottery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from handlers.lottery import draw
from storage.lottery import LotteryRepository
from storage.repositories import ChatRepository
from storage.unit import Store

GROUP = -1001
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


async def _create(store: Store, **extra: object) -> int:
    seed = draw.new_seed()
    values: dict[str, object] = {
        "chat_id": GROUP,
        "creator_id": 7,
        "prize": "Cake",
        "winners": 2,
        "ends_at": NOW + timedelta(hours=1),
        "max_entries": None,
        "cost": 0,
        "min_checkins": 0,
        "min_member_days": 0,
        "no_warnings": False,
        "seed": seed,
        "commitment": draw.commitment(seed),
        "status": "open",
        "created_at": NOW,
        **extra,
    }
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "G")
        lottery_id = await LotteryRepository(uow).create(**values)
        await uow.commit()
    return lottery_id


async def _enter(store: Store, lottery_id: int, user_id: int) -> bool:
    async with store.unit() as uow, uow.alone():
        entered = await LotteryRepository(uow).enter(lottery_id, user_id, f"u{user_id}", 0, NOW)
        await uow.commit()
    return entered


async def test_two_concurrent_entries_of_one_member_store_one(store: Store) -> None:
    lottery_id = await _create(store)
    results = await asyncio.gather(_enter(store, lottery_id, 501), _enter(store, lottery_id, 501))
    assert sorted(results) == [False, True]
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        assert await repo.entry_count(lottery_id) == 1
        assert [e.user_id for e in await repo.entrants(lottery_id)] == [501]


async def test_entrants_come_in_entry_order_and_withdraw_takes_one_back(store: Store) -> None:
    lottery_id = await _create(store)
    for user_id in (503, 501, 502):
        assert await _enter(store, lottery_id, user_id)
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        assert [e.user_id for e in await repo.entrants(lottery_id)] == [503, 501, 502]
        await repo.withdraw(lottery_id, 501)
        await uow.commit()
        assert [e.user_id for e in await repo.entrants(lottery_id)] == [503, 502]


async def _claim(store: Store, lottery_id: int) -> bool:
    async with store.unit() as uow, uow.alone():
        claimed = await LotteryRepository(uow).claim_draw(lottery_id, NOW)
        await uow.commit()
    return claimed


async def test_the_draw_is_claimed_once_however_many_try(store: Store) -> None:
    lottery_id = await _create(store)
    results = await asyncio.gather(*(_claim(store, lottery_id) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    async with store.unit() as uow:
        row = await LotteryRepository(uow).get(lottery_id)
        assert row is not None and row.status == "drawn" and row.drawn_at == NOW


async def test_due_finds_ended_and_full_lotteries_only(store: Store) -> None:
    ended = await _create(store, ends_at=NOW - timedelta(seconds=1))
    later = await _create(store)
    full = await _create(store, ends_at=None, max_entries=2)
    waiting = await _create(store, ends_at=None, max_entries=3)
    for user_id in (1, 2):
        await _enter(store, full, user_id)
        await _enter(store, waiting, user_id)
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        assert await repo.due(NOW) == [ended, full]
        assert {i for i, _ in await repo.open_all()} == {ended, later, full, waiting}


async def test_winners_claims_and_replacements(store: Store) -> None:
    lottery_id = await _create(store)
    await _claim(store, lottery_id)
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        rows = [
            {"slot": 1, "place": 0, "user_id": 501, "name": "A", "won_at": NOW},
            {"slot": 2, "place": 1, "user_id": 502, "name": "B", "won_at": NOW},
        ]
        await repo.add_winners(lottery_id, rows)
        await uow.commit()
        first, second = await repo.winners(lottery_id)
        assert await repo.mark_claimed(first.id, NOW)
        assert not await repo.mark_claimed(first.id, NOW)
        assert not await repo.mark_replaced(first.id, NOW)  # claimed: kept
        assert await repo.mark_replaced(second.id, NOW)
        assert not await repo.mark_replaced(second.id, NOW)
        await uow.commit()
        assert [w.user_id for w in await repo.winners(lottery_id)] == [501]
        assert await repo.places_taken(lottery_id) == 2
        assert await repo.unclaimed_wins(GROUP, 502) == []
        assert await repo.unannounced() == [lottery_id]
        assert await repo.mark_announced(lottery_id, NOW)
        assert not await repo.mark_announced(lottery_id, NOW)
        await uow.commit()
        assert await repo.unannounced() == []
