"""The running bot keeps its heartbeat file fresh and removes it when it stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram.error import InvalidToken

from bot.heartbeat import check
from tests.e2e.conftest import BotFactory
from tests.fakes import FakeBotApi


async def test_running_bot_is_healthy_and_a_stopped_one_is_not(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    path = tmp_path / "heartbeat"
    bot = await start_bot(BOT_BOT__HEARTBEAT_FILE=str(path))
    assert check(path).healthy
    await bot.stop()
    assert not path.exists()
    assert check(path).reason == "no heartbeat file: the bot is not running"


async def test_a_refused_token_ends_the_run_and_the_heartbeat(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """Telegram answers 401 to getUpdates: polling stops, run() raises, health turns bad."""
    path = tmp_path / "heartbeat"
    bot = await start_bot(BOT_BOT__HEARTBEAT_FILE=str(path))
    api.fail_next("getUpdates", status=401, description="Unauthorized")
    await asyncio.wait_for(bot.wait(asyncio.Event()), 10)
    assert isinstance(bot.failure(), InvalidToken)
    assert not bot.is_receiving()
