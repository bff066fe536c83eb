"""A quiz round's state and rules, with no I/O: who answered, who won, the scoreboard.

One answer per member per question: a question with choices counts only messages that
name a choice (its number or its text); a question without choices counts a member's first
message. The first correct answer wins the question and closes it; the time limit closes
it without a winner.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.quiz.answers import answer_key, answer_keys
from handlers.quiz.bank import Question

# A message counts as an answer only up to this many times the longest answer (plus a pad
# for spaces, punctuation and "I think it is ..."): longer ones are chatter.
ANSWER_SLACK = 3
ANSWER_PAD = 12


class Verdict(enum.Enum):
    """What a message did to the open question."""

    IGNORED = "ignored"
    WRONG = "wrong"
    CORRECT = "correct"


@dataclass(slots=True)
class Asked:
    """The question open now, with its matching keys computed once."""

    number: int
    question: Question
    deadline: datetime
    correct: frozenset[str]
    # Every key that counts as an answer at all (choices: the numbers and texts); empty: any.
    valid: frozenset[str]
    # Longer messages are chatter, not an answer: not normalised, not counted.
    max_chars: int = 0
    answered: set[int] = field(default_factory=set)
    winner: int | None = None
    closed: bool = False

    @property
    def open(self) -> bool:
        """Whether the question still takes answers."""
        return not self.closed


def ask(question: Question, number: int, deadline: datetime) -> Asked:
    """A question made ready for matching: numbers of the right choices count as right."""
    correct = set(answer_keys(question.answers))
    valid: set[str] = set()
    for index, choice in enumerate(question.choices, start=1):
        key = answer_key(choice)
        valid.update((key, str(index)))
        if key in correct:
            correct.add(str(index))
    longest = max(map(len, (*question.answers, *question.choices)))
    max_chars = ANSWER_SLACK * longest + ANSWER_PAD
    return Asked(number, question, deadline, frozenset(correct), frozenset(valid), max_chars)


@dataclass(slots=True)
class Round:
    """A round of questions in one chat."""

    questions: Sequence[Question]
    seconds: int
    points: int
    scores: dict[int, int] = field(default_factory=dict)
    current: Asked | None = None
    asked: int = 0

    @property
    def total(self) -> int:
        """How many questions the round has."""
        return len(self.questions)

    def next_question(self, now: datetime) -> Asked | None:
        """Open the next question (None when the round is over)."""
        if self.asked >= len(self.questions):
            self.current = None
            return None
        self.asked += 1
        deadline = now + timedelta(seconds=self.seconds)
        self.current = ask(self.questions[self.asked - 1], self.asked, deadline)
        return self.current

    def wants(self, user_id: int, text: str) -> bool:
        """Whether a member's message may be an answer (checked before normalising it)."""
        asked = self.current
        return (
            asked is not None
            and asked.open
            and len(text) <= asked.max_chars
            and user_id not in asked.answered
        )

    def attempt(self, user_id: int, key: str) -> Verdict:
        """A member's message, as its answer key: counted once per member per question."""
        asked = self.current
        if asked is None or not asked.open or not key or user_id in asked.answered:
            return Verdict.IGNORED
        if asked.valid and key not in asked.valid:
            return Verdict.IGNORED
        asked.answered.add(user_id)
        if key not in asked.correct:
            return Verdict.WRONG
        asked.winner, asked.closed = user_id, True
        self.scores[user_id] = self.scores.get(user_id, 0) + 1
        return Verdict.CORRECT

    def time_up(self, number: int) -> Asked | None:
        """Close question ``number`` at its time limit; None if it closed already."""
        asked = self.current
        if asked is None or asked.number != number or not asked.open:
            return None
        asked.closed = True
        return asked

    def champion(self) -> int | None:
        """The round's champion: the one best score, if nobody ties it; None else."""
        board = self.scoreboard()
        if not board or (len(board) > 1 and board[1][1] == board[0][1]):
            return None
        return board[0][0]

    def scoreboard(self) -> list[tuple[int, int]]:
        """(member, correct answers), best first (ties by who scored first)."""
        order = {user: index for index, user in enumerate(self.scores)}
        return sorted(self.scores.items(), key=lambda item: (-item[1], order[item[0]]))
