"""Settings of quizzes (``[quiz]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Section


class QuizConfig(Section):
    """Question banks and quiz rounds."""

    points: int = Field(default=10, ge=0, le=100_000)
    max_questions: int = Field(default=2_000, ge=1, le=100_000)
    max_question_chars: int = Field(default=500, ge=10, le=2_000)
    max_answer_chars: int = Field(default=100, ge=1, le=500)
    max_answers: int = Field(default=10, ge=1, le=50)
    max_choices: int = Field(default=9, ge=2, le=20)
    max_explanation_chars: int = Field(default=500, ge=0, le=2_000)
    max_import_bytes: int = Field(default=1_000_000, ge=1_000, le=20_000_000)
    default_questions: int = Field(default=5, ge=1, le=100)
    max_round_questions: int = Field(default=30, ge=1, le=200)
    default_seconds: int = Field(default=30, ge=5, le=3_600)
    min_seconds: int = Field(default=10, ge=1, le=3_600)
    max_seconds: int = Field(default=600, ge=5, le=86_400)
    # The daily question's time limit.
    daily_seconds: int = Field(default=300, ge=5, le=86_400)
