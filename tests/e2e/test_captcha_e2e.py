"""The newcomer captcha end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from storage.moderation import ModerationRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

NEWBIE = make_user(501, "Newbie")
OTHER = make_user(502, "Bystander")
MEMBER = make_user(300, "Mallory")
# Short captcha times need a lower bound than the default 30 seconds.
FAST = {"BOT_CAPTCHA__MIN_SECONDS": "1"}


def join(api: FakeBotApi, user: dict[str, Any], *, by: int | None = None) -> None:
    """A member joins; Telegram reports it as chat_member and as a service message."""
    api.push_update(api.chat_member_update(GROUP, user, "left", "member", from_user=by))
    api.push_update(api.new_members_update(GROUP, [user], from_user=by))


async def command(api: FakeBotApi, user: dict[str, Any] | int, text: str) -> str:
    """Send a command in the group and return the text of the bot's answer."""
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, user, text))
    calls = await api.wait_for("sendMessage", before + 1)
    return str(calls[-1].params["text"])


def is_captcha(call: Call) -> bool:
    """A sendMessage carrying captcha buttons."""
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or []
    return any(str(b.get("callback_data", "")).startswith("b1|captcha.") for r in rows for b in r)


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of each button of a message."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def captcha_for(api: FakeBotApi, count: int = 1) -> tuple[int, dict[str, Any]]:
    """Wait for the ``count``-th captcha message; its id and parameters."""
    calls = await api.wait_for("sendMessage", count, predicate=is_captcha)
    call = calls[count - 1]
    return int(call.result["message_id"]), call.params


def right_answer(params: dict[str, Any]) -> str:
    """The callback data of the right answer of a sum captcha, worked out from its text."""
    text = params["text"]
    digits = text.split(" + ")
    a = int(digits[0].split()[-1])
    b = int(digits[1].split()[0])
    return next(data for label, data in buttons(params) if label == str(a + b))


def wrong_answer(params: dict[str, Any]) -> str:
    """The callback data of a wrong answer of a sum captcha."""
    right = right_answer(params)
    return next(data for _label, data in buttons(params) if data != right)


async def press(
    api: FakeBotApi, user: dict[str, Any], data: str, message_id: int, chat_id: int = GROUP
) -> Call:
    """Press a button and wait for its answerCallbackQuery."""
    before = len(api.calls_to("answerCallbackQuery"))
    api.push_update(api.callback_query_update(chat_id, user, data, message_id))
    calls = await api.wait_for("answerCallbackQuery", before + 1)
    return calls[-1]


def restricted(api: FakeBotApi, user_id: int) -> bool:
    """Whether the fake holds the member as restricted now."""
    return api.member(GROUP, user_id)["status"] == "restricted"


def is_welcome(call: Call) -> bool:
    """A welcome posted in the group (the default Chinese one)."""
    params = call.params
    return params.get("chat_id") == GROUP and "欢迎" in params["text"] and not is_captcha(call)


def welcomes(api: FakeBotApi) -> list[str]:
    """Texts of the welcomes posted in the group."""
    return [c.params["text"] for c in api.calls_to("sendMessage") if is_welcome(c)]


async def setup(api: FakeBotApi, *commands: str) -> None:
    """Run admin commands, each answered."""
    for text in commands:
        await command(api, ADMIN_ID, text)


