"""The features on QQ end to end: the fake OneBot implementation <-> a real WebSocket <->
the real app <-> SQLite, asserting on the actions the fake received and on the store."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.onebot.app import OneBotBot
from bot.platforms.onebot.transport import ReverseServer
from core.ids import ONEBOT, scoped, scoped_group
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    NEWCOMER,
    OWNER,
    Mode,
    OneBotFactory,
    answers_to,
    at,
    connected,
    joined,
    rows,
    say,
    sent_text,
    settle,
    told,
)
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]

MODES = pytest.mark.parametrize("mode", ["reverse", "forward"])
PNG = b"\x89PNG\r\n\x1a\n"
STRANGER = 445_566


def points_of(tmp_path: Path, user: int) -> list[tuple[Any, ...]]:
    """A member's stored balance and check-in count in the group."""
    return rows(
        tmp_path,
        "SELECT balance, checkins FROM points_accounts WHERE chat_id = ? AND user_id = ?",
        scoped_group(ONEBOT, GROUP),
        scoped(ONEBOT, user),
    )


def bans(fake: FakeOneBot, user: int) -> list[int]:
    """The durations of every set_group_ban about one member, in order."""
    return [
        p["duration"]
        for p in fake.made("set_group_ban")
        if p["group_id"] == GROUP and p["user_id"] == user
    ]


@MODES
async def test_slash_checkin_and_points_are_answered(
    mode: Mode, start_onebot: OneBotFactory, fake: FakeOneBot, tmp_path: Path
) -> None:
    """/checkin by its slash form, then /points shows the 10 points it gave."""
    await connected(mode, start_onebot, fake)
    checkin = await say(fake, MEMBER, "/checkin", 1001)
    assert checkin["group_id"] == GROUP and "签到成功" in sent_text(checkin)
    points = await say(fake, MEMBER, "/points", 1002)
    assert "10 积分" in sent_text(points)
    assert points_of(tmp_path, MEMBER) == [(10, 1)]


