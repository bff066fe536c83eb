"""Quiz storage: each group's question bank and its daily question.

The daily question is claimed with one conditional update of its last day, so of several
processes (or one process after a restart) only one asks it, once per local day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, or_, select, update

from storage.models import ChatRow, QuizDailyRow, QuizQuestionRow
from storage.unit import UnitOfWork
from storage.upsert import upsert


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    """A question as the bank holds it."""

    question: str
    answers: tuple[str, ...]
    choices: tuple[str, ...]
    explanation: str


@dataclass(frozen=True, slots=True)
class Daily:
    """A group's daily question setting, with the group's time zone."""

    chat_id: int
    at: str
    questions: int
    last_day: date | None
    timezone: str | None


def _stored(row: QuizQuestionRow) -> StoredQuestion:
    return StoredQuestion(
        row.question, tuple(row.answers), tuple(row.choices or ()), row.explanation or ""
    )


class QuizRepository:
    """The quiz_questions and quiz_daily tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def count(self, chat_id: int) -> int:
        """How many questions a group's bank holds."""
        session = await self._uow.session()
        query = select(func.count()).where(QuizQuestionRow.chat_id == chat_id)
        return int(await session.scalar(query) or 0)

    async def texts(self, chat_id: int) -> set[str]:
        """The question texts of a group's bank (to leave out a question loaded twice)."""
        session = await self._uow.session()
        query = select(QuizQuestionRow.question).where(QuizQuestionRow.chat_id == chat_id)
        return set((await session.scalars(query)).all())

    async def add_many(
        self, chat_id: int, questions: Sequence[StoredQuestion], created_by: int | None
    ) -> None:
        """Add questions to a group's bank (the group must have a chats row)."""
        if not questions:
            return
        session = await self._uow.session()
        session.add_all(
            QuizQuestionRow(
                chat_id=chat_id,
                question=q.question,
                answers=list(q.answers),
                choices=list(q.choices),
                explanation=q.explanation,
                created_by=created_by,
            )
            for q in questions
        )
        await session.flush()

    async def clear(self, chat_id: int) -> int:
        """Empty a group's bank; how many questions it held."""
        session = await self._uow.session()
        result = await session.execute(
            delete(QuizQuestionRow).where(QuizQuestionRow.chat_id == chat_id)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def all(self, chat_id: int) -> list[StoredQuestion]:
        """A group's bank in the order it was loaded."""
        session = await self._uow.session()
        query = (
            select(QuizQuestionRow)
            .where(QuizQuestionRow.chat_id == chat_id)
            .order_by(QuizQuestionRow.id)
        )
        return [_stored(row) for row in (await session.scalars(query)).all()]

    async def pick(self, chat_id: int, count: int) -> list[StoredQuestion]:
        """Up to ``count`` questions of a group's bank, drawn at random."""
        session = await self._uow.session()
        query = (
            select(QuizQuestionRow)
            .where(QuizQuestionRow.chat_id == chat_id)
            .order_by(func.random())
            .limit(count)
        )
        return [_stored(row) for row in (await session.scalars(query)).all()]

    async def set_daily(self, chat_id: int, at: str, questions: int, last_day: date | None) -> None:
        """Ask ``questions`` questions every day at ``at``; ``last_day``: done already."""
        session = await self._uow.session()
        row = {"chat_id": chat_id, "at": at, "questions": questions, "last_day": last_day}
        await upsert(
            session,
            QuizDailyRow.__table__,
            [row],
            ["chat_id"],
            lambda c, new: {"at": new.at, "questions": new.questions, "last_day": new.last_day},
        )

    async def daily(self, chat_id: int) -> QuizDailyRow | None:
        """A group's daily question setting, if it has one."""
        session = await self._uow.session()
        return await session.get(QuizDailyRow, chat_id)

    async def stop_daily(self, chat_id: int) -> bool:
        """Turn a group's daily question off; whether it was on."""
        session = await self._uow.session()
        result = await session.execute(delete(QuizDailyRow).where(QuizDailyRow.chat_id == chat_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def dailies(self) -> list[Daily]:
        """Every group's daily question setting, with the group's time zone."""
        session = await self._uow.session()
        query = select(QuizDailyRow, ChatRow.timezone).join(
            ChatRow, ChatRow.id == QuizDailyRow.chat_id
        )
        return [
            Daily(row.chat_id, row.at, row.questions, row.last_day, tz)
            for row, tz in (await session.execute(query)).all()
        ]

    async def claim_day(self, chat_id: int, day: date) -> bool:
        """Take the group's daily question of ``day``; False if it was taken already."""
        session = await self._uow.session()
        table = QuizDailyRow.__table__
        result = await session.execute(
            update(table)
            .where(
                table.c.chat_id == chat_id,
                or_(table.c.last_day.is_(None), table.c.last_day < day),
            )
            .values(last_day=day)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
