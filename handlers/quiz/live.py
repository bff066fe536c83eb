"""Running rounds: the questions posted, answers matched, points paid, time limits kept.

The rounds are kept in memory per chat (a round lives in the process that started it), so
a message in a chat without a round costs one dict lookup, and one during a round one
normalisation and one set lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.events import Chat, Message, User
from core.runtime import Runtime
from core.text import Text, as_lines, mention
from handlers.quiz.answers import answer_key, warm
from handlers.quiz.bank import Question
from handlers.quiz.rounds import Asked, Round, Verdict
from storage.badges import QUIZ_CHAMPION, BadgeRepository
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

LEDGER_KIND = "quiz"
REASON_CHARS = 60


def timer_job(chat_id: int) -> str:
    """The timer id of a chat's open question."""
    return f"quiz:question:{chat_id}"


def shown_answer(question: Question) -> str:
    """The answer to reveal: the right choice with its number, else the first answer."""
    accepted = {answer_key(a) for a in question.answers}
    for index, choice in enumerate(question.choices, start=1):
        if answer_key(choice) in accepted:
            return f"{index}. {choice}"
    return question.answers[0]


@dataclass(slots=True)
class Live:
    """A running round and what posting about it needs."""

    round: Round
    language: str
    people: dict[int, User] = field(default_factory=dict)


class Rounds:
    """The running rounds of this process, one per chat."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self.live: dict[int, Live] = {}

    def bind(self, runtime: Runtime) -> None:
        """Use the runtime's port, translator, clock and scheduler."""
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        """The runtime (set when the feature starts)."""
        assert self._runtime is not None, "the quiz feature has not started"
        return self._runtime

    def running(self, chat_id: int) -> bool:
        """Whether a chat has a round now."""
        return chat_id in self.live

    def _t(self, live: Live, key: str, **values: Any) -> Text:
        return self.runtime.translator(live.language, key, **values)

    async def _post(self, chat_id: int, text: Text) -> None:
        await self.runtime.port.send(chat_id, text)

    async def begin_daily(
        self, chat_id: int, questions: Sequence[Question], seconds: int, language: str
    ) -> None:
        """Start a chat's daily round (announced as the daily quiz)."""
        await self.begin(chat_id, questions, seconds, language, daily=True)

    async def begin(
        self,
        chat_id: int,
        questions: Sequence[Question],
        seconds: int,
        language: str,
        *,
        daily: bool = False,
    ) -> None:
        """Start a round in a chat (which has none) and ask its first question."""
        points = self.runtime.settings.quiz.points
        warm()
        live = Live(Round(tuple(questions), seconds, points), language)
        self.live[chat_id] = live
        key = "quiz.daily_start" if daily else "quiz.round_start"
        await self._post(chat_id, self._t(live, key, count=len(questions), seconds=seconds))
        await self._ask_next(chat_id, live)

    async def _ask_next(self, chat_id: int, live: Live) -> None:
        asked = live.round.next_question(self.runtime.now())
        if asked is None:
            await self.finish(chat_id)
            return
        self.runtime.scheduler.call_at(
            timer_job(chat_id), asked.deadline, self.time_up, chat_id, asked.number
        )
        await self._post(chat_id, self._question_text(live, asked))

    def _question_text(self, live: Live, asked: Asked) -> Text:
        head = self._t(
            live,
            "quiz.question",
            number=asked.number,
            total=live.round.total,
            seconds=live.round.seconds,
        )
        lines: list[Text | str] = [head, asked.question.question]
        lines += [f"{i}. {choice}" for i, choice in enumerate(asked.question.choices, start=1)]
        if asked.question.choices:
            lines.append(self._t(live, "quiz.choose"))
        return as_lines(lines)

    async def answer(self, message: Message, uow: UnitOfWork) -> Verdict:
        """Match a member's message against the chat's open question; pay the winner."""
        live = self.live.get(message.chat.id)
        if live is None:
            return Verdict.IGNORED
        asked = live.round.current
        if not live.round.wants(message.sender.id, message.text):
            return Verdict.IGNORED
        verdict = live.round.attempt(message.sender.id, answer_key(message.text))
        if verdict is not Verdict.CORRECT or asked is None:
            return verdict
        chat_id, user = message.chat.id, message.sender
        live.people[user.id] = user
        self.runtime.scheduler.cancel(timer_job(chat_id))
        await self._pay(uow, message.chat, user, live.round.points, asked.question)
        lines = [
            self._t(
                live,
                "quiz.correct",
                who=mention(user),
                answer=shown_answer(asked.question),
                points=live.round.points,
            )
        ]
        await self._post(chat_id, as_lines([*lines, *self._explained(live, asked)]))
        await self._ask_next(chat_id, live)
        return verdict

    async def _pay(
        self, uow: UnitOfWork, chat: Chat, user: User, points: int, question: Question
    ) -> None:
        if points <= 0:
            return
        chat_id = chat.id
        # The group's row normally exists (its bank is stored); a payment must not depend on it.
        await ChatRepository(uow).ensure(chat_id, chat.title)
        repo = PointsRepository(uow)
        await repo.ensure_account(chat_id, user.id, user.name)
        reason = question.question[:REASON_CHARS]
        await repo.credit(chat_id, user.id, points, LEDGER_KIND, reason, None, self.runtime.now())
        await uow.commit()

    def _explained(self, live: Live, asked: Asked) -> list[Text]:
        if not asked.question.explanation:
            return []
        return [self._t(live, "quiz.explanation", text=asked.question.explanation)]

    async def time_up(self, chat_id: int, number: int) -> None:
        """A question's time limit: reveal the answer, then go on."""
        live = self.live.get(chat_id)
        asked = live.round.time_up(number) if live is not None else None
        if live is None or asked is None:
            return
        reveal = self._t(live, "quiz.time_up", answer=shown_answer(asked.question))
        await self._post(chat_id, as_lines([reveal, *self._explained(live, asked)]))
        await self._ask_next(chat_id, live)

    async def finish(self, chat_id: int) -> bool:
        """End a chat's round (done or stopped) and post the scoreboard; False if none ran."""
        live = self.live.pop(chat_id, None)
        if live is None:
            return False
        self.runtime.scheduler.cancel(timer_job(chat_id))
        board = live.round.scoreboard()
        if not board:
            await self._post(chat_id, self._t(live, "quiz.board_empty"))
            return True
        lines: list[Text | str] = [self._t(live, "quiz.board_head")]
        for place, (user_id, correct) in enumerate(board, start=1):
            who = mention(live.people[user_id])
            points = correct * live.round.points
            lines.append(
                self._t(live, "quiz.board_line", place=place, who=who, count=correct, points=points)
            )
        await self._post(chat_id, as_lines(lines))
        champion = live.round.champion()
        if champion is not None:
            await self._crown(chat_id, champion)
        return True

    async def _crown(self, chat_id: int, user_id: int) -> None:
        """The round's champion holds the quiz champion badge (kept if held already)."""
        async with self.runtime.store.unit() as uow:
            now = self.runtime.now()
            if await BadgeRepository(uow).grant(chat_id, user_id, QUIZ_CHAMPION, None, "quiz", now):
                await uow.commit()

    def drop_all(self) -> None:
        """Forget every round (the process stops)."""
        for chat_id in list(self.live):
            self.runtime.scheduler.cancel(timer_job(chat_id))
        self.live.clear()
