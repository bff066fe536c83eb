"""QQ bans end to end: a banned member's join request is refused by the bot until /unban.

The fake OneBot implementation, a real WebSocket and the real app on SQLite: the owner
bans by QQ number, the banned member asks to join again (QQ still delivers some such
requests) and the bot answers ``set_group_add_request`` with ``approve=false``; after
/unban the next request goes to the captcha like anyone's.
"""

from __future__ import annotations

import asyncio

from bot.platforms.onebot.app import OneBotBot
from tests.e2e.onebot_support import GROUP, MEMBER, OWNER, request, sent_text, told
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]


async def asked(fake: FakeOneBot, user: int, timeout: float = 10.0) -> None:
    """Wait until the captcha sent ``user`` its question in a private message (even one
    who never wrote to the bot: a group's id says it is a group, a person's that it is not).
    """

    def question_to_user() -> bool:
        return any(
            p.get("user_id") == user and "机器人" in sent_text(p)
            for p in fake.made("send_private_msg")
        )

    async with asyncio.timeout(timeout):
        while not question_to_user():
            await asyncio.sleep(0.02)


async def test_a_banned_members_join_request_is_refused_until_unban(
    fake: FakeOneBot,
    running: OneBotBot,
) -> None:
    await fake.push(fake.group_message(GROUP, OWNER, f"/ban {MEMBER} 广告", message_id=1001))
    await fake.wait_for("set_group_kick", timeout=10)
    kick = fake.made("set_group_kick")[0]
    assert (kick["user_id"], kick["reject_add_request"]) == (MEMBER, True)

    await fake.push(request(fake, "add", MEMBER, "flag-1", comment="我想回来"))
    await fake.wait_for("set_group_add_request", timeout=10)
    answer = fake.made("set_group_add_request")[0]
    assert (answer["flag"], answer["approve"]) == ("flag-1", False)
    assert fake.made("send_private_msg") == []

    await fake.push(fake.group_message(GROUP, OWNER, f"/unban {MEMBER}", message_id=1002))
    await told(fake, "已解除封禁")
    await fake.push(fake.group_message(GROUP, OWNER, "/captcha on", message_id=1003))
    await told(fake, "新成员验证已开启")
    await fake.push(request(fake, "add", MEMBER, "flag-2"))
    await asked(fake, MEMBER)
    assert len(fake.made("set_group_add_request")) == 1
