"""/help and /help <topic> end to end: what members, admins and private chats get."""

from __future__ import annotations

import re

from tests.e2e.conftest import ADMIN_ID, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi

MAX_TEXT = 4096


def commands_in(text: str) -> set[str]:
    """The commands a help text lists (lines ``/name — ...``)."""
    return set(re.findall(r"^/(\w+) — ", text, flags=re.M))


async def test_help_for_members_and_admins(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    member = await command(api, MEMBER, "/help")
    assert "/help 签到 — " in member and "/checkin — " in member
    assert "/help 夜间" not in member and "/ban" not in member and len(member) < MAX_TEXT
    admin = await command(api, ADMIN_ID, "/help")
    assert "/help 夜间 — " in admin and "/help 审核 — " in admin and len(admin) < MAX_TEXT
    # The short list holds the topics and everyday commands, no admin command.
    assert "ban" not in commands_in(admin) and "checkin" in commands_in(admin)

    points = await command(api, MEMBER, "/help 签到")
    assert {"checkin", "points", "shop"} <= commands_in(points)
    assert "givepoints" not in commands_in(points)
    assert await command(api, MEMBER, "/help checkin") == points

    # A command names its topic; a member sees only what they may run of it.
    warn = await command(api, MEMBER, "/help warn")
    assert commands_in(warn) == {"warns", "report"}
    admin_warn = await command(api, ADMIN_ID, "/help warn")
    assert {"warn", "ban", "mute", "warns"} <= commands_in(admin_warn)
    assert "管理员命令" in admin_warn

    assert "只供群管理员使用" in await command(api, MEMBER, "/help captcha")
    assert "/nightmode — " in await command(api, ADMIN_ID, "/help night")
    unknown = await command(api, MEMBER, "/help <b>nosuch</b>")
    assert "没有叫“&lt;b&gt;nosuch&lt;/b&gt;”的帮助主题" in unknown and "签到" in unknown


async def test_help_in_english(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    admin = await command(api, ADMIN_ID, "/help")
    assert "/help points — " in admin and "/help night — " in admin
    points = await command(api, ADMIN_ID, "/help points")
    assert {"checkin", "givepoints", "exportpoints"} <= commands_in(points)
    assert "Admin commands:" in points
    assert await command(api, ADMIN_ID, "/help 签到") == points, "Chinese names work in English"
    assert "I have no help topic “nosuch”" in await command(api, MEMBER, "/help nosuch")


async def test_help_in_a_private_chat_shows_every_topic(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot()
    user = 300
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(user, user, "/help"))
    (*_, answer) = await api.wait_for("sendMessage", before + 1)
    assert answer.params["chat_id"] == user and "/help 夜间 — " in answer.params["text"]
    api.push_update(api.message_update(user, user, "/help warn"))
    (*_, answer) = await api.wait_for("sendMessage", before + 2)
    assert "ban" in commands_in(answer.params["text"])
