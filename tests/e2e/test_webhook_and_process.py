"""Webhook mode through the real application, and `python -m bot run` as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.e2e.conftest import GROUP, SECRET, TOKEN, BotFactory, webhook_bot
from tests.fakes import FakeBotApi, make_user

BOB = make_user(201, "Bob")


async def test_webhook_checks_the_secret_and_serves_updates(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Wrong or missing secret: 403 and nothing happens; right secret: the update is handled."""
    _, url = await webhook_bot(start_bot)
    registered = api.calls_to("setWebhook")[-1].params
    assert registered["url"] == url and registered["secret_token"] == SECRET
    assert "chat_member" in registered["allowed_updates"]
    update = api.new_members_update(GROUP, [BOB])
    header = "X-Telegram-Bot-Api-Secret-Token"
    async with aiohttp.ClientSession() as http:
        for headers in ({header: "wrong"}, {}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        await asyncio.sleep(0.8)
        assert api.calls_to("sendMessage") == []
        async with http.post(url, json=update, headers={header: SECRET}) as response:
            assert response.status == 200
        async with http.get(url.replace("/telegram/hook", "/healthz")) as response:
            assert response.status == 200
    calls = await api.wait_for("sendMessage")
    assert "Bob" in calls[0].params["text"]
    assert api.calls_to("getUpdates") == []


async def test_run_as_a_process_welcomes_and_stops_cleanly(api: FakeBotApi, tmp_path: Path) -> None:
    """`python -m bot run` migrates, polls, welcomes, and exits 0 on SIGTERM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        BOT_TELEGRAM__BASE_URL=api.base_url,
        BOT_TELEGRAM__POLL_TIMEOUT="1",
        BOT_WELCOME__BATCH_QUIET_SECONDS="0.3",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await api.wait_for("getUpdates", timeout=30)
        api.push_update(api.new_members_update(GROUP, [BOB]))
        calls = await api.wait_for("sendMessage", timeout=10)
        assert "Bob" in calls[0].params["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert (tmp_path / "data" / "bot.db").exists()
