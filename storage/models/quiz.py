"""Quizzes (handlers/quiz): each group's question bank and its daily question."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class QuizQuestionRow(Base):
    """One question of a group's bank."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(2000))
    # Accepted answers, as written (matched by their normal form).
    answers: Mapped[list[Any]] = mapped_column(JSON)
    # Numbered options shown with the question; empty: a free answer.
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(String(2000), default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizDailyRow(Base):
    """A group's daily question: the local time it is asked, and the last day it was."""

    __tablename__ = "quiz_daily"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # "20:00" in the group's time zone.
    at: Mapped[str] = mapped_column(String(5))
    questions: Mapped[int] = mapped_column(Integer, default=1)
    # The local day it last ran: claimed by a conditional update, so once a day.
    last_day: Mapped[date | None] = mapped_column(Date)
