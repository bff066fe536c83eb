"""QQ's member list seeds inactivity end to end: fake OneBot <-> WebSocket <-> app <-> SQLite."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from bot.platforms.onebot.app import OneBotBot
from core.ids import ONEBOT, scoped, scoped_group
from storage.repositories import MemberRepository
from tests.e2e.onebot_support import GROUP, MEMBER, NEWCOMER, OWNER, SELF, sent_text
from tests.fakes.onebot import FakeOneBot

DAY = 86_400
NOW = int(time.time())

pytest_plugins = ["tests.e2e.onebot_fixtures"]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeOneBot]:
    """One group: 小明 last spoke 45 days ago, the newcomer two days ago, both long known."""
    implementation = FakeOneBot(self_id=SELF)
    implementation.members[GROUP] = [
        {"user_id": SELF, "nickname": "bot", "role": "admin", "join_time": NOW - 400 * DAY},
        {
            "user_id": MEMBER,
            "nickname": "xm",
            "card": "小明",
            "role": "member",
            "join_time": NOW - 100 * DAY,
            "last_sent_time": NOW - 45 * DAY,
        },
        {
            "user_id": NEWCOMER,
            "nickname": "新人",
            "role": "member",
            "join_time": NOW - 2 * DAY,
            "last_sent_time": NOW - 2 * DAY,
        },
        {"user_id": OWNER, "nickname": "群主", "role": "owner", "join_time": NOW - 500 * DAY},
    ]
    yield implementation
    await implementation.close()


async def inactive(fake: FakeOneBot, days: int, message_id: int) -> str:
    """The owner asks /inactive in the group; the bot's answer."""
    before = len(fake.made("send_group_msg"))
    await fake.push(fake.group_message(GROUP, OWNER, f"/inactive {days}", message_id=message_id))
    await fake.wait_for("send_group_msg", before + 1, timeout=10)
    return sent_text(fake.made("send_group_msg")[before])


async def test_inactive_lists_who_qq_says_is_silent(fake: FakeOneBot, running: OneBotBot) -> None:
    """The bot never saw 小明 speak; QQ's list says 45 days ago: /inactive 30 lists them."""
    answer = await inactive(fake, 30, 901)
    assert "沉默至少 30 天的成员共 1 人" in answer
    assert "小明 — 最后活跃" in answer and "45 天前" in answer
    assert "新人" not in answer and "群主" not in answer
    assert fake.made("get_group_member_list")[-1] == {"group_id": GROUP}
    assert running.core is not None
    async with running.core.runtime.store.unit() as uow:
        stored = {
            r.user_id: r for r in await MemberRepository(uow).in_chat(scoped_group(ONEBOT, GROUP))
        }
    assert set(stored) == {scoped(ONEBOT, n) for n in (SELF, MEMBER, NEWCOMER, OWNER)}
    member = stored[scoped(ONEBOT, MEMBER)]
    assert member.last_seen == datetime.fromtimestamp(NOW - 45 * DAY, UTC)
    assert member.joined_at == datetime.fromtimestamp(NOW - 100 * DAY, UTC)
    assert member.left_at is None and member.name == "小明"


async def test_inactive_answers_from_the_store_when_the_list_fails(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """get_group_member_list fails: the owner is still known by member info, and the answer
    comes from what the store has (nobody)."""
    fake.fail("get_group_member_list", retcode=100, message="timeout")
    answer = await inactive(fake, 30, 902)
    assert "没有已知成员沉默达 30 天" in answer
    assert "小明" not in answer
