"""Question bank files: /importquiz reads JSON, TOML or CSV; /exportquiz writes JSON or CSV.

    {"format": "groupbot-quiz", "version": 1,
     "questions": [{"question": "Capital of France?", "answers": ["Paris", "巴黎"],
                    "choices": ["Berlin", "Paris", "Rome"], "explanation": "Since 987."}]}

TOML holds the same as ``[[questions]]`` tables; CSV has the columns question, answers,
choices, explanation, several answers or choices separated by ``|``. A file that cannot be
read is refused whole; in a readable file every question is checked on its own and the
rejected ones are named by row with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.csvfiles import csv_file
from handlers.quiz.answers import answer_key

FORMAT = "groupbot-quiz"
VERSION = 1
CSV_HEADER = ("question", "answers", "choices", "explanation")
SEPARATOR = "|"
MAX_FILE_ROWS = 100_000


class QuizError(ValueError):
    """Why a question (or a whole file) is refused: a catalog key under ``quiz.`` and values."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Limits:
    """The size limits a question is checked against."""

    question_chars: int = 500
    answer_chars: int = 100
    answers: int = 10
    choices: int = 9
    explanation_chars: int = 500


@dataclass(frozen=True, slots=True)
class Question:
    """One checked question of a bank."""

    question: str
    answers: tuple[str, ...]
    choices: tuple[str, ...] = ()
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The question as a file (and the database) holds it."""
        data: dict[str, Any] = {"question": self.question, "answers": list(self.answers)}
        if self.choices:
            data["choices"] = list(self.choices)
        if self.explanation:
            data["explanation"] = self.explanation
        return data


@dataclass(frozen=True, slots=True)
class Rejected:
    """A question of a file that was not loaded: its row (from 1) and why."""

    row: int
    error: QuizError


@dataclass(slots=True)
class Loaded:
    """What a readable file holds."""

    # (row from 1, question) of every question that passed its checks.
    questions: list[tuple[int, Question]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def check_question(row: Any, limits: Limits) -> Question:
    """One question from a file's row, checked; raise QuizError naming the problem."""
    if not isinstance(row, Mapping):
        raise QuizError("row_not_table")
    text = row.get("question")
    if not isinstance(text, str) or not text.strip():
        raise QuizError("no_question")
    text = text.strip()
    if len(text) > limits.question_chars:
        raise QuizError("question_too_long", length=len(text), limit=limits.question_chars)
    answers = _texts(row.get("answers", row.get("answer")), "bad_answers")
    if not answers or not any(answer_key(a) for a in answers):
        raise QuizError("no_answers")
    if len(answers) > limits.answers:
        raise QuizError("too_many_answers", limit=limits.answers)
    for answer in answers:
        if len(answer) > limits.answer_chars:
            raise QuizError("answer_too_long", answer=answer[:40], limit=limits.answer_chars)
    choices = _texts(row.get("choices"), "bad_choices")
    _check_choices(choices, answers, limits)
    explanation = row.get("explanation") or ""
    if not isinstance(explanation, str):
        raise QuizError("bad_explanation")
    explanation = explanation.strip()
    if len(explanation) > limits.explanation_chars:
        raise QuizError(
            "explanation_too_long", length=len(explanation), limit=limits.explanation_chars
        )
    return Question(text, answers, choices, explanation)


def _texts(value: Any, error: str) -> tuple[str, ...]:
    """A list of strings (or one string) as trimmed, distinct, non-empty texts."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuizError(error)
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _check_choices(choices: tuple[str, ...], answers: tuple[str, ...], limits: Limits) -> None:
    if not choices:
        return
    if len(choices) < 2 or len(choices) > limits.choices:
        raise QuizError("choice_count", limit=limits.choices)
    for choice in choices:
        if len(choice) > limits.answer_chars:
            raise QuizError("answer_too_long", answer=choice[:40], limit=limits.answer_chars)
    keys = [answer_key(c) for c in choices]
    if len(set(keys)) != len(keys) or "" in keys:
        raise QuizError("choices_alike")
    accepted = {answer_key(a) for a in answers}
    if not accepted & set(keys):
        raise QuizError("answer_not_a_choice")


def load_bank(data: bytes, file_name: str, limits: Limits) -> Loaded:
    """Read and check a bank file; raise QuizError if it is not one at all."""
    rows = _rows(_text(data), file_name.lower())
    if len(rows) > MAX_FILE_ROWS:
        raise QuizError("import_too_many", count=len(rows), limit=MAX_FILE_ROWS)
    loaded = Loaded()
    for number, row in enumerate(rows, start=1):
        try:
            loaded.questions.append((number, check_question(row, limits)))
        except QuizError as error:
            loaded.rejected.append(Rejected(number, error))
    return loaded


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QuizError("import_not_text") from None


def _rows(text: str, file_name: str) -> list[Any]:
    if file_name.endswith(".csv"):
        return _csv_rows(text)
    if file_name.endswith(".toml"):
        try:
            document: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise QuizError("import_bad_toml", detail=str(error)[:120]) from None
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise QuizError("import_bad_json", line=error.lineno, detail=error.msg) from None
    if isinstance(document, Mapping):
        if document.get("format", FORMAT) != FORMAT:
            raise QuizError("import_no_questions")
        version = document.get("version", VERSION)
        if not isinstance(version, int) or version > VERSION:
            raise QuizError("import_version", version=str(version)[:10])
        document = document.get("questions")
    if not isinstance(document, list) or not document:
        raise QuizError("import_no_questions")
    return document


def _csv_rows(text: str) -> list[Any]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "question" not in reader.fieldnames:
        raise QuizError("import_csv_header", columns=", ".join(CSV_HEADER))
    rows: list[Any] = []
    for record in reader:
        rows.append(
            {
                "question": record.get("question") or "",
                "answers": _split(record.get("answers") or record.get("answer")),
                "choices": _split(record.get("choices")),
                "explanation": record.get("explanation") or "",
            }
        )
    if not rows:
        raise QuizError("import_no_questions")
    return rows


def _split(cell: str | None) -> list[str]:
    # An exported text cell may carry the apostrophe that defuses a formula.
    value = (cell or "").removeprefix("'")
    return [part for part in value.split(SEPARATOR) if part.strip()]


def plan_import(
    existing: set[str], loaded: Loaded, max_questions: int
) -> tuple[list[Question], int, list[Rejected]]:
    """What a file adds to a bank: new questions within the cap; repeats skipped (counted)."""
    added: list[Question] = []
    seen, skipped = set(existing), 0
    rejected = list(loaded.rejected)
    room = max_questions - len(existing)
    for row, question in loaded.questions:
        if question.question in seen:
            skipped += 1
        elif len(added) >= room:
            rejected.append(Rejected(row, QuizError("bank_full", limit=max_questions)))
        else:
            seen.add(question.question)
            added.append(question)
    rejected.sort(key=lambda item: item.row)
    return added, skipped, rejected


def dump_json(questions: Sequence[Question]) -> bytes:
    """A bank as an indented UTF-8 JSON file."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "questions": [q.to_dict() for q in questions],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def dump_csv(questions: Sequence[Question]) -> bytes:
    """A bank as a CSV file (the columns /importquiz reads)."""
    rows = [
        (q.question, SEPARATOR.join(q.answers), SEPARATOR.join(q.choices), q.explanation)
        for q in questions
    ]
    return csv_file(CSV_HEADER, rows)
