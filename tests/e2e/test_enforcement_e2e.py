"""Enforcement end to end: warnings and the ladder, mutes lifted after a restart, bans, kicks,
the allow list, reports with admin buttons, refusals and missing rights."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_ID, GROUP, OWNER_ID, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command, to_group
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

SPAMMER = make_user(501, "Spammer", username="spammy")
WITNESS = make_user(502, "Witness")
LOG_CHAT = -1002000000002
LOG_ONLY_ADMIN = make_user(503, "Log Keeper")

ADMIN_COMMANDS = [
    "/approve 501",
    "/unapprove 501",
    "/approved",
    "/warn 501 spam",
    "/unwarn 501",
    "/resetwarns 501",
    "/warnexpiry 7d",
    "/warnladder 2:ban",
    "/mute 501 1h",
    "/unmute 501",
    "/ban 501 1d",
    "/unban 501",
    "/kick 501",
    "/modlog",
    f"/setlog {GROUP}",
    "/unsetlog",
]


def post(api: FakeBotApi, user: dict[str, Any], text: str) -> int:
    """A member posts a message; its id."""
    update = api.message_update(GROUP, user, text)
    api.push_update(update)
    return int(update["message"]["message_id"])


async def reply_command(
    api: FakeBotApi, user: dict[str, Any] | int, text: str, to: int, replies: int = 1
) -> list[str]:
    """Send a command as a reply; the texts of the bot's next ``replies`` messages."""
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, user, text, reply_to=to))
    calls = await api.wait_for("sendMessage", before + replies)
    return [c.params["text"] for c in calls[before:]]


def restrictions(api: FakeBotApi, user_id: int) -> list[Call]:
    """restrictChatMember calls about one member."""
    return [c for c in api.calls_to("restrictChatMember") if c.params["user_id"] == user_id]


def can_send(call: Call) -> bool:
    """Whether a restrictChatMember call lets the member post."""
    return bool(call.params["permissions"].get("can_send_messages"))


