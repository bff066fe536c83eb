"""Quiz storage on SQLite and PostgreSQL: the bank, and the daily question claimed once a day."""

from __future__ import annotations

from datetime import date

from storage.quiz import QuizRepository, StoredQuestion
from storage.repositories import ChatRepository
from storage.unit import Store

GROUP = -100123


def stored(text: str) -> StoredQuestion:
    return StoredQuestion(text, ("a", "甲"), ("a", "b"), "why")


async def test_bank_add_count_pick_all_and_clear(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "G")
        repo = QuizRepository(uow)
        await repo.add_many(GROUP, [stored(f"Q{i}") for i in range(5)], created_by=7)
        await uow.commit()
    async with store.unit() as uow:
        repo = QuizRepository(uow)
        assert await repo.count(GROUP) == 5
        assert [q.question for q in await repo.all(GROUP)] == [f"Q{i}" for i in range(5)]
        assert (await repo.all(GROUP))[0] == stored("Q0")
        picked = await repo.pick(GROUP, 3)
        assert len(picked) == 3 and len({q.question for q in picked}) == 3
        assert await repo.texts(GROUP) == {f"Q{i}" for i in range(5)}
        assert await repo.count(-5) == 0
        assert await repo.clear(GROUP) == 5
        await uow.commit()
    async with store.unit() as uow:
        assert await QuizRepository(uow).count(GROUP) == 0


async def test_the_daily_question_is_claimed_once_per_day(store: Store) -> None:
    day = date(2026, 12, 4)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "G")
        await QuizRepository(uow).set_daily(GROUP, "20:00", 2, None)
        await uow.commit()
    async with store.unit() as uow:
        repo = QuizRepository(uow)
        [daily] = await repo.dailies()
        assert (daily.chat_id, daily.at, daily.questions, daily.last_day) == (
            GROUP,
            "20:00",
            2,
            None,
        )
        assert await repo.claim_day(GROUP, day) is True
        await uow.commit()
    async with store.unit() as uow:
        repo = QuizRepository(uow)
        # A second process (or the same after a restart) finds the day taken.
        assert await repo.claim_day(GROUP, day) is False
        assert await repo.claim_day(GROUP, date(2026, 12, 5)) is True
        await repo.set_daily(GROUP, "08:30", 1, day)
        await uow.commit()
    async with store.unit() as uow:
        repo = QuizRepository(uow)
        row = await repo.daily(GROUP)
        assert row is not None and (row.at, row.questions, row.last_day) == ("08:30", 1, day)
        assert await repo.stop_daily(GROUP) is True
        assert await repo.stop_daily(GROUP) is False
        await uow.commit()
