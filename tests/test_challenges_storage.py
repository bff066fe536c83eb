"""Challenges on SQLite and PostgreSQL: progress from stored data, paid once, closed once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.platforms.recording import RecordingPort
from core.events import User
from handlers.challenges.runner import ChallengeRunner
from handlers.challenges.settle import settle
from handlers.checkin.actions import check_in
from handlers.checkin.rules import PointsRules
from storage.badges import BadgeRepository
from storage.challenges import ChallengeRepository
from storage.models import StatsMemberDayRow
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.unit import Store
from tests.schedule_support import Clock, make_runtime

CHAT = -1001234567890123
ANN, BEN = User(11, "Ann"), User(12, "Ben")
FIRST = date(2026, 12, 1)
NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # 12:00 on the 3rd in Shanghai
# The window 12-01..12-03 closes at midnight Shanghai time, plus the settle delay (300 s).
AFTER_END = datetime(2026, 12, 3, 16, 6, tzinfo=UTC)


async def challenge(store: Store, kind: str, target: int, badge: str | None = "early") -> int:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(CHAT)
        challenge_id = await ChallengeRepository(uow).create(
            CHAT,
            kind=kind,
            target=target,
            starts=FIRST,
            ends=FIRST + timedelta(days=2),
            reward_points=25,
            badge=badge,
            created_by=1,
            created_at=NOW,
        )
        await uow.commit()
    return challenge_id


async def checkins(store: Store, user: User, count: int) -> None:
    for day in range(count):
        async with store.unit() as uow:
            await check_in(uow, CHAT, user, FIRST + timedelta(days=day), NOW, PointsRules())
            await uow.commit()


async def settle_once(store: Store, challenge_id: int) -> list[int]:
    async with store.unit() as uow:
        row = await ChallengeRepository(uow).get(challenge_id)
        assert row is not None
        paid = await settle(uow, row, FIRST + timedelta(days=2), NOW)
        await uow.commit()
    return paid


async def rewards(store: Store, user: User) -> list[tuple[str, int, str | None]]:
    async with store.unit() as uow:
        rows = await PointsRepository(uow).ledger(CHAT, user.id, 50)
    return [(r.kind, r.delta, r.reason) for r in rows if r.kind == "challenge"]


async def test_a_streak_challenge_is_paid_once(store: Store) -> None:
    """Ten settlements at once: one completion, one credit, the badges granted once."""
    challenge_id = await challenge(store, "checkin_streak", 2)
    await checkins(store, ANN, 2)
    await checkins(store, BEN, 1)
    paid = await asyncio.gather(*(settle_once(store, challenge_id) for _ in range(10)))
    assert sorted(paid, key=len) == [[]] * 9 + [[ANN.id]]
    assert await rewards(store, ANN) == [("challenge", 25, f"#{challenge_id}")]
    assert await rewards(store, BEN) == []
    async with store.unit() as uow:
        assert await BadgeRepository(uow).badges(CHAT, ANN.id) == ["challenge", "early"]
        assert await ChallengeRepository(uow).completers(challenge_id) == [ANN.id]


async def test_a_messages_challenge_counts_the_stored_daily_counts(store: Store) -> None:
    challenge_id = await challenge(store, "messages", 6, badge=None)
    async with store.unit() as uow:
        session = await uow.session()
        for user, day, messages in ((ANN, 1, 3), (ANN, 3, 3), (BEN, 2, 5), (BEN, 5, 9)):
            session.add(
                StatsMemberDayRow(
                    chat_id=CHAT, user_id=user.id, day=date(2026, 12, day), messages=messages
                )
            )
        await uow.commit()
    assert await settle_once(store, challenge_id) == [ANN.id]
    assert await rewards(store, ANN) == [("challenge", 25, f"#{challenge_id}")]


async def test_the_summary_is_posted_once_after_the_window(store: Store) -> None:
    """Before the end: nothing posted. After it: two runners at once, then a later pass,
    post one summary naming the member who completed it."""
    challenge_id = await challenge(store, "checkin_streak", 1)
    await checkins(store, ANN, 1)
    port, clock = RecordingPort(), Clock(NOW)
    runtime = make_runtime(store, port, clock, BOT_BOT__DEFAULT_LANGUAGE="en")
    first, second = ChallengeRunner(runtime), ChallengeRunner(runtime)
    await first.run()
    assert port.made("send", "text") == []
    assert await rewards(store, ANN) == [("challenge", 25, f"#{challenge_id}")]
    clock.now = AFTER_END
    closed = await asyncio.gather(
        first.pass_one(challenge_id, CHAT), second.pass_one(challenge_id, CHAT)
    )
    await first.run()
    assert sorted(closed) == [False, True]
    sent = [str(text) for text in port.made("send", "text")]
    assert len(sent) == 1
    assert f"Challenge #{challenge_id} is over: 1 member completed it: Ann" in sent[0]
    assert len(await rewards(store, ANN)) == 1
