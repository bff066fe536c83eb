"""Challenges end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN_ID, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi


async def test_a_checkin_challenge_is_completed_and_paid_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """An admin starts a one-check-in challenge; a member's check-in completes it; /challenges
    shows it done and pays 30 points and the badges once; a member may not start one."""
    await start_bot()
    assert "只有群管理员" in await command(api, MEMBER, "/challenge messages 5 week points=1")
    assert "不是挑战类型" in await command(api, ADMIN_ID, "/challenge dance 5 week points=1")
    assert "请为挑战设置奖励" in await command(api, ADMIN_ID, "/challenge 签到 1 week")
    created = await command(api, ADMIN_ID, "/challenge checkin_streak 1 week points=30 badge=early")
    assert "挑战开始：#1 连续签到 1 天" in created and "30 积分 + early" in created
    assert "你的进度 0/1" in await command(api, MEMBER, "/challenges")
    await command(api, MEMBER, "签到")
    assert "✅ 已完成" in await command(api, MEMBER, "/challenges")
    assert "✅ 已完成" in await command(api, MEMBER, "/challenges")
    points = await command(api, MEMBER, "/points")
    assert "40 积分" in points and "early" in points and "挑战完成" in points
