"""Challenges on QQ end to end: the fake OneBot implementation <-> a real WebSocket <-> the app."""

from __future__ import annotations

from pathlib import Path

from core.ids import ONEBOT, scoped, scoped_group
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    OWNER,
    OneBotFactory,
    connected,
    rows,
    say,
    sent_text,
)
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]


async def test_a_checkin_challenge_completed_on_qq(
    start_onebot: OneBotFactory, fake: FakeOneBot, tmp_path: Path
) -> None:
    """The owner starts a challenge, a member's 签到 completes it, /challenges pays it once;
    a member's /challenge is refused."""
    await connected("forward", start_onebot, fake)
    refused = await say(fake, MEMBER, "/challenge 签到 1 week points=5", 3001)
    assert "只有群管理员" in sent_text(refused)
    created = await say(fake, OWNER, "/challenge 签到 1 week 积分=20", 3002)
    assert "挑战开始：#1 连续签到 1 天" in sent_text(created)
    assert "签到成功" in sent_text(await say(fake, MEMBER, "签到", 3003))
    for message_id in (3004, 3005):
        assert "✅ 已完成" in sent_text(await say(fake, MEMBER, "/challenges", message_id))
    paid = rows(
        tmp_path,
        "SELECT kind, delta FROM points_ledger WHERE chat_id = ? AND user_id = ? ORDER BY id",
        scoped_group(ONEBOT, GROUP),
        scoped(ONEBOT, MEMBER),
    )
    assert paid == [("checkin", 10), ("challenge", 20)]
