"""QQ's differences from Telegram, end to end: the fake OneBot implementation, a real
WebSocket and the real app on SQLite.

An export uploaded as a group file (and the notice where the implementation cannot), a
captcha answered by typing its choice (the pop-up's words as a reply), invitations of the
bot's account answered by ``onebot.invites``, and night mode muting the whole group.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from bot.platforms.onebot.app import OneBotBot
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    NEWCOMER,
    OWNER,
    OneBotFactory,
    joined,
    quotes,
    request,
    reverse,
    say,
    sent_text,
    told,
)
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]

STRANGER = 998_877


async def test_an_export_is_uploaded_as_a_group_file(fake: FakeOneBot, running: OneBotBot) -> None:
    """/exportreplies: upload_group_file with the rules as base64, then the caption."""
    await say(fake, OWNER, "/addreply 价格 十元一份", 101)
    await fake.push(fake.group_message(GROUP, OWNER, "/exportreplies", 102))
    (upload,) = await fake.wait_for("upload_group_file", timeout=10)
    assert upload["group_id"] == GROUP and upload["name"].endswith(".json")
    exported = json.loads(base64.b64decode(upload["file"].removeprefix("base64://")))
    assert "价格" in json.dumps(exported, ensure_ascii=False)
    caption = await fake.wait_for("send_group_msg", where=lambda p: quotes(p, 102))
    assert "共 1 条关键词回复" in sent_text(caption[0])


async def test_without_uploads_an_export_says_so_once(fake: FakeOneBot, running: OneBotBot) -> None:
    """An implementation without upload_group_file (1404): the needs-files notice, alone."""
    fake.fail("upload_group_file", 1404, "不支持的API")
    await say(fake, OWNER, "/addreply 价格 十元一份", 201)
    await fake.push(fake.group_message(GROUP, OWNER, "/exportreplies", 202))
    notice = await told(fake, "需要文件")
    assert quotes(notice, 202)
    await say(fake, MEMBER, "/points", 203)  # everything before it was handled
    assert len([p for p in fake.made("send_group_msg") if quotes(p, 202)]) == 1


async def test_a_captcha_is_answered_by_typing_its_choice(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """No buttons: the newcomer types 1; the mute is lifted and the pop-up's words reply."""
    await say(fake, OWNER, "/captcha on", 301)
    await fake.push(joined(fake, NEWCOMER))
    asked = await told(fake, "我不是机器人")
    assert "1. ✅ 我不是机器人" in sent_text(asked)
    mute = await fake.wait_for("set_group_ban", where=lambda p: p["user_id"] == NEWCOMER)
    assert mute[0]["duration"] > 0
    await fake.push(fake.group_message(GROUP, NEWCOMER, "1", 302))
    lifted = await fake.wait_for(
        "set_group_ban", where=lambda p: p["user_id"] == NEWCOMER and p["duration"] == 0
    )
    assert lifted
    passed = await fake.wait_for("send_group_msg", where=lambda p: quotes(p, 302))
    assert "验证通过" in sent_text(passed[0])


async def test_a_strangers_invitation_is_declined_by_default(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    await fake.push(request(fake, "invite", STRANGER, "inv-1", group=GROUP + 1))
    (answer,) = await fake.wait_for("set_group_add_request", timeout=10)
    assert answer == {"flag": "inv-1", "sub_type": "invite", "approve": False}


async def test_invitations_from_anyone_when_so_configured(
    fake: FakeOneBot, start_onebot: OneBotFactory
) -> None:
    await reverse(lambda **env: start_onebot(BOT_ONEBOT__INVITES="anyone", **env), fake)
    await fake.push(request(fake, "invite", STRANGER, "inv-2", group=GROUP + 1))
    (answer,) = await fake.wait_for("set_group_add_request", timeout=10)
    assert answer["approve"] is True and answer["sub_type"] == "invite"


async def test_night_mode_mutes_the_whole_group(fake: FakeOneBot, running: OneBotBot) -> None:
    """QQ's one switch: set_group_whole_ban on when the night starts."""
    now = datetime.now(UTC)
    start, end = now - timedelta(minutes=1), now + timedelta(hours=2)
    hours = f"{start:%H:%M}-{end:%H:%M}"
    await say(fake, OWNER, "/settimezone UTC", 401)
    await say(fake, OWNER, f"/nightmode {hours}", 402)
    (closed,) = await fake.wait_for("set_group_whole_ban", timeout=15)
    assert closed == {"group_id": GROUP, "enable": True}