async def test_button_captcha_pass_unmutes_and_welcomes_after(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """One join (reported twice) gives one captcha; the welcome waits for the press."""
    await start_bot()
    await setup(api, "/captcha on")
    join(api, NEWBIE)
    message_id, params = await captcha_for(api)
    assert "Newbie" in params["text"]
    assert restricted(api, NEWBIE["id"])
    await asyncio.sleep(0.8)  # longer than the welcome's batching window
    assert welcomes(api) == [], "no welcome before the captcha is passed"
    assert len([c for c in api.calls_to("sendMessage") if is_captcha(c)]) == 1
    ((label, data),) = buttons(params)
    assert "机器人" in label
    answer = await press(api, NEWBIE, data, message_id)
    assert "通过" in answer.params["text"]
    await api.wait_for("sendMessage", predicate=is_welcome)
    assert not restricted(api, NEWBIE["id"])
    assert (GROUP, message_id) in api.deleted_messages
    assert len(welcomes(api)) == 1 and "Newbie" in welcomes(api)[0]


async def test_math_captcha_pass(api: FakeBotApi, start_bot: BotFactory) -> None:
    """The sum's right answer lets the newcomer in."""
    await start_bot()
    await setup(api, "/captcha on", "/captcha math")
    join(api, NEWBIE)
    message_id, params = await captcha_for(api)
    assert " + " in params["text"] and len(buttons(params)) == 4
    await press(api, NEWBIE, right_answer(params), message_id)
    await api.wait_for("sendMessage", predicate=is_welcome)
    assert not restricted(api, NEWBIE["id"])
    assert not api.calls_to("banChatMember")


async def test_wrong_answers_give_a_new_sum_then_apply_the_failure_action(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """First wrong answer: a new sum; second: banned, captcha deleted, no welcome."""
    bot = await start_bot()
    await setup(api, "/captcha on", "/captcha math", "/captchafail ban")
    join(api, NEWBIE)
    message_id, params = await captcha_for(api)
    first = await press(api, NEWBIE, wrong_answer(params), message_id)
    assert "1" in first.params["text"] and first.params.get("show_alert")
    edits = await api.wait_for("editMessageText")
    edited = edits[-1].params
    assert " + " in edited["text"] and len(buttons(edited)) == 4
    await press(api, NEWBIE, wrong_answer(edited), message_id)
    bans = await api.wait_for("banChatMember")
    assert bans[0].params["user_id"] == NEWBIE["id"]
    assert not api.calls_to("unbanChatMember"), "a ban is not a kick"
    await asyncio.sleep(0.3)
    assert (GROUP, message_id) in api.deleted_messages
    await asyncio.sleep(0.5)
    assert welcomes(api) == []
    async with bot.store.unit() as uow:
        entries = await ModerationRepository(uow).recent_log(GROUP, 5)
    assert [(e.action, e.reason, e.target_id, e.detail) for e in entries] == [
        ("ban", "captcha", NEWBIE["id"], "wrong")
    ]


async def test_someone_else_cannot_answer(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A bystander pressing gets a toast; the captcha stays open for the newcomer."""
    await start_bot()
    await setup(api, "/captcha on")
    join(api, NEWBIE)
    message_id, params = await captcha_for(api)
    ((_label, data),) = buttons(params)
    toast = await press(api, OTHER, data, message_id)
    assert "新成员本人" in toast.params["text"]
    assert restricted(api, NEWBIE["id"])
    assert (GROUP, message_id) not in api.deleted_messages
    await press(api, NEWBIE, data, message_id)
    await api.wait_for("sendMessage", predicate=is_welcome)
    stale = await press(api, NEWBIE, data, message_id)
    assert "结束" in stale.params["text"]


async def test_time_out_kicks_and_deletes_the_captcha(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Nobody answers: the newcomer is kicked (ban, then unban) when the time runs out."""
    await start_bot(**FAST)
    await setup(api, "/captcha on", "/captchatime 1s")
    join(api, NEWBIE)
    message_id, _params = await captcha_for(api)
    await api.wait_for("unbanChatMember", timeout=5)
    assert api.calls_to("banChatMember")[0].params["user_id"] == NEWBIE["id"]
    await asyncio.sleep(0.2)
    assert (GROUP, message_id) in api.deleted_messages
    assert welcomes(api) == []


async def test_time_out_across_a_restart_is_resolved_at_start_up(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The bot is down when the time runs out; the next start kicks the newcomer."""
    first = await start_bot(**FAST)
    await setup(api, "/captcha on", "/captchatime 2s")
    join(api, NEWBIE)
    message_id, _params = await captcha_for(api)
    await first.stop()
    api.clear_calls()
    await asyncio.sleep(2.2)
    assert not api.calls_to("banChatMember")
    await start_bot(**FAST)
    bans = await api.wait_for("banChatMember", timeout=5)
    assert bans[0].params["user_id"] == NEWBIE["id"]
    await api.wait_for("deleteMessage")
    assert (GROUP, message_id) in api.deleted_messages


async def test_pending_captcha_survives_a_restart_and_can_be_passed(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A captcha still running at a restart keeps working; passing it welcomes."""
    first = await start_bot()
    await setup(api, "/captcha on")
    join(api, NEWBIE)
    message_id, params = await captcha_for(api)
    await first.stop()
    await start_bot()
    ((_label, data),) = buttons(params)
    await press(api, NEWBIE, data, message_id)
    await api.wait_for("sendMessage", predicate=is_welcome)
    assert not restricted(api, NEWBIE["id"])


async def test_join_request_passed_is_approved_and_welcomed_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The requester answers in private; the request is approved; their join is welcomed."""
    await start_bot()
    await setup(api, "/captcha on", "/captcha math")
    api.push_update(api.join_request_update(GROUP, NEWBIE))
    calls = await api.wait_for("sendMessage", predicate=is_captcha)
    private = calls[0]
    assert private.params["chat_id"] == NEWBIE["id"]
    assert "Test Group" in private.params["text"]
    message_id = int(private.result["message_id"])
    await press(api, NEWBIE, right_answer(private.params), message_id, chat_id=NEWBIE["id"])
    approved = await api.wait_for("approveChatJoinRequest")
    assert approved[0].params["user_id"] == NEWBIE["id"]
    edits = await api.wait_for("editMessageText")
    assert "批准" in edits[-1].params["text"]
    # Telegram then reports the join, let in by the bot: no second captcha, one welcome.
    join(api, NEWBIE, by=api.bot_id)
    await api.wait_for("sendMessage", predicate=is_welcome)
    await asyncio.sleep(0.5)
    assert len([c for c in api.calls_to("sendMessage") if is_captcha(c)]) == 1
    assert not api.calls_to("restrictChatMember")


async def test_join_request_failed_is_declined(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A requester who runs out of time has the request declined and is told so."""
    await start_bot(**FAST)
    await setup(api, "/captcha on", "/captchatime 1s")
    api.push_update(api.join_request_update(GROUP, NEWBIE))
    calls = await api.wait_for("sendMessage", predicate=is_captcha)
    assert calls[0].params["chat_id"] == NEWBIE["id"]
    declined = await api.wait_for("declineChatJoinRequest", timeout=5)
    assert declined[0].params["user_id"] == NEWBIE["id"]
    edits = await api.wait_for("editMessageText")
    assert "拒绝" in edits[-1].params["text"]
    assert not api.calls_to("approveChatJoinRequest")


async def test_join_request_wrong_answer_is_declined(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """With one attempt configured, a wrong answer declines the request at once."""
    await start_bot(BOT_CAPTCHA__ATTEMPTS="1")
    await setup(api, "/captcha on", "/captcha math")
    api.push_update(api.join_request_update(GROUP, NEWBIE))
    calls = await api.wait_for("sendMessage", predicate=is_captcha)
    message_id = int(calls[0].result["message_id"])
    await press(api, NEWBIE, wrong_answer(calls[0].params), message_id, chat_id=NEWBIE["id"])
    await api.wait_for("declineChatJoinRequest")


async def test_admins_and_members_added_by_admins_skip_the_captcha(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """An admin joining, a bot, and someone an admin added are welcomed without a captcha."""
    api.set_admins(GROUP, [OTHER], creator_id=ADMIN_ID)
    await start_bot()
    await setup(api, "/captcha on")
    helper_bot = make_user(503, "Helper", is_bot=True)
    join(api, OTHER)
    join(api, helper_bot, by=ADMIN_ID)
    join(api, NEWBIE, by=ADMIN_ID)
    await api.wait_for("sendMessage", predicate=is_welcome)
    await asyncio.sleep(0.5)
    assert not [c for c in api.calls_to("sendMessage") if is_captcha(c)]
    assert not api.calls_to("restrictChatMember")


@pytest.mark.parametrize(
    "text",
    [
        "/captcha",
        "/captcha on",
        "/captcha off",
        "/captcha math",
        "/captchatime 5m",
        "/captchafail ban",
    ],
)
async def test_every_captcha_command_is_refused_to_members(
    api: FakeBotApi, start_bot: BotFactory, text: str
) -> None:
    """Members cannot see or change the captcha settings; nothing changes."""
    await start_bot()
    assert "只有群管理员" in await command(api, MEMBER, text)
    shown = await command(api, ADMIN_ID, "/captcha")
    assert "关闭" in shown and "点击按钮" in shown and "2分钟" in shown and "移出群" in shown


async def test_bad_input_gets_translated_errors_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Unknown words, out-of-range or unreadable times and unknown actions are refused."""
    await start_bot()
    assert "sometimes" in await command(api, ADMIN_ID, "/captcha sometimes")
    assert "10s" in await command(api, ADMIN_ID, "/captchatime 10s")
    assert "2h" in await command(api, ADMIN_ID, "/captchatime 2h")
    assert "30秒" in await command(api, ADMIN_ID, "/captchatime soon")
    assert "/captchatime" in await command(api, ADMIN_ID, "/captchatime")
    assert "warn" in await command(api, ADMIN_ID, "/captchafail warn")
    assert "kick" in await command(api, ADMIN_ID, "/captchafail")
    escaped = await command(api, ADMIN_ID, "/captcha <b>x</b>")
    assert "&lt;b&gt;" in escaped and "<b>x" not in escaped
    shown = await command(api, ADMIN_ID, "/captcha")
    assert "关闭" in shown and "2分钟" in shown and "移出群" in shown


async def test_settings_are_shown_in_english_after_changes(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The settings survive a restart and read back in the group's language."""
    first = await start_bot()
    await setup(
        api, "/lang en", "/captcha on", "/captcha math", "/captchatime 90s", "/captchafail mute"
    )
    await first.stop()
    await start_bot()
    shown = await command(api, ADMIN_ID, "/captcha")
    assert "on" in shown and "sum" in shown and "1m 30s" in shown and "muted" in shown


async def test_newcomer_leaving_drops_the_captcha(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A newcomer who leaves before answering: the captcha message goes, nobody is punished."""
    await start_bot(**FAST)
    await setup(api, "/captcha on", "/captchatime 2s")
    join(api, NEWBIE)
    message_id, _params = await captcha_for(api)
    api.push_update(api.chat_member_update(GROUP, NEWBIE, "restricted", "left"))
    await api.wait_for("deleteMessage")
    assert (GROUP, message_id) in api.deleted_messages
    await asyncio.sleep(2.5)
    assert not api.calls_to("banChatMember")


async def test_without_the_restrict_right_admins_are_told_and_nobody_is_held(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The bot cannot mute: it says so once and the newcomer is simply welcomed."""
    await start_bot()
    await setup(api, "/captcha on")
    api.set_bot_rights(GROUP, can_restrict_members=False)
    join(api, NEWBIE)
    notice = await api.wait_for(
        "sendMessage",
        predicate=lambda c: "封禁" in c.params["text"] or "Ban users" in c.params["text"],
    )
    assert notice
    await asyncio.sleep(0.5)
    assert not [c for c in api.calls_to("sendMessage") if is_captcha(c)]


async def test_join_request_handled_by_admins_meanwhile(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The admins answered the request before the requester did: they are told, no crash."""
    await start_bot()
    await setup(api, "/captcha on")
    api.push_update(api.join_request_update(GROUP, NEWBIE))
    calls = await api.wait_for("sendMessage", predicate=is_captcha)
    api.chat(GROUP).handled_join_requests.add(NEWBIE["id"])
    ((_label, data),) = buttons(calls[0].params)
    message_id = int(calls[0].result["message_id"])
    await press(api, NEWBIE, data, message_id, chat_id=NEWBIE["id"])
    edits = await api.wait_for("editMessageText")
    assert "已被管理员处理" in edits[-1].params["text"]
    await command(api, ADMIN_ID, "/captcha")  # still answering
