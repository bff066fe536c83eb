"""Night mode end to end: fake Bot API <-> real application <-> SQLite, on a controlled clock.

The group keeps Shanghai time (UTC+8). The clock is set before the core starts (the wrapper
around ``build_core``), so a restart "at 03:00" really starts at 03:00; the periodic pass
of the leading process is run by hand (``watch.sync()``), as its timer would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

import bot.platforms.telegram.app as telegram_platform
from bot.app import build_core
from bot.platforms.telegram.app import TelegramBot
from handlers.nightmode.feature import NightMode
from handlers.nightmode.watch import NightWatch
from storage.models import NightModeRow
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import SENDING_PERMISSIONS, Call, default_chat_permissions

# Thursday 2026-11-26 in Shanghai, as UTC instants.
NOON = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 12:00
NIGHT = datetime(2026, 11, 26, 15, 0, 30, tzinfo=UTC)  # 23:00:30
LATE = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 03:00
MORNING = datetime(2026, 11, 26, 23, 0, 30, tzinfo=UTC)  # 07:00:30 on the 27th


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Every core the bot builds runs on this clock from its start."""
    hand = Clock(NOON)

    def clocked(*args: Any, **kwargs: Any) -> Any:
        core = build_core(*args, **kwargs)
        core.runtime.clock = hand
        return core

    monkeypatch.setattr(telegram_platform, "build_core", clocked)
    yield hand


def watch(bot: TelegramBot) -> NightWatch:
    assert bot.core is not None
    (feature,) = [f for f in bot.core.dispatcher.features if isinstance(f, NightMode)]
    return feature.watch


def notice(api: FakeBotApi, words: str) -> list[Call]:
    """Messages to the group containing ``words``."""
    return [
        c
        for c in api.calls_to("sendMessage")
        if c.params.get("chat_id") == GROUP and words in c.params["text"]
    ]


async def stored(bot: TelegramBot) -> NightModeRow | None:
    async with bot.store.unit() as uow:
        session = await uow.session()
        return (await session.scalars(select(NightModeRow))).first()


def custom_permissions(api: FakeBotApi) -> dict[str, bool]:
    """The group's own permissions (no polls, no invites), as admins set them before."""
    permissions = default_chat_permissions()
    permissions.update(can_send_polls=False, can_invite_users=False)
    api.chat(GROUP).permissions = dict(permissions)
    return permissions


