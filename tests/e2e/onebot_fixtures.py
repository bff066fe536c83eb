"""The OneBot end-to-end fixtures: the fake with one QQ group, and the real app on it.

A test module loads them with ``pytest_plugins = ["tests.e2e.onebot_fixtures"]``; the
helpers they go with are in ``tests/e2e/onebot_support.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.platforms.onebot.app import OneBotBot
from bot.settings import load_settings
from tests.e2e.onebot_support import (
    GROUP,
    INJECTION,
    MEMBER,
    NEWCOMER,
    OWNER,
    SELF,
    OneBotFactory,
    database,
    reverse,
)
from tests.fakes.onebot import FakeOneBot


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeOneBot]:
    """The fake implementation with one group: the bot's account, two members, the owner."""
    implementation = FakeOneBot(self_id=SELF)
    implementation.members[GROUP] = [
        {"user_id": SELF, "nickname": "bot", "card": "", "role": "admin"},
        {"user_id": NEWCOMER, "nickname": INJECTION, "card": "", "role": "member"},
        {"user_id": MEMBER, "nickname": "小明", "card": "", "role": "member"},
        {"user_id": OWNER, "nickname": "群主", "card": "", "role": "owner"},
    ]
    yield implementation
    await implementation.close()


@pytest_asyncio.fixture
async def start_onebot(tmp_path: Path) -> AsyncIterator[OneBotFactory]:
    """Start the real app on OneBot alone (again: a restart on the same store)."""
    running: list[OneBotBot] = []

    async def start(**overrides: str) -> OneBotBot:
        env = {
            "BOT_ONEBOT__MODE": "reverse",
            "BOT_ONEBOT__MESSAGE_PACE_SECONDS": "0",
            "BOT_ONEBOT__RECONNECT_SECONDS": "0.1",
            "BOT_DATABASE__URL": f"sqlite+aiosqlite:///{database(tmp_path)}",
            "BOT_WELCOME__BATCH_QUIET_SECONDS": "0.3",
            "BOT_WELCOME__BATCH_MAX_SECONDS": "3",
            **overrides,
        }
        bot = await OneBotBot.create(load_settings(None, env, require_token=True))
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if bot.running:
            await bot.stop()


@pytest_asyncio.fixture
async def running(start_onebot: OneBotFactory, fake: FakeOneBot) -> OneBotBot:
    """The real app in reverse mode, with the fake connected to it."""
    return await reverse(start_onebot, fake)
