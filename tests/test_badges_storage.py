"""Badges in storage, on SQLite and PostgreSQL: append-only history, races, automatic badges."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.platforms.recording import RecordingPort
from core.events import User
from handlers.badges.weekly import WeeklyTop
from handlers.checkin.actions import check_in, make_up
from handlers.checkin.rules import PointsRules
from storage.badges import BadgeRepository
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.unit import Store
from tests.schedule_support import Clock, make_runtime

CHAT = -1001234567890123
ANN, BEN, CAT, DAN = User(11, "Ann"), User(12, "Ben"), User(13, "Cat"), User(14, "Dan")
ADMIN = 99
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


async def setup(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(CHAT)


async def change(store: Store, grant: bool, code: str = "helper") -> bool:
    async with store.unit() as uow:
        repo = BadgeRepository(uow)
        action = repo.grant if grant else repo.revoke
        return await action(CHAT, ANN.id, code, ADMIN, "why", NOW)


async def badges_of(store: Store, user: User = ANN) -> list[str]:
    async with store.unit() as uow:
        return await BadgeRepository(uow).badges(CHAT, user.id)


async def test_grants_and_revokes_are_only_added(store: Store) -> None:
    """A second grant or revoke changes nothing; the history keeps who, why and when."""
    await setup(store)
    steps = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    for grant, changed in steps:
        assert await change(store, grant) is changed
    assert await badges_of(store) == ["helper"]
    async with store.unit() as uow:
        history = await BadgeRepository(uow).history(CHAT, ANN.id, 10)
    assert [(e.seq, e.action, e.actor_id, e.reason) for e in reversed(history)] == [
        (0, "grant", ADMIN, "why"),
        (1, "revoke", ADMIN, "why"),
        (2, "grant", ADMIN, "why"),
    ]
    assert await change(store, False)
    assert await badges_of(store) == []


async def test_twenty_grants_at_once_store_one(store: Store) -> None:
    """Processes granting the same badge at once: the unique key lets exactly one in."""
    await setup(store)
    results = await asyncio.gather(*(change(store, True) for _ in range(20)))
    assert sum(results) == 1
    async with store.unit() as uow:
        assert len(await BadgeRepository(uow).history(CHAT, ANN.id, 50)) == 1


async def test_the_seventh_day_in_a_row_earns_the_streak_badge_once(store: Store) -> None:
    """Only the check-in reaching 7 days grants it; a revoked one is not regranted on day 8."""
    await setup(store)
    first = date(2026, 11, 1)
    earned = []
    for day in range(7):
        async with store.unit() as uow:
            result = await check_in(uow, CHAT, ANN, first + timedelta(days=day), NOW, PointsRules())
            await uow.commit()
        earned.append(result.badges)
    assert earned == [()] * 6 + [("streak7",)]
    assert await badges_of(store) == ["streak7"]
    assert await change(store, False, "streak7")
    async with store.unit() as uow:
        result = await check_in(uow, CHAT, ANN, first + timedelta(days=7), NOW, PointsRules())
        await uow.commit()
    assert result.badges == () and await badges_of(store) == []


async def credit(store: Store, user: User, points: int, at: datetime) -> None:
    async with store.unit() as uow:
        repo = PointsRepository(uow)
        await repo.ensure_account(CHAT, user.id, user.name)
        await repo.credit(CHAT, user.id, points, "give", None, ADMIN, at)
        await uow.commit()


async def test_the_weekly_top_three_are_awarded_once(store: Store) -> None:
    """Two passes at once and one more later: three badges and one announcement in all.

    Points earned this week, and takes (not earnings), do not count for last week.
    """
    await setup(store)
    last_week = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai
    for user, points in ((ANN, 30), (BEN, 20), (CAT, 10), (DAN, 5)):
        await credit(store, user, points, last_week)
    await credit(store, DAN, 100, NOW)  # this week
    port = RecordingPort()
    runtime = make_runtime(store, port, Clock(NOW), BOT_BOT__DEFAULT_LANGUAGE="en")
    first, second = WeeklyTop(runtime), WeeklyTop(runtime)
    granted = await asyncio.gather(first.award(CHAT, NOW), second.award(CHAT, NOW))
    assert sorted(granted, key=len) == [[], [ANN.id, BEN.id, CAT.id]]
    await first.run()
    for user in (ANN, BEN, CAT):
        assert await badges_of(store, user) == ["weekly_top3"]
    assert await badges_of(store, DAN) == []
    sent = port.made("send", "text")
    assert len(sent) == 1
    assert "2026-11-23" in str(sent[0]) and "Weekly top 3" in str(sent[0])


async def test_a_make_up_that_joins_a_streak_to_seven_days_earns_the_badge(store: Store) -> None:
    await setup(store)
    first = date(2026, 11, 1)
    for day in (0, 1, 2, 4, 5, 6):  # the 4th day missed
        async with store.unit() as uow:
            await check_in(uow, CHAT, ANN, first + timedelta(days=day), NOW, PointsRules())
            await uow.commit()
    async with store.unit() as uow:
        await PointsRepository(uow).credit(CHAT, ANN.id, 100, "give", None, ADMIN, NOW)
        result = await make_up(uow, CHAT, ANN, first + timedelta(days=6), NOW, PointsRules())
        await uow.commit()
    assert (result.status, result.streak) == ("done", 7)
    assert await badges_of(store) == ["streak7"]
