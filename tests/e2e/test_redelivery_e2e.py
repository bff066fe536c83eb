"""Redelivered updates: skipped after a restart when handled; webhook answers after handling."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
from telegram import Update

from bot.platforms.telegram.app import TelegramBot
from core.events import Event
from storage.receipts import Receipt
from tests.e2e.conftest import GROUP, SECRET, BotFactory, webhook_bot
from tests.fakes import FakeBotApi, make_user

MEMBER = make_user(4711, "Lin")
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def checkins(tmp_path: Path) -> int:
    """Check-in credits in the points ledger."""
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.db")) as db:
        return int(
            db.execute("SELECT COUNT(*) FROM points_ledger WHERE kind='checkin'").fetchone()[0]
        )


async def test_a_checkin_delivered_again_after_a_restart_is_not_answered_again(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """Telegram sends an update again when the bot died before confirming it: skip it."""
    # The first bot "dies" after handling: it stops polling and never stores or prunes again.
    first = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    update_id = api.push_update(api.message_update(GROUP, MEMBER, "签到"))
    await api.wait_for("sendMessage", predicate=lambda c: "Lin" in c.params["text"])
    assert first.poller is not None
    await first.poller.stop()
    sent = len(api.calls_to("sendMessage"))

    again = await start_bot()
    assert again.intake is not None and again.ledger is not None
    assert again.ledger.horizon == update_id
    redelivered = api.message_update(GROUP, MEMBER, "签到")
    redelivered["update_id"] = update_id
    assert again.intake.submit(Update.de_json(redelivered, again.application.bot))
    await again.intake.wait_handled(update_id)
    # A new check-in the same day is answered "already" - the redelivery got no answer at all.
    api.push_update(api.message_update(GROUP, MEMBER, "签到"))
    calls = await api.wait_for("sendMessage", sent + 1)
    assert len(calls) == sent + 1
    assert "已经签到过了" in calls[-1].params["text"]
    assert checkins(tmp_path) == 1


class Gate:
    """Holds every event in the dispatcher until opened; notes when one arrived."""

    def __init__(self, bot: TelegramBot) -> None:
        assert bot.core is not None
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.handled = 0
        dispatcher = bot.core.dispatcher
        handle = dispatcher.handle

        async def held(event: Event, receipt: Receipt | None = None) -> None:
            self.entered.set()
            await self.opened.wait()
            await handle(event, receipt)
            self.handled += 1

        dispatcher.handle = held  # type: ignore[method-assign]


async def post(url: str, update: dict[str, Any]) -> int:
    """POST an update as Telegram does; the answer's status."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=update, headers={HEADER: SECRET}) as response,
    ):
        return response.status


async def test_webhook_answers_telegram_only_after_the_update_was_handled(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """A crash before the answer makes Telegram send the update again: nothing is lost."""
    bot, url = await webhook_bot(start_bot)
    gate = Gate(bot)
    update = api.message_update(GROUP, MEMBER, "签到")
    update["update_id"] = 777
    answer = asyncio.create_task(post(url, update))
    await gate.entered.wait()
    # While handling is held, no answer comes (an early answer would show within this wait).
    await asyncio.wait({answer}, timeout=0.5)
    assert not answer.done()
    gate.opened.set()
    assert await answer == 200
    assert checkins(tmp_path) == 1  # stored before the answer


async def test_webhook_update_sent_twice_is_handled_once(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """Telegram retries a slow call, and sends again when it missed our answer."""
    bot, url = await webhook_bot(start_bot)
    gate = Gate(bot)
    update = api.message_update(GROUP, MEMBER, "签到")
    update["update_id"] = 778
    first = asyncio.create_task(post(url, update))
    await gate.entered.wait()
    retry = asyncio.create_task(post(url, update))  # while the first is in flight
    await asyncio.sleep(0)
    gate.opened.set()
    assert await asyncio.gather(first, retry) == [200, 200]
    assert await post(url, update) == 200  # after it was handled
    assert gate.handled == 1
    assert checkins(tmp_path) == 1
    await api.wait_for("sendMessage", predicate=lambda c: "Lin" in c.params["text"])
    texts = [c.params["text"] for c in api.calls_to("sendMessage")]
    assert not any("已经签到过了" in text for text in texts)


async def test_webhook_update_arriving_while_stopping_gets_503(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """Not taken, not acknowledged: Telegram keeps it and sends it again after the restart."""
    bot, url = await webhook_bot(start_bot)
    assert bot.intake is not None
    await bot.intake.settle(0)  # what stop() does first
    update = api.message_update(GROUP, MEMBER, "签到")
    update["update_id"] = 779
    assert await post(url, update) == 503
    assert checkins(tmp_path) == 0


async def test_a_parked_update_is_handled_after_a_crash(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path
) -> None:
    """A handler stuck for good: its update is parked, confirmed, and after a restart done."""
    first = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    Gate(first)  # never opened: the first process never finishes this update
    update_id = api.push_update(api.message_update(GROUP, MEMBER, "签到"))
    # Parked: Telegram was told to forget it although it was not handled.
    await api.wait_for("getUpdates", predicate=lambda c: c.params.get("offset") == update_id + 1)
    assert api.pending_updates == []
    assert first.poller is not None
    await first.poller.stop()  # the first process "dies" here

    again = await start_bot()
    await api.wait_for("sendMessage", predicate=lambda c: "Lin" in c.params["text"])
    assert checkins(tmp_path) == 1
    assert again.intake is not None
    await again.stop()
    assert api.calls_to("sendMessage")[-1].params["text"].count("Lin") == 1
