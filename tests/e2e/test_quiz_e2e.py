"""Quizzes end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import json

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command, texts
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import make_user

OTHER = make_user(301, "Trent")
BANK = {
    "questions": [
        {"question": "中国的首都是哪里？", "answers": ["北京", "Beijing"], "explanation": "元朝起"},
    ]
}


async def load(api: FakeBotApi, bank: object = BANK) -> str:
    """Upload a bank file and import it with /importquiz as a reply to it."""
    document = api.upload(json.dumps(bank, ensure_ascii=False).encode(), "bank.json")
    upload = api.message_update(GROUP, ADMIN_ID, "", extra={"document": document})
    api.push_update(upload)
    before = len(api.calls_to("sendMessage"))
    reply_to = upload["message"]["message_id"]
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/importquiz", reply_to=reply_to))
    calls = await api.wait_for("sendMessage", before + 1)
    return calls[-1].params["text"]


async def test_a_round_is_answered_and_the_winner_paid(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Import, /quiz, a wrong answer, then a traditional-script answer wins the points."""
    await start_bot(BOT_QUIZ__POINTS="15")
    assert "导入了 1 道题" in await load(api)
    started = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/quiz 1 30"))
    await api.wait_for("sendMessage", started + 2)
    assert "中国的首都是哪里" in texts(api)[-1]
    api.push_update(api.message_update(GROUP, OTHER, "上海"))
    api.push_update(api.message_update(GROUP, MEMBER, "  北京！"))
    calls = await api.wait_for("sendMessage", started + 4)
    said = [c.params["text"] for c in calls[started:]]
    assert any("答对了：北京（+15 积分）" in text and "Mallory" in text for text in said)
    assert "排行榜" in said[-1] and "答对 1 题（+15 积分）" in said[-1]
    assert "没有进行中的问答" in await command(api, ADMIN_ID, "/quizstop")


async def test_time_limit_reveals_the_answer(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot(BOT_QUIZ__MIN_SECONDS="1")
    await load(api)
    started = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/quiz 1 1"))
    calls = await api.wait_for("sendMessage", started + 4)
    said = [c.params["text"] for c in calls[started:]]
    assert any("时间到！答案是：北京" in text and "元朝起" in text for text in said)
    assert "没有人答对" in said[-1]


async def test_members_cannot_start_or_load(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    await load(api)
    await command(api, MEMBER, "/quiz")
    assert "没有进行中的问答" in await command(api, ADMIN_ID, "/quizstop")
    assert "1 道题" in await command(api, MEMBER, "/quizbank")
