"""Inactivity cleanup end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.platforms.telegram.app import TelegramBot
from storage.repositories import MemberRepository
from storage.unit import Store
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call, member_with_status, now

ANN = make_user(201, "Ann")
BEN = make_user(202, "Ben")
CAT = make_user(203, "Cat")
DAN = make_user(204, "Dan")
START = datetime.now(UTC).replace(microsecond=0)
FAST = {
    "BOT_BOT__ACTIVITY_FLUSH_SECONDS": "0.1",
    "BOT_CLEANUP__CHECK_SECONDS": "0.3",
    "BOT_CLEANUP__REMOVAL_INTERVAL_SECONDS": "0",
    "BOT_CLEANUP__NEW_MEMBER_DAYS": "0",
}


def set_clock(bot: TelegramBot, days: float) -> None:
    """Move the bot's clock to ``days`` after START."""
    runtime = bot.core.runtime  # type: ignore[attr-defined]
    runtime.clock = lambda: START + timedelta(days=days)


async def speak(api: FakeBotApi, *users: dict[str, Any]) -> None:
    """Members say something (and the activity buffer gets time to flush)."""
    for user in users:
        api.push_update(api.message_update(GROUP, user, f"hello from {user['first_name']}"))
    await asyncio.sleep(0.6)


def sent(api: FakeBotApi, chat_id: int) -> list[str]:
    """Texts the bot sent to one chat."""
    return [c.params["text"] for c in api.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


def removed(api: FakeBotApi) -> set[int]:
    """Users the bot banned (the first half of a kick)."""
    return {int(c.params["user_id"]) for c in api.calls_to("banChatMember")}


def buttons_of(call: Call) -> list[dict[str, Any]]:
    """The inline buttons of a sent message."""
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


async def confirm_cleanup(api: FakeBotApi, days: int, presser: int = ADMIN_ID) -> str:
    """/cleanup <days> as the admin, press its confirm button, and return the report."""
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, f"/cleanup {days}"))
    asked = (await api.wait_for("sendMessage", before + 1))[-1]
    yes = buttons_of(asked)[0]["callback_data"]
    message_id = asked.result["message_id"]
    api.push_update(api.callback_query_update(GROUP, presser, yes, message_id))
    report = await api.wait_for(
        "sendMessage", predicate=lambda c: "清理完成" in c.params["text"], timeout=10
    )
    return report[-1].params["text"]


