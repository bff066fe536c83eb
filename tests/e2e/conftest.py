"""End-to-end harness: the real application, in-process, against the fake Bot API."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.platforms.telegram.app import TelegramBot
from bot.settings import Settings, load_settings
from tests.fakes import FakeBotApi

TOKEN = "123456:TEST-not-a-real-token"
GROUP = -1001000000001
ADMIN_ID = 100
OWNER_ID = 4242

SECRET = "s3cret-Token_1"

BotFactory = Callable[..., Awaitable[TelegramBot]]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def webhook_bot(start_bot: BotFactory) -> tuple[TelegramBot, str]:
    """The real bot in webhook mode on a free local port, and the URL Telegram would call."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    bot = await start_bot(
        BOT_TELEGRAM__MODE="webhook",
        BOT_WEBHOOK__URL=url,
        BOT_WEBHOOK__LISTEN="127.0.0.1",
        BOT_WEBHOOK__PORT=str(port),
        BOT_WEBHOOK__SECRET_TOKEN=SECRET,
    )
    return bot, url


def e2e_settings(api: FakeBotApi, tmp_path: Path, **overrides: str) -> Settings:
    """Settings pointing at the fake, with short welcome batching so tests stay fast."""
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "BOT_TELEGRAM__BASE_URL": api.base_url,
        "BOT_TELEGRAM__POLL_TIMEOUT": "1",
        "BOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "BOT_WELCOME__BATCH_QUIET_SECONDS": "0.3",
        "BOT_WELCOME__BATCH_MAX_SECONDS": "3",
        "BOT_BOT__OWNER_IDS": str(OWNER_ID),
        **overrides,
    }
    return load_settings(None, env, require_token=True)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API with one group whose admin is ADMIN_ID."""
    async with FakeBotApi() as server:
        server.add_chat(GROUP, title="Test Group", member_count=42)
        server.set_admins(GROUP, [], creator_id=ADMIN_ID)
        yield server


@pytest_asyncio.fixture
async def start_bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotFactory]:
    """Start the real bot (possibly more than once, as a restart); stops them all at the end."""
    running: list[TelegramBot] = []

    async def start(**overrides: Any) -> TelegramBot:
        bot = await TelegramBot.create(e2e_settings(api, tmp_path, **overrides))
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if bot.application.running:
            await bot.stop()
