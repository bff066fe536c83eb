"""Badges end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

from datetime import timedelta

from core.events import User
from handlers.checkin.actions import check_in
from handlers.checkin.rules import PointsRules
from storage.repositories import ChatRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi


async def test_award_as_a_reply_then_badges_and_points(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """An admin awards a badge replying to a member; /badges and /points show it; /unaward
    takes it back; a member may not award; bad input is refused with the reason."""
    await start_bot()
    target = api.message_update(GROUP, MEMBER, "我来回答这个问题")
    api.push_update(target)
    reply_to = target["message"]["message_id"]

    async def admin(text: str) -> str:
        before = len(api.calls_to("sendMessage"))
        api.push_update(api.message_update(GROUP, ADMIN_ID, text, reply_to=reply_to))
        calls = await api.wait_for("sendMessage", before + 1)
        return calls[-1].params["text"]

    assert "获得勋章 helper" in await admin("/award helper 乐于助人")
    assert "已经拥有勋章 helper" in await admin("/award helper")
    assert "最多 24 个" in await admin("/award " + "x" * 30)
    assert "请在命令后写勋章名" in await admin("/award")
    mine = await command(api, MEMBER, "/badges")
    assert "Mallory：helper" in mine and "连续签到 7 天" in mine
    await command(api, MEMBER, "/checkin")
    assert "🏅 勋章：helper" in await command(api, MEMBER, "/points")
    assert "只有群管理员" in await command(api, MEMBER, "/award helper")
    assert "只有群管理员" in await command(api, MEMBER, "/unaward helper")
    assert "已收回" in await admin("/unaward helper 误发")
    assert "还没有勋章" in await command(api, MEMBER, "/badges")


async def test_award_by_id_and_a_bad_id(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    api.push_update(api.message_update(GROUP, MEMBER, "hello"))
    assert "获得勋章 star" in await command(api, ADMIN_ID, f"/award {MEMBER['id']} star")
    assert "先写他的 ID" in await command(api, ADMIN_ID, "/award nobody star")


async def test_the_seventh_check_in_in_a_row_earns_the_streak_badge(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Six days checked in before (stored as check-ins would): today's 签到 is the seventh,
    answered with the check-in and the badge; /badges then lists it."""
    bot = await start_bot()
    runtime = bot.core.runtime
    today = runtime.now().astimezone(runtime.timezone(None)).date()
    member = User(MEMBER["id"], MEMBER["first_name"])
    async with runtime.store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP)
        for back in range(6, 0, -1):
            day = today - timedelta(days=back)
            await check_in(uow, GROUP, member, day, runtime.now(), PointsRules())
        await uow.commit()
    badge = await command(api, MEMBER, "签到", replies=2)
    assert "获得勋章 🔥 连续签到 7 天" in badge
    assert "Mallory：🔥 连续签到 7 天" in await command(api, MEMBER, "/badges")