async def test_warn_then_remove_cycle_spares_who_speaks(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Day 28: three silent members are warned (one privately too); Cat speaks on day 29;
    day 31.5: Ann and Ben are removed (ban + unban), Cat is spared; admins get summaries."""
    bot = await start_bot(**FAST)
    set_clock(bot, 0)
    api.push_update(api.message_update(BEN["id"], BEN, "/start"))  # Ben started the bot
    await speak(api, ANN, BEN, CAT)
    assert "自动清理已开启" in await command(api, ADMIN_ID, "/autoclean 30 warn 3")

    set_clock(bot, 28)
    warned = await api.wait_for(
        "sendMessage", predicate=lambda c: "tg://user?id=201" in c.params["text"], timeout=5
    )
    text = warned[0].params["text"]
    assert warned[0].params["chat_id"] == GROUP
    assert all(f"tg://user?id={u['id']}" in text for u in (ANN, BEN, CAT))
    await api.wait_for(
        "sendMessage",
        predicate=lambda c: c.params["chat_id"] == BEN["id"] and "沉默很久" in c.params["text"],
    )
    assert sent(api, ANN["id"]) == []  # Ann never started the bot: no private message
    await api.wait_for(
        "sendMessage",
        predicate=lambda c: c.params["chat_id"] == ADMIN_ID and "已预警：3" in c.params["text"],
    )
    assert removed(api) == set()

    set_clock(bot, 28.5)  # no run is due until day 29 (less the slack)
    await speak(api, CAT)
    set_clock(bot, 31.5)
    await api.wait_for("unbanChatMember", 2, timeout=10)
    assert removed(api) == {ANN["id"], BEN["id"]}
    summary = await api.wait_for(
        "sendMessage",
        predicate=lambda c: c.params["chat_id"] == ADMIN_ID and "已移除 2" in c.params["text"],
    )
    last = summary[-1].params["text"]
    assert "已移除 2 名成员" in last and "预警后发言（保留）：1" in last
    # The kick lets them rejoin: banned, then unbanned.
    assert all(api.member(GROUP, u["id"])["status"] == "left" for u in (ANN, BEN))
    await asyncio.sleep(0.8)  # further checks the same day do nothing
    assert len(api.calls_to("banChatMember")) == 2


async def test_cleanup_reports_gone_members_and_refuses_other_presses(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/cleanup asks with buttons; a member's press is refused; a member who already left is
    reported as gone, not fatal; the rest are removed."""
    bot = await start_bot(**FAST)
    set_clock(bot, 0)
    await speak(api, ANN, BEN, DAN)
    set_clock(bot, 40)
    await speak(api, DAN)
    api.set_member(GROUP, member_with_status(BEN, "left"))

    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/cleanup 30"))
    asked = (await api.wait_for("sendMessage", before + 1))[-1]
    assert "将移除沉默至少 30 天的 2 名成员" in asked.params["text"]
    yes = buttons_of(asked)[0]["callback_data"]
    api.push_update(api.callback_query_update(GROUP, MEMBER, yes, asked.result["message_id"]))
    answer = await api.wait_for("answerCallbackQuery")
    assert "只有群管理员" in answer[-1].params["text"]
    assert removed(api) == set()

    report = await confirm_cleanup(api, 30)
    assert "已移除 1 名成员" in report and "Ann" in report
    assert "1 人已经离开" in report and "Ben" in report
    assert removed(api) == {ANN["id"]}


async def test_missing_right_is_reported_once_and_not_fatal(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    bot = await start_bot(**FAST)
    set_clock(bot, 0)
    await speak(api, ANN, BEN)
    set_clock(bot, 40)
    api.set_bot_rights(GROUP, can_restrict_members=False)
    report = await confirm_cleanup(api, 30)
    assert "已移除 0 名成员" in report and "2 人未移除" in report
    notices = await api.wait_for("sendMessage", predicate=lambda c: "请管理员" in c.params["text"])
    assert len(notices) == 1
    # The bot keeps working.
    assert "沉默至少 30 天" in await command(api, ADMIN_ID, "/inactive 30")


async def test_cancel_and_expired_confirmation(api: FakeBotApi, start_bot: BotFactory) -> None:
    bot = await start_bot(**FAST)
    set_clock(bot, 0)
    await speak(api, ANN)
    set_clock(bot, 40)
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/cleanup 30"))
    asked = (await api.wait_for("sendMessage", before + 1))[-1]
    no = buttons_of(asked)[1]["callback_data"]
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, no, asked.result["message_id"]))
    edits = await api.wait_for("editMessageText")
    assert "已取消" in edits[-1].params["text"]
    set_clock(bot, 41)
    yes = buttons_of(asked)[0]["callback_data"]
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, yes, asked.result["message_id"]))
    edits = await api.wait_for("editMessageText", 2)
    assert "已过期" in edits[-1].params["text"]
    assert removed(api) == set()


