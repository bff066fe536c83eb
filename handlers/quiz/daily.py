"""The daily question: timed work of the leading process, asked once per local day.

While this process leads, a pass every ``PASS_SECONDS`` reads every group's setting; a group
whose local time has reached its daily time and whose day is not taken yet is claimed with
one conditional update (so of several processes, and after a restart, only one asks it) and
gets a round of its questions.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from core.clock import parse_clock
from core.context import chat_language
from core.runtime import Runtime
from handlers.quiz.bank import Question
from storage.quiz import Daily, QuizRepository, StoredQuestion

log = logging.getLogger(__name__)

PASS_JOB = "quiz:daily"
PASS_SECONDS = 30.0

# Starts a round: (chat, questions, seconds, language).
Starter = Callable[[int, list[Question], int, str], Awaitable[None]]


def as_question(stored: StoredQuestion) -> Question:
    """A stored question as a round asks it."""
    return Question(stored.question, stored.answers, stored.choices, stored.explanation)


def due_day(daily: Daily, local_now: datetime) -> date | None:
    """The local day whose question is due now, or None (not yet time, or asked already)."""
    at = parse_clock(daily.at)
    if at is None or local_now.time() < at:
        return None
    today = local_now.date()
    if daily.last_day is not None and daily.last_day >= today:
        return None
    return today


class DailyQuiz:
    """A TimedSource: asks each group's daily question while this process leads."""

    name = "quiz"

    def __init__(self, runtime: Runtime, start: Starter, running: Callable[[int], bool]) -> None:
        self.runtime = runtime
        self._start = start
        self._running = running
        self.leading = False

    async def lead(self) -> None:
        """Ask what is due now (after a restart too), then keep watching."""
        self.leading = True
        await self.sync()
        self.runtime.scheduler.every(PASS_JOB, PASS_SECONDS, self.sync)

    async def unlead(self) -> None:
        """Stop watching."""
        self.leading = False
        self.runtime.scheduler.cancel(PASS_JOB)

    async def sync(self) -> None:
        """Ask every group's question that is due."""
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            dailies = await QuizRepository(uow).dailies()
        for daily in dailies:
            try:
                await self._run(daily)
            except Exception:
                log.exception("daily quiz of chat %s failed", daily.chat_id)

    async def _run(self, daily: Daily) -> None:
        local_now = self.runtime.now().astimezone(self.runtime.timezone(daily.timezone))
        day = due_day(daily, local_now)
        if day is None:
            return
        async with self.runtime.store.unit() as uow:
            repo = QuizRepository(uow)
            if not await repo.claim_day(daily.chat_id, day):
                return
            await uow.commit()
            questions = [as_question(q) for q in await repo.pick(daily.chat_id, daily.questions)]
            default = self.runtime.settings.bot.default_language
            language = await chat_language(uow, daily.chat_id, default)
        if not questions or self._running(daily.chat_id):
            # An empty bank or a round already running: today's question is skipped.
            return
        seconds = self.runtime.settings.quiz.daily_seconds
        await self._start(daily.chat_id, questions, seconds, language)