async def test_an_owner_adds_an_auto_reply_and_a_member_may_not(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    """The QQ owner (a role from the member list) adds a reply that then answers a member;
    a plain member's /addreply is refused in words and stores nothing."""
    added = await say(fake, OWNER, "/addreply 价格 十元一份", 1101)
    assert "已添加关键词回复 #1" in sent_text(added)
    assert {"group_id": GROUP} in fake.made("get_group_member_list")
    answer = await say(fake, MEMBER, "请问价格多少？", 1102)
    assert sent_text(answer) == "十元一份"
    refused = await say(fake, MEMBER, "/addreply 广告 加我好友", 1103)
    assert "只有群管理员可以使用 /addreply" in sent_text(refused)
    stored = rows(
        tmp_path, "SELECT keyword FROM reply_rules WHERE chat_id = ?", scoped_group(ONEBOT, GROUP)
    )
    assert stored == [("价格",)]
    await fake.push(fake.group_message(GROUP, OWNER, "广告来了", 1104))
    await settle(fake, 1105)
    assert answers_to(fake, 1104) == []


SHARE_CARD = {
    "type": "json",
    "data": {
        "data": json.dumps(
            {
                "app": "com.tencent.structmsg",
                "meta": {"news": {"title": "限时福利", "jumpUrl": "https://deals.example.shop/x"}},
            }
        )
    },
}
# Each ad, and whether it is only refused from a newcomer (links are allowed by default).
ADS: dict[str, tuple[dict[str, Any], bool]] = {
    "telegram invite": ({"text": "进群领福利 t.me/+AbCdEf123"}, True),
    "qq group invite": ({"text": "加群 https://qm.qq.com/q/AbCdEf123"}, True),
    "share card": ({"text": "", "extra": [SHARE_CARD]}, True),
    "contact": ({"text": "免费福利 加V：money_88"}, False),
}


@pytest.mark.parametrize(("ad", "newcomers_only"), ADS.values(), ids=ADS.keys())
async def test_a_newcomers_ad_is_recalled(
    ad: dict[str, Any], newcomers_only: bool, fake: FakeOneBot, running: OneBotBot
) -> None:
    """With newcomer checks on, a member who just joined posts an ad: delete_msg recalls
    that message; their hello stays, and so does a link ad of a long-time member."""
    assert "新成员" in sent_text(await say(fake, OWNER, "/newcomer 24h", 1201))
    fake.members[GROUP].append({"user_id": STRANGER, "nickname": "新人", "role": "member"})
    await fake.push(joined(fake, STRANGER))
    await fake.push(
        fake.group_message(GROUP, STRANGER, ad["text"], 1202, extra=ad.get("extra", ()))
    )
    await fake.wait_for("delete_msg", where=lambda p: p["message_id"] == 1202, timeout=10)
    await fake.push(fake.group_message(GROUP, STRANGER, "大家好", 1203))
    await fake.push(fake.group_message(GROUP, MEMBER, ad["text"], 1204, extra=ad.get("extra", ())))
    await settle(fake, 1205)
    recalled = [p["message_id"] for p in fake.made("delete_msg")]
    assert recalled == ([1202] if newcomers_only else [1202, 1204])


@MODES
async def test_mute_and_unmute_as_replies(
    mode: Mode, start_onebot: OneBotFactory, fake: FakeOneBot
) -> None:
    """/mute 10m quoting a member's message: set_group_ban for 600 s; /unmute: duration 0.
    A message seen a moment ago is quoted as it came; an older one is asked for (get_msg)."""
    await connected(mode, start_onebot, fake)
    await fake.push(fake.group_message(GROUP, MEMBER, "刷屏中", 1301))
    await fake.push(fake.group_message(GROUP, OWNER, "/mute 10m", 1302, reply_to=1301))
    muted = await told(fake, "已被禁言")
    assert fake.made("get_msg") == []
    assert bans(fake, MEMBER) == [600]
    assert at(MEMBER) in muted["message"] and "10分钟" in sent_text(muted)
    # Sent before the bot was running: only the implementation knows it.
    fake.messages[1299] = fake.group_message(GROUP, MEMBER, "早先刷屏", 1299)
    await fake.push(fake.group_message(GROUP, OWNER, "/unmute", 1303, reply_to=1299))
    unmuted = await told(fake, "已解除禁言")
    assert fake.made("get_msg") == [{"message_id": 1299}]
    assert bans(fake, MEMBER) == [600, 0]
    assert at(MEMBER) in unmuted["message"]


async def test_stats_is_posted_as_a_png_image(fake: FakeOneBot, running: OneBotBot) -> None:
    """/stats after some talk: one send_group_msg with a base64:// image of a PNG, its
    caption counting the seven messages (the /stats too) of two members."""
    for n in range(6):
        await fake.push(
            fake.group_message(GROUP, MEMBER if n % 2 else OWNER, f"聊天 {n}", 1400 + n)
        )
    await fake.push(fake.group_message(GROUP, MEMBER, "/stats", 1410))
    (sent,) = await fake.wait_for("send_group_msg", where=has_image, timeout=30)
    (image,) = [s for s in sent["message"] if s["type"] == "image"]
    file = image["data"]["file"]
    assert file.startswith("base64://")
    assert base64.b64decode(file.removeprefix("base64://")).startswith(PNG)
    caption = sent_text(sent)
    assert "消息：7 条" in caption and "2 人发过言" in caption
    assert sent["group_id"] == GROUP


def has_image(params: dict[str, Any]) -> bool:
    """Whether a sent message carries an image segment."""
    return any(s["type"] == "image" for s in params["message"])


async def test_a_failed_mute_is_survived(fake: FakeOneBot, running: OneBotBot) -> None:
    """QQ refuses the mute (status failed, retcode 100): the owner is told in words, the
    connection stays, and the next 签到 is answered as ever."""
    fake.fail("set_group_ban", 100, "set_group_ban failed")
    await fake.push(fake.group_message(GROUP, MEMBER, "刷屏中", 1501))
    await fake.push(fake.group_message(GROUP, OWNER, "/mute 10m", 1502, reply_to=1501))
    await told(fake, "操作失败")
    assert bans(fake, MEMBER) == [600]
    checkin = await say(fake, MEMBER, "签到", 1503)
    assert "签到成功" in sent_text(checkin)
    assert running.running and running.platform.is_receiving()


async def test_a_failed_recall_is_survived(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    """QQ refuses to recall a contact ad (retcode 100): the ad's author is still warned and
    the next 签到 is answered."""
    fake.fail("delete_msg", 100, "delete_msg failed")
    await fake.push(fake.group_message(GROUP, MEMBER, "免费福利 加V：money_88", 1511))
    await fake.wait_for("delete_msg", where=lambda p: p["message_id"] == 1511)
    warned = await told(fake, "已被警告（1/3）")
    assert at(MEMBER) in warned["message"]
    checkin = await say(fake, MEMBER, "签到", 1512)
    assert "签到成功" in sent_text(checkin)
    warnings = rows(
        tmp_path, "SELECT user_id FROM warnings WHERE chat_id = ?", scoped_group(ONEBOT, GROUP)
    )
    assert warnings == [(scoped(ONEBOT, MEMBER),)]
    assert running.running and running.platform.is_receiving()


@MODES
async def test_a_dropped_connection_comes_back_without_repeats(
    mode: Mode, start_onebot: OneBotFactory, fake: FakeOneBot, tmp_path: Path
) -> None:
    """The connection drops and comes back (reverse: the implementation connects again;
    forward: the bot does); the implementation sends its last events once more (a 签到,
    which stores, and a /points, which does not), then a new one: the repeats are not
    handled again, the new one is."""
    bot = await connected(mode, start_onebot, fake)
    await say(fake, MEMBER, "签到", 1601)
    await say(fake, MEMBER, "/points", 1602)
    last = fake.pushed[-2:]
    await fake.drop()
    if isinstance(bot.platform.transport, ReverseServer):
        await fake.connect(f"ws://127.0.0.1:{bot.platform.transport.port}/onebot/v11/ws")
    else:
        await fake.wait_connected(2)
    for event in last:
        await fake.push(event)
    assert "签到成功" in sent_text(await say(fake, NEWCOMER, "签到", 1603))
    assert len(answers_to(fake, 1601)) == 1 and len(answers_to(fake, 1602)) == 1
    assert points_of(tmp_path, MEMBER) == [(10, 1)]
    assert points_of(tmp_path, NEWCOMER) == [(10, 1)]