async def test_inactive_pages_never_seen_reactions_and_exemptions(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """25 silent members make two pages with buttons; never-seen members are counted;
    a reaction and /exempt take members off the list."""
    bot = await start_bot(**FAST)
    set_clock(bot, 0)
    crowd = [make_user(1000 + i, f"Member {i}") for i in range(25)]
    said = [api.message_update(GROUP, user, "hi") for user in crowd]
    for update in said:
        api.push_update(update)
    await asyncio.sleep(0.8)
    set_clock(bot, 40)
    # A reaction counts as activity.
    reaction = {
        "chat": api.chat(GROUP).as_chat(),
        "message_id": 1,
        "user": crowd[0],
        "date": now(),
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    api.push_update({"message_reaction": reaction})
    await asyncio.sleep(0.6)

    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/inactive 30"))
    listed = (await api.wait_for("sendMessage", before + 1))[-1]
    text = listed.params["text"]
    assert "共 24 人（第 1/2 页）" in text
    assert "Member 0" not in text and "Member 1 " in text
    # 42 members, 25 known, plus the creator and the bot: 15 never seen; the bot has been
    # here 40 days, so they count as silent 30 days, but not 45.
    assert "另有 15 名成员机器人从未见过：自机器人" in text
    following = buttons_of(listed)[-1]["callback_data"]
    api.push_update(
        api.callback_query_update(GROUP, ADMIN_ID, following, listed.result["message_id"])
    )
    page2 = (await api.wait_for("editMessageText"))[-1].params["text"]
    assert "第 2/2 页" in page2 and "Member 24" in page2
    assert len(text) < 4096 and len(page2) < 4096

    reply = said[5]["message"]["message_id"]
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exempt", reply_to=reply))
    assert "已免于不活跃清理" in (await api.wait_for("sendMessage", before + 2))[-1].params["text"]
    assert "共 23 人" in await command(api, ADMIN_ID, "/inactive 30")
    assert "Member 5" in await command(api, ADMIN_ID, "/exempted")
    assert "不再豁免" in await command(api, ADMIN_ID, f"/unexempt {crowd[5]['id']}")
    assert "共 24 人" in await command(api, ADMIN_ID, "/inactive 30")
    assert "暂不计入" in await command(api, ADMIN_ID, "/inactive 45")


# These tests stay under Telegram's 20 messages a minute per group (the rate limiter would
# hold answers back), and keep the daily check far away: its summaries would interleave.
async def test_members_are_refused(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    for text in (
        "/inactive",
        "/cleanup 30",
        "/autoclean 30",
        "/autoclean off",
        "/exempt",
        "/unexempt 5",
        "/exempted",
    ):
        assert "只有群管理员" in await command(api, MEMBER, text), text


async def test_bad_input_is_explained_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot()
    bad = {
        "/inactive abc": "不是 1 到 3650 之间的天数",
        "/inactive 0": "不是 1 到 3650 之间的天数",
        "/inactive 30 x": "用法：/inactive",
        "/cleanup": "用法：/cleanup",
        "/cleanup 99999": "不是 1 到 3650 之间的天数",
        "/autoclean 30 warn 40": "预警（40 天）必须早于移除",
        "/autoclean 30 banana": "用法：/autoclean",
        "/exempt": "回复某成员的消息",
        "/unexempt nobody": "回复某成员的消息并发送 /unexempt",
        "/autoclean test": "自动清理未开启",
        "/cleanup 30": "没有可移除的成员",
    }
    for text, expected in bad.items():
        assert expected in await command(api, ADMIN_ID, text), text


async def test_autoclean_settings_and_dry_preview(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    assert "演练模式：是" in await command(api, ADMIN_ID, "/autoclean 30 warn 0 dry")
    assert "上次运行" in await command(api, ADMIN_ID, "/autoclean")
    assert "演练" in await command(api, ADMIN_ID, "/autoclean test")
    assert "自动清理已关闭" in await command(api, ADMIN_ID, "/autoclean off")


async def test_buffered_activity_is_flushed_on_shutdown(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """With a flush interval far away, a clean stop still stores who spoke."""
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    api.push_update(api.message_update(GROUP, ANN, "only words"))
    await asyncio.sleep(0.8)
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        async with store.unit() as uow:
            assert await MemberRepository(uow).get(GROUP, ANN["id"]) is None
        await bot.stop()
        async with store.unit() as uow:
            row = await MemberRepository(uow).get(GROUP, ANN["id"])
        assert row is not None and row.message_count == 1
    finally:
        await store.close()
