"""Quizzes on QQ end to end: the fake OneBot implementation <-> a real WebSocket <-> the real
app <-> SQLite; the question bank is put in the store, the round runs through QQ messages."""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
from pathlib import Path

from bot.platforms.onebot.app import OneBotBot
from core.ids import ONEBOT, scoped, scoped_group
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    OWNER,
    database,
    rows,
    say,
    sent_text,
    settle,
    told,
)
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]

QQ_GROUP = GROUP


def seed_bank(tmp_path: Path) -> None:
    """One question with numbered choices in the group's bank (the group row exists)."""
    with contextlib.closing(sqlite3.connect(database(tmp_path))) as db, db:
        db.execute(
            "INSERT INTO quiz_questions (chat_id, question, answers, choices, explanation,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                scoped_group(ONEBOT, QQ_GROUP),
                "哪个是水果？",
                json.dumps(["蘋果"]),
                json.dumps(["石头", "苹果", "木头"]),
                "",
                "2026-12-04 00:00:00",
            ),
        )


def balance(tmp_path: Path, user: int) -> list[tuple[int]]:
    return rows(
        tmp_path,
        "SELECT balance FROM points_accounts WHERE chat_id = ? AND user_id = ?",
        scoped_group(ONEBOT, QQ_GROUP),
        scoped(ONEBOT, user),
    )


async def test_a_quiz_round_on_qq_is_answered_by_number_and_paid(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    """A plain member may not start a round; the owner's round shows numbered choices, a
    wrong number is counted once, a full-width right number wins the ledger's points."""
    refused = await say(fake, MEMBER, "/quiz", 3001)  # also stores the group's row
    assert "问答开始" not in sent_text(refused)
    seed_bank(tmp_path)
    await say(fake, OWNER, "/quizbank", 3002)
    await fake.push(fake.group_message(QQ_GROUP, OWNER, "/quiz 1 30", 3003))
    question = await told(fake, "哪个是水果")
    assert "1. 石头" in sent_text(question) and "2. 苹果" in sent_text(question)
    await fake.push(fake.group_message(QQ_GROUP, OWNER, "1", 3004))
    await fake.push(fake.group_message(QQ_GROUP, MEMBER, "２", 3005))
    won = await told(fake, "答对了")
    assert "2. 苹果（+10 积分）" in sent_text(won)
    board = await told(fake, "排行榜")
    assert "答对 1 题" in sent_text(board)
    await settle(fake, 3006)
    assert balance(tmp_path, MEMBER) == [(10,)]
    assert rows(tmp_path, "SELECT kind, delta FROM points_ledger WHERE kind = 'quiz'") == [
        ("quiz", 10)
    ]


async def test_the_bank_is_exported_as_a_qq_upload(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    await say(fake, OWNER, "/quizbank", 3101)
    seed_bank(tmp_path)
    await fake.push(fake.group_message(QQ_GROUP, OWNER, "/exportquiz", 3102))
    (upload,) = await fake.wait_for("upload_group_file", timeout=10)
    exported = json.loads(base64.b64decode(upload["file"].removeprefix("base64://")))
    assert exported["questions"][0]["choices"] == ["石头", "苹果", "木头"]


async def test_a_bank_pasted_after_the_command_loads_on_qq(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    """QQ hands no files over: CSV lines pasted after /importquiz load, a bad row named."""
    pasted = "/importquiz\nquestion,answers,choices,explanation\n1+1=?,2|二,,\n坏题,,,\n"
    report = await say(fake, OWNER, pasted, 3201)
    assert "导入了 1 道题" in sent_text(report) and "第 2 行：题目没有答案" in sent_text(report)
    refused = await say(fake, MEMBER, "/importquiz replace\nquestion,answers\nQ,a\n", 3202)
    assert "导入了" not in sent_text(refused)
    assert rows(tmp_path, "SELECT question FROM quiz_questions") == [("1+1=?",)]