async def test_warnings_climb_the_ladder_to_a_mute(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Two warnings with the ladder 2:mute:1h: the second mutes for an hour; /warns shows both."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "2:mute:1h" in await command(api, ADMIN_ID, "/warnladder 2:mute:1h 4:ban")
    first = post(api, SPAMMER, "buy followers")
    answers = await reply_command(api, ADMIN_ID, "/warn selling", first)
    assert "Spammer" in answers[0] and "warned (1/2)" in answers[0] and "selling" in answers[0]
    assert restrictions(api, SPAMMER["id"]) == []
    second = post(api, SPAMMER, "buy more followers")
    answers = await reply_command(api, ADMIN_ID, "/warn again", second, replies=2)
    assert "warned (2/4)" in answers[0]
    assert "muted for 1h" in answers[1] and "too many warnings" in answers[1]
    (mute,) = restrictions(api, SPAMMER["id"])
    assert not can_send(mute)
    assert mute.params["until_date"] > 0
    listing = await command(api, ADMIN_ID, "/warns 501")
    assert "2 active warning" in listing and "selling" in listing and "again" in listing
    assert "At 4 warnings: 4:ban" in listing
    # The member sees their own warnings, not other people's.
    assert "2 active warning" in await command(api, SPAMMER, "/warns")
    assert "only see their own" in await command(api, WITNESS, "/warns 501")
    assert "1 remain" in await command(api, ADMIN_ID, "/unwarn 501")
    assert "Cleared 1 warning" in await command(api, ADMIN_ID, "/resetwarns 501")
    assert "no active warnings" in await command(api, ADMIN_ID, "/warns 501")
    log = await command(api, ADMIN_ID, "/modlog 10")
    assert "muted" in log and "warned" in log and "too many warnings" in log, log


async def test_a_temporary_mute_is_lifted_after_a_restart(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """/mute 1h, the bot restarts after the hour has passed: the mute is lifted at start-up."""
    first = await start_bot()
    message = post(api, SPAMMER, "flood")
    other = post(api, WITNESS, "hello")
    answers = await reply_command(api, ADMIN_ID, "/mute 1h 刷屏", message)
    assert "禁言 1小时" in answers[0] and "刷屏" in answers[0]
    await reply_command(api, ADMIN_ID, "/mute 2d", other)
    await first.stop()
    # The hour passes while the bot is down (the second mute still has days to go).
    with sqlite3.connect(tmp_path / "bot.db") as db:
        db.execute(
            "UPDATE timed_restrictions SET until = '2020-01-01 00:00:00.000000' WHERE user_id = ?",
            (SPAMMER["id"],),
        )
    await start_bot()
    calls = await api.wait_for(
        "restrictChatMember",
        predicate=lambda c: c.params["user_id"] == SPAMMER["id"] and can_send(c),
    )
    assert calls
    await asyncio.sleep(0.3)
    assert all(not can_send(c) for c in restrictions(api, WITNESS["id"]))
    log = await command(api, ADMIN_ID, "/modlog 1")
    assert "解除禁言" in log and "时间已到" in log and "机器人" in log
    with sqlite3.connect(tmp_path / "bot.db") as db:
        left = db.execute("SELECT user_id FROM timed_restrictions").fetchall()
    assert left == [(WITNESS["id"],)]


async def test_ban_unban_and_kick(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/ban with an id and a duration, /unban, /kick as a reply."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    answer = await command(api, ADMIN_ID, "/ban 501 1d advertising")
    assert "banned for 1d" in answer and "advertising" in answer
    ban = api.last_call("banChatMember")
    assert ban.params["user_id"] == SPAMMER["id"] and ban.params["until_date"] > 0
    assert "no longer banned" in await command(api, ADMIN_ID, "/unban 501")
    unban = api.last_call("unbanChatMember")
    assert unban.params["user_id"] == SPAMMER["id"]
    message = post(api, WITNESS, "hi")
    answers = await reply_command(api, ADMIN_ID, "/kick rude", message)
    assert "removed from the group" in answers[0]
    assert api.last_call("banChatMember").params["user_id"] == WITNESS["id"]
    assert api.last_call("unbanChatMember").params["user_id"] == WITNESS["id"]
    assert "not a duration" in await command(api, ADMIN_ID, "/ban 501 10x")
    assert "not a duration" in await command(api, ADMIN_ID, "/mute 501 5s")


@pytest.mark.parametrize("text", ADMIN_COMMANDS)
async def test_members_are_refused_every_admin_command(
    api: FakeBotApi, start_bot: BotFactory, text: str
) -> None:
    """A member gets the admins-only answer and nothing is done."""
    await start_bot()
    answer = await command(api, MEMBER, text)
    assert "只有群管理员" in answer
    for method in ("restrictChatMember", "banChatMember", "unbanChatMember"):
        assert api.calls_to(method) == []


async def test_admins_and_owners_are_never_acted_on(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Warning, muting or banning an admin or an owner is refused; reporting one too."""
    await start_bot()
    message = post(api, ADMIN_ID, "admin talk")
    assert "不会处理管理员" in (await reply_command(api, OWNER_ID, "/warn", message))[0]
    assert "不会处理管理员" in await command(api, ADMIN_ID, f"/ban {OWNER_ID}")
    assert "不会处理管理员" in await command(api, ADMIN_ID, f"/mute {ADMIN_ID} 1h")
    assert "无法举报" in (await reply_command(api, MEMBER, "/report", message))[0]
    for method in ("restrictChatMember", "banChatMember"):
        assert api.calls_to(method) == []


async def test_report_reaches_the_admins_and_only_admins_press_the_buttons(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/report posts the message with buttons; a member's press is refused; an admin bans."""
    await start_bot()
    ad = post(api, SPAMMER, "cheap pills at example.com")
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, WITNESS, "/report pills", reply_to=ad))
    calls = await api.wait_for("sendMessage", before + 2)
    report = next(c for c in calls[before:] if c.params.get("reply_markup"))
    assert "cheap pills" in report.params["text"] and "Witness" in report.params["text"]
    assert f"tg://user?id={ADMIN_ID}" in report.params["text"]
    buttons = report.params["reply_markup"]["inline_keyboard"][0]
    assert [len(b["callback_data"].encode()) < 64 for b in buttons] == [True] * 3
    ban_data = buttons[2]["callback_data"]
    report_message = report.result["message_id"]
    api.push_update(api.callback_query_update(GROUP, MEMBER, ban_data, report_message))
    refused = await api.wait_for("answerCallbackQuery", 1)
    assert "只有本群管理员" in refused[0].params["text"]
    assert api.calls_to("banChatMember") == []
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, ban_data, report_message))
    await api.wait_for("answerCallbackQuery", 2)
    assert api.last_call("banChatMember").params["user_id"] == SPAMMER["id"]
    assert api.last_call("deleteMessage").params["message_id"] == ad
    edited = await api.wait_for("editMessageText", 1)
    assert "封禁" in edited[0].params["text"]
    # A second press finds the report handled.
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, ban_data, report_message))
    again = await api.wait_for("answerCallbackQuery", 3)
    assert "已处理" in again[-1].params["text"]


async def test_reports_are_rate_limited(api: FakeBotApi, start_bot: BotFactory) -> None:
    """The fourth report within ten minutes is refused."""
    await start_bot(BOT_ENFORCEMENT__REPORT_LIMIT="2")
    for n in range(2):
        message = post(api, SPAMMER, f"rude remark number {n}")
        # Different words each time: the repeat check would delete the same text thrice.
        answers = await reply_command(api, WITNESS, f"/report rude {n}", message, replies=2)
        assert any("已通知管理员" in a for a in answers)
    message = post(api, SPAMMER, "another rude remark")
    assert "太频繁" in (await reply_command(api, WITNESS, "/report", message))[0]


