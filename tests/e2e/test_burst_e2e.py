"""A busy group stays moderated: a burst of check-ins, then an ad and a join, under Telegram's
per-group message limit (the fake Bot API answers 429 past it)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_captcha_e2e import is_captcha, join, setup
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

LIMIT = 6
WINDOW_S = 4
MEMBERS = 15
NEWCOMER = make_user(701, "Newcomer")
ADVERTISER = make_user(702, "Deals")
AD = "加微信 money_888 领免费福利，日赚 500，VX: money_888"
BUDGET = {
    "BOT_OUTBOUND__CHAT_MESSAGES": str(LIMIT),
    "BOT_OUTBOUND__WINDOW_SECONDS": str(WINDOW_S),
    "BOT_OUTBOUND__NORMAL_RESERVE": "2",
    "BOT_OUTBOUND__MERGE_FROM": "3",
}
NAMES = [f"Member {n:02d}" for n in range(MEMBERS)]


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API with a per-group limit like Telegram's (a short window, for speed)."""
    async with FakeBotApi(group_message_limit=LIMIT, group_window_seconds=WINDOW_S) as server:
        server.add_chat(GROUP, title="Test Group", member_count=42)
        server.set_admins(GROUP, [], creator_id=ADMIN_ID)
        yield server


def to_group(call: Call) -> bool:
    return call.params.get("chat_id") == GROUP and call.status == 200


def acknowledged(api: FakeBotApi) -> list[str]:
    """Every mention of a member's name in the group's messages, message by message."""
    texts = [str(c.params["text"]) for c in api.calls_to("sendMessage") if to_group(c)]
    return [name for text in texts for name in NAMES if name in text]


async def until_acknowledged(api: FakeBotApi, timeout: float) -> None:
    """Wait until every member's check-in was answered in some message."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while set(acknowledged(api)) != set(NAMES):
        sent = len(api.calls_to("sendMessage"))
        await api.wait_for("sendMessage", sent + 1, timeout=deadline - loop.time())


def stored_checkins(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        row = db.execute("SELECT COUNT(*) FROM checkins WHERE chat_id = ?", (GROUP,)).fetchone()
    return int(row[0])


async def test_ad_and_captcha_go_before_a_burst_of_queued_check_in_replies(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    await start_bot(**BUDGET)
    await setup(api, "/captcha on")
    for n, name in enumerate(NAMES):
        api.push_update(api.message_update(GROUP, make_user(800 + n, name), "签到"))
    ad = api.message_update(GROUP, ADVERTISER, AD)
    api.push_update(ad)
    join(api, NEWCOMER)
    await until_acknowledged(api, timeout=4 * WINDOW_S)

    calls = api.calls
    ad_deleted = next(
        i
        for i, c in enumerate(calls)
        if c.method == "deleteMessage" and c.params["message_id"] == ad["message"]["message_id"]
    )
    captcha = next(i for i, c in enumerate(calls) if c.method == "sendMessage" and is_captcha(c))
    replies = [
        i
        for i, c in enumerate(calls)
        if c.method == "sendMessage" and to_group(c) and any(n in c.params["text"] for n in NAMES)
    ]
    # The first replies went at once; the ad and the captcha did not wait for the rest.
    assert ad_deleted < replies[-1] and captcha < replies[-1]
    merged = calls[replies[-1]]
    assert sum(name in merged.params["text"] for name in NAMES) > 1
    assert "reply_parameters" not in merged.params
    # Every check-in credited and acknowledged exactly once; Telegram's limit never hit.
    assert sorted(acknowledged(api)) == NAMES
    assert stored_checkins(tmp_path / "bot.db") == MEMBERS
    assert not [c for c in calls if c.status == 429]
    assert len(replies) < MEMBERS
