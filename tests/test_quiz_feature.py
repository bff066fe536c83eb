"""The quiz feature inside the real dispatcher, on a recording port and real storage."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.events import Attachment, Chat, Message, User, parse_command
from handlers.quiz.feature import Quiz
from handlers.quiz.live import timer_job
from storage.badges import QUIZ_CHAMPION, BadgeRepository
from storage.points import PointsRepository
from storage.quiz import QuizRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, Clock, notices, posting_port

CHAT = Chat(GROUP, "Quiz Group")
ADMIN_USER = User(ADMIN, "Ada")
BO, CY = User(5, "Bo"), User(6, "Cy")
_ids = itertools.count(1)
BANK = {
    "questions": [
        {
            "question": "Capital of France?",
            "answers": ["Paris", "巴黎"],
            "explanation": "Since 987.",
        },
        {"question": "Which is a fruit?", "answers": "Apple", "choices": ["Stone", "Apple"]},
    ]
}


def message(user: User, text: str, **extra: object) -> Message:
    return Message(CHAT, user, next(_ids), text, datetime.now(UTC), **extra)  # type: ignore[arg-type]


async def send(core: Core, user: User, text: str, **extra: object) -> None:
    msg = message(user, text, **extra)
    await core.dispatcher.handle(parse_command(msg, "bot") or msg)


def feature(core: Core) -> Quiz:
    return next(f for f in core.dispatcher.features if isinstance(f, Quiz))


def said(port: RecordingPort) -> list[str]:
    return [text for _, text in notices(port)]


@pytest_asyncio.fixture
async def core(sqlite_store: Store) -> AsyncIterator[tuple[Core, RecordingPort, Clock]]:
    port = posting_port()
    port.files["bank"] = json.dumps(BANK).encode()
    port.files["bad"] = (
        b'{"questions": [{"question": "No answer"}, {"question": "Q", "answers": "a"}]}'
    )
    settings = load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en", "BOT_QUIZ__POINTS": "7"})
    clock = Clock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    port_any: object = port
    built = build_core(settings, sqlite_store, port_any, bot_id=1, bot_username="bot", queued=False)  # type: ignore[arg-type]
    built.runtime.clock = clock
    await built.start()
    yield built, port, clock
    await built.stop()


async def load_bank(built: Core) -> None:
    await send(built, ADMIN_USER, "/importquiz", document=Attachment("bank", "bank.json"))


async def balance(built: Core, user: User) -> int:
    async with built.runtime.store.unit() as uow:
        account = await PointsRepository(uow).account(GROUP, user.id)
    return account.balance if account else 0


async def test_import_then_round_first_right_answer_is_paid_once(
    core: tuple[Core, RecordingPort, Clock],
) -> None:
    built, port, _ = core
    await load_bank(built)
    assert "Loaded 2 questions" in said(port)[-1]
    await send(built, ADMIN_USER, "/quizbank")
    assert "2 questions" in said(port)[-1]
    quiz = feature(built)
    await send(built, ADMIN_USER, "/quiz 2 30")
    live = quiz.rounds.live[GROUP]
    first = live.round.current
    assert first is not None
    assert built.runtime.scheduler.due(timer_job(GROUP)) is not None
    wrong, right = ("Rome", "ｐａｒｉｓ！") if first.question.choices == () else ("Stone", "2")
    await send(built, BO, wrong)
    await send(built, BO, right)  # a second answer of one member does not count
    await send(built, CY, right)
    assert any("Cy got it" in text for text in said(port))
    assert await balance(built, CY) == 7 and await balance(built, BO) == 0
    second = live.round.current
    assert second is not None and second.number == 2
    await quiz.rounds.time_up(GROUP, 2)
    texts = said(port)
    assert any("Time's up" in text for text in texts)
    assert "Scoreboard" in texts[-1] and "Cy: 1 right (+7 points)" in texts[-1]
    assert GROUP not in quiz.rounds.live
    async with built.runtime.store.unit() as uow:
        ledger = await PointsRepository(uow).ledger(GROUP, CY.id, 10)
    assert [entry.kind for entry in ledger] == ["quiz"]
    # The round's one best score holds the quiz champion badge.
    async with built.runtime.store.unit() as uow:
        assert await BadgeRepository(uow).badges(GROUP, CY.id) == [QUIZ_CHAMPION]


async def test_choices_are_numbered_and_a_number_answers(
    core: tuple[Core, RecordingPort, Clock],
) -> None:
    built, port, _ = core
    port.files["one"] = json.dumps({"questions": BANK["questions"][1:]}).encode()
    await send(built, ADMIN_USER, "/importquiz", document=Attachment("one", "one.json"))
    await send(built, ADMIN_USER, "/quiz 1 20")
    question = said(port)[-1]
    assert "1. Stone" in question and "2. Apple" in question
    await send(built, BO, "２")
    assert "Bo got it: 2. Apple" in said(port)[-2]
    assert "Scoreboard" in said(port)[-1]


async def test_import_names_bad_rows_and_export_sends_the_bank(
    core: tuple[Core, RecordingPort, Clock],
) -> None:
    built, port, _ = core
    await send(built, ADMIN_USER, "/importquiz", document=Attachment("bad", "bad.json"))
    report = said(port)[-1]
    assert "Loaded 1 question" in report and "Row 1: the question has no answer" in report
    await send(built, ADMIN_USER, "/exportquiz csv")
    [(name, data)] = port.made("send_file", "filename", "data")
    assert name.endswith(".csv") and "No answer" not in data.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/quiz", "The quiz bank is empty"),
        ("/quiz 0", "is not a number of questions from 1 to 30"),
        ("/quiz abc", "“abc” is not a number of questions"),
        ("/quiz 3 2", "is not a time limit from 10 to 600 seconds"),
        ("/quiz 3 xyz", "“xyz” is not a time limit"),
        ("/quizdaily 25:00", "“25:00” is not a time"),
        ("/quizdaily 20:00 99", "is not a number of questions"),
        ("/quizdaily", "There is no daily quiz question"),
        ("/quizstop", "No quiz round is running"),
        ("/importquiz", "Reply to a question file"),
        ("/exportquiz", "The quiz bank is empty"),
    ],
)
async def test_bad_arguments_get_a_translated_answer(
    core: tuple[Core, RecordingPort, Clock], command: str, expected: str
) -> None:
    built, port, _ = core
    await send(built, ADMIN_USER, command)
    assert expected in said(port)[-1]
    assert GROUP not in feature(built).rounds.live


@pytest.mark.parametrize("command", ["/quiz", "/importquiz", "/exportquiz", "/quizdaily off"])
async def test_admin_commands_are_refused_to_members(
    core: tuple[Core, RecordingPort, Clock], command: str
) -> None:
    built, port, _ = core
    await load_bank(built)
    before = len(said(port))
    await send(built, BO, command, document=Attachment("bank", "bank.json"))
    assert GROUP not in feature(built).rounds.live
    async with built.runtime.store.unit() as uow:
        assert await QuizRepository(uow).count(GROUP) == 2
    assert len(said(port)) <= before + 1


async def test_the_daily_question_runs_once_at_its_local_time(
    core: tuple[Core, RecordingPort, Clock],
) -> None:
    built, port, clock = core
    await load_bank(built)
    clock.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 18:00 in Asia/Shanghai
    await send(built, ADMIN_USER, "/quizdaily 20:00 1")
    assert "every day at 20:00" in said(port)[-1]
    daily = feature(built).daily_quiz
    await daily.sync()
    assert GROUP not in feature(built).rounds.live
    clock.now = datetime(2026, 12, 4, 12, 1, tzinfo=UTC)  # 20:01 there
    await daily.sync()
    assert GROUP in feature(built).rounds.live
    assert "The daily quiz: 1 question" in said(port)[-2]
    await feature(built).rounds.finish(GROUP)
    await daily.sync()  # the same day again: nothing
    assert GROUP not in feature(built).rounds.live