async def test_missing_restrict_right_is_told_once(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Without the right to restrict, two mutes tell the admins once and the bot keeps going."""
    api.set_bot_rights(GROUP, can_restrict_members=False)
    await start_bot()
    for _ in range(2):
        await command(api, ADMIN_ID, "/mute 501 1h", replies=1)
        await asyncio.sleep(0.2)
    texts = [c.params["text"] for c in api.calls_to("sendMessage") if to_group(c)]
    assert sum("缺少" in t for t in texts) == 1
    assert sum("操作失败" in t for t in texts) == 2
    assert "白名单为空" in await command(api, ADMIN_ID, "/approved")


async def test_allow_list_and_settings(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/approve, /approved, /unapprove; /warnexpiry and /warnladder validate their input."""
    await start_bot()
    message = post(api, SPAMMER, "hi")
    assert "加入白名单" in (await reply_command(api, ADMIN_ID, "/approve", message))[0]
    assert "已在白名单" in await command(api, ADMIN_ID, "/approve 501")
    assert "Spammer" in await command(api, ADMIN_ID, "/approved")
    assert "移出白名单" in await command(api, ADMIN_ID, "/unapprove 501")
    assert "找不到该成员" in await command(api, ADMIN_ID, "/unapprove @nobody_here")
    assert "请回复该成员的消息" in await command(api, ADMIN_ID, "/warn")
    assert "有效期已改为 1周" in await command(api, ADMIN_ID, "/warnexpiry 7d")
    assert "不是有效的时长" in await command(api, ADMIN_ID, "/warnexpiry 5m")
    assert "mute、ban 或 kick" in await command(api, ADMIN_ID, "/warnladder 3:shout")
    assert "3:mute:1h 5:mute:1d 7:ban" in await command(api, ADMIN_ID, "/warnladder")
    assert "未设置升级处罚" in await command(api, ADMIN_ID, "/warnladder off")
    assert "恢复默认" in await command(api, ADMIN_ID, "/warnladder default")


async def test_log_chat_mirrors_actions_and_receives_reports(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/setlog <group id> in the log chat by an admin of both; actions and reports go there."""
    api.add_chat(LOG_CHAT, title="Mod Log")
    api.set_admins(LOG_CHAT, [LOG_ONLY_ADMIN], creator_id=ADMIN_ID)
    await start_bot()
    assert str(GROUP) in await command(api, ADMIN_ID, "/setlog")
    for user, refusal in [(WITNESS, "只有群管理员"), (LOG_ONLY_ADMIN, "你必须是群")]:
        before = len(api.calls_to("sendMessage"))
        api.push_update(api.message_update(LOG_CHAT, user, f"/setlog {GROUP}"))
        calls = await api.wait_for("sendMessage", before + 1)
        assert refusal in calls[-1].params["text"]
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(LOG_CHAT, ADMIN_ID, f"/setlog {GROUP}"))
    calls = await api.wait_for("sendMessage", before + 2)
    # The group is named by its title (stored when /setlog was sent there), not its id.
    assert any("Test Group" in c.params["text"] for c in calls[before:])
    message = post(api, SPAMMER, "spam")
    await reply_command(api, ADMIN_ID, "/warn", message, replies=2)
    mirrored = await api.wait_for(
        "sendMessage",
        predicate=lambda c: c.params.get("chat_id") == LOG_CHAT and "警告" in c.params["text"],
    )
    assert "Spammer" in mirrored[-1].params["text"]
    # A report goes to the log chat; there only the group's admins may press its buttons.
    ad = post(api, SPAMMER, "cheap pills")
    await reply_command(api, WITNESS, "/report", ad)
    calls = await api.wait_for(
        "sendMessage",
        predicate=lambda c: c.params.get("chat_id") == LOG_CHAT and "reply_markup" in c.params,
    )
    report = calls[-1]
    assert "cheap pills" in report.params["text"] and "Test Group" in report.params["text"]
    delete = report.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    message_id = report.result["message_id"]
    api.push_update(api.callback_query_update(LOG_CHAT, LOG_ONLY_ADMIN, delete, message_id))
    refused = await api.wait_for("answerCallbackQuery", 1)
    assert "只有本群管理员" in refused[-1].params["text"]
    api.push_update(api.callback_query_update(LOG_CHAT, ADMIN_ID, delete, message_id))
    await api.wait_for("answerCallbackQuery", 2)
    deleted = api.last_call("deleteMessage").params
    assert (deleted["chat_id"], deleted["message_id"]) == (GROUP, ad)
    # The deletion is mirrored to the log chat by a queued message of its own.
    await api.wait_for(
        "sendMessage",
        predicate=lambda c: (
            c.params.get("chat_id") == LOG_CHAT
            and "cheap pills" in c.params["text"]
            and "reply_markup" not in c.params
        ),
    )
    assert "停止同步" in await command(api, ADMIN_ID, "/unsetlog")