async def test_night_closes_survives_a_restart_and_reopens_as_before(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    original = custom_permissions(api)
    bot = await start_bot()
    answer = await command(api, ADMIN_ID, "/nightmode 23:00-07:00")
    assert "夜间模式已开启" in answer and "2026-11-26 23:00" in answer and "Asia/Shanghai" in answer
    assert api.calls_to("setChatPermissions") == []
    assert "下次关闭时间：2026-11-26 23:00" in await command(api, ADMIN_ID, "/nightmode")

    clock.now = NIGHT
    await watch(bot).sync()
    (closing,) = api.calls_to("setChatPermissions")
    closed = api.chat(GROUP).permissions
    assert not any(closed[flag] for flag in SENDING_PERMISSIONS), "members may not post at night"
    assert closed["can_invite_users"] is False and closed["can_react_to_messages"] is True
    (good_night,) = await api.wait_for(
        "sendMessage", predicate=lambda c: "晚安" in c.params["text"]
    )
    assert "07:00" in good_night.params["text"]
    assert "已在夜间关闭" in await command(api, ADMIN_ID, "/nightmode")

    # A restart in the middle of the night: the group stays closed, nothing is read again
    # (the permissions now are the closed ones) and the originals are kept.
    await bot.stop()
    clock.now = LATE
    bot = await start_bot()
    assert len(api.calls_to("setChatPermissions")) == 1
    row = await stored(bot)
    assert row is not None and row.closed_at is not None
    assert row.saved_rights is not None and row.saved_rights["polls"] is False

    clock.now = MORNING
    await watch(bot).sync()
    assert len(api.calls_to("setChatPermissions")) == 2
    assert api.chat(GROUP).permissions == original
    await api.wait_for("sendMessage", predicate=lambda c: "早上好" in c.params["text"])
    assert closing.params["use_independent_chat_permissions"] is True
    # Nothing more to do until the next night.
    await watch(bot).sync()
    assert len(api.calls_to("setChatPermissions")) == 2 and len(notice(api, "早上好")) == 1


async def test_restart_after_the_night_ended_reopens_at_once(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    original = custom_permissions(api)
    bot = await start_bot()
    await command(api, ADMIN_ID, "/nightmode 23:00-07:00")
    clock.now = NIGHT
    await watch(bot).sync()
    await bot.stop()
    # Down all night: the leader reopens the group as soon as it starts.
    clock.now = MORNING
    await start_bot()
    await api.wait_for("setChatPermissions", 2)
    assert api.chat(GROUP).permissions == original


async def test_set_inside_the_night_closes_now_and_off_reopens_now(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    clock.now = LATE
    await start_bot()
    answer = await command(api, ADMIN_ID, "/nightmode 22:30到06:00")
    assert "马上关闭" in answer and "2026-11-27 06:00" in answer
    await api.wait_for("setChatPermissions")
    assert api.chat(GROUP).permissions["can_send_messages"] is False
    await api.wait_for("sendMessage", predicate=lambda c: "晚安" in c.params["text"])

    answer = await command(api, ADMIN_ID, "/nightmode off")
    assert "现在重新开放" in answer
    await api.wait_for("setChatPermissions", 2)
    assert api.chat(GROUP).permissions == default_chat_permissions()
    assert "夜间模式未开启" in await command(api, ADMIN_ID, "/nightmode")
    assert notice(api, "早上好") == [], "the answer to /nightmode off says it already"


async def test_missing_right_is_told_once_and_retried_when_rights_change(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    api.set_bot_rights(GROUP, can_restrict_members=False)
    bot = await start_bot()
    await command(api, ADMIN_ID, "/nightmode 23:00-07:00")
    clock.now = NIGHT
    await watch(bot).sync()
    await api.wait_for("sendMessage", predicate=lambda c: "封禁/限制成员" in c.params["text"])
    await watch(bot).sync()
    await watch(bot).sync()
    # Tried once this night, told once; the group is open and not marked closed.
    assert len(api.calls_to("setChatPermissions")) == 1
    assert len(notice(api, "封禁/限制成员")) == 1 and notice(api, "晚安") == []
    row = await stored(bot)
    assert row is not None and row.closed_at is None
    assert "没能关闭群聊" in await command(api, ADMIN_ID, "/nightmode")

    # An admin grants the right: the bot's status change makes it try again at once.
    api.set_bot_rights(GROUP)
    api.push_update(api.my_chat_member_update(GROUP, "administrator", "administrator"))
    await api.wait_for("setChatPermissions", 2)
    await api.wait_for("sendMessage", predicate=lambda c: "晚安" in c.params["text"])
    assert api.chat(GROUP).permissions["can_send_messages"] is False


@pytest.mark.parametrize(
    "text", ["/nightmode 25:00-07:00", "/nightmode tonight", "/nightmode 23:00"]
)
async def test_bad_input_is_a_translated_usage_error_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock, text: str
) -> None:
    bot = await start_bot()
    answer = await command(api, ADMIN_ID, text)
    assert "不是夜间时段" in answer and "/nightmode 23:00-07:00" in answer
    assert await stored(bot) is None
    await command(api, ADMIN_ID, "/lang en")
    answer = await command(api, ADMIN_ID, text)
    assert "is not a night period" in answer


async def test_members_are_refused(api: FakeBotApi, start_bot: BotFactory, clock: Clock) -> None:
    bot = await start_bot()
    for text in ("/nightmode", "/nightmode 23:00-07:00", "/nightmode off"):
        assert "只有群管理员" in await command(api, MEMBER, text), text
    assert await stored(bot) is None
    clock.now = NIGHT
    await watch(bot).sync()
    assert api.calls_to("setChatPermissions") == []


async def test_english_notices_and_group_zone_with_dst(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    """New York keeps DST: 22:00 local is 03:00 UTC in winter (EST)."""
    clock.now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 12:00 EST
    bot = await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    await command(api, ADMIN_ID, "/settimezone America/New_York")
    answer = await command(api, ADMIN_ID, "/nightmode 22:00-06:00")
    assert "America/New_York" in answer and "First closing: 2026-11-25 22:00" in answer
    clock.now = datetime(2026, 11, 26, 2, 59, tzinfo=UTC)  # 21:59 EST
    await watch(bot).sync()
    assert api.calls_to("setChatPermissions") == []
    clock.now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 22:00 EST
    await watch(bot).sync()
    (closed,) = await api.wait_for(
        "sendMessage", predicate=lambda c: "Good night" in c.params["text"]
    )
    assert "closed until 06:00 (America/New_York)" in closed.params["text"]
    clock.now = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # 06:00 EST
    await watch(bot).sync()
    await api.wait_for("sendMessage", predicate=lambda c: "Good morning" in c.params["text"])
    assert api.chat(GROUP).permissions == default_chat_permissions()
