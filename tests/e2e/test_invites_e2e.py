"""Invite points end to end on Telegram: fake Bot API <-> real application <-> SQLite.

A member's /invitelink is a real createChatInviteLink; a newcomer joining through it (the
chat_member update's invite_link) is credited to its owner, who is paid through the points
ledger once the newcomer stayed stay_days and posted. The clock is moved by hand and the
leading process's payment pass run by hand, as its timer would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import bot.platforms.telegram.app as telegram_platform
from bot.app import build_core
from bot.platforms.telegram.app import TelegramBot
from handlers.activity import ActivityTracker
from handlers.invites.feature import Invites
from storage.points import PointsRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import make_user
from tests.schedule_support import Clock

NEWBIE = make_user(311, "<b>Neo</b>")
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Every core the bot builds runs on this clock from its start."""
    hand = Clock(START)

    def clocked(*args: Any, **kwargs: Any) -> Any:
        core = build_core(*args, **kwargs)
        core.runtime.clock = hand
        return core

    monkeypatch.setattr(telegram_platform, "build_core", clocked)
    yield hand


def feature(bot: TelegramBot, kind: type[Any]) -> Any:
    assert bot.core is not None
    return next(f for f in bot.core.dispatcher.features if isinstance(f, kind))


async def test_link_join_is_credited_after_stay_days(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    bot = await start_bot()
    refused = await command(api, MEMBER, "/setinvite points=20")
    assert "只有群管理员" in refused
    saved = await command(api, ADMIN_ID, "/setinvite points=20 stay_days=3 require=message")
    assert "20" in saved and "3 天" in saved

    answer = await command(api, MEMBER, "/invitelink")
    (made,) = api.calls_to("createChatInviteLink")
    assert made.params["name"] == "Mallory" and not made.params["creates_join_request"]
    (link,) = api.chat(GROUP).invite_links
    assert link in answer
    assert link in await command(api, MEMBER, "/invitelink")
    assert len(api.calls_to("createChatInviteLink")) == 1

    clock.now += timedelta(minutes=1)
    api.push_update(api.link_join_update(GROUP, NEWBIE, link))
    await api.wait_for("sendMessage", predicate=lambda c: "Neo" in c.params["text"])
    assert "待结算" in await command(api, MEMBER, "/invites")

    payer = feature(bot, Invites).payer
    clock.now += timedelta(days=3, minutes=5)
    await command(api, NEWBIE, "/invites")  # the newcomer posts (a command counts)
    await feature(bot, ActivityTracker).flush()
    assert await payer.pay() == 1
    paid = await api.wait_for("sendMessage", predicate=lambda c: "获得 20 积分" in c.params["text"])
    assert "&lt;b&gt;Neo&lt;/b&gt;" in paid[-1].params["text"]
    assert await payer.pay() == 0
    async with bot.store.unit() as uow:
        account = await PointsRepository(uow).account(GROUP, MEMBER["id"])
        ledger = await PointsRepository(uow).ledger(GROUP, MEMBER["id"], 10)
    assert account is not None and account.balance == 20
    assert [(row.kind, row.delta) for row in ledger] == [("invite", 20)]
    assert "已发放 20 分" in await command(api, MEMBER, "/invites")

    assert "已作废" in await command(api, MEMBER, "/revokelink")
    (revoked,) = api.calls_to("revokeChatInviteLink")
    assert (
        revoked.params["invite_link"] == link and api.chat(GROUP).invite_links[link]["is_revoked"]
    )
