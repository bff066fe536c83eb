"""Group permissions through the real TelegramPort and PTB against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot, ChatPermissions
from telegram.error import BadRequest

from bot.platforms.telegram.port import TelegramPort
from core.chat import SENDING_RIGHTS, ChatRights, MissingRight
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import default_chat_permissions

TOKEN = "123:FAKE"
GROUP = -1001234567000
USER = 4321


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        server.add_chat(GROUP)
        server.set_admins(GROUP, [], creator_id=100)
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


async def test_permissions_are_read_in_neutral_words(api: FakeBotApi, bot: Bot) -> None:
    api.chat(GROUP).permissions.update(can_send_polls=False, can_pin_messages=True)
    rights = await TelegramPort(bot).chat_permissions(GROUP)
    assert rights is not None
    assert rights.messages and rights.photos and not rights.polls and rights.pin_messages
    assert rights.invite_users and not rights.change_info and rights.may_send


async def test_closing_and_restoring_round_trips_exactly(api: FakeBotApi, bot: Bot) -> None:
    port = TelegramPort(bot)
    api.chat(GROUP).permissions.update(can_send_polls=False, can_invite_users=False)
    before = dict(api.chat(GROUP).permissions)
    rights = await port.chat_permissions(GROUP)
    assert rights is not None
    await port.set_chat_permissions(GROUP, rights.without_sending())
    closed = api.chat(GROUP).permissions
    assert not any(closed[f] for f in closed if f.startswith("can_send") or "preview" in f)
    assert closed["can_react_to_messages"] and not closed["can_invite_users"]
    assert await port.chat_permissions(GROUP) == rights.without_sending()
    await port.set_chat_permissions(GROUP, rights)
    assert api.chat(GROUP).permissions == before


async def test_setting_what_is_set_already_is_not_an_error(api: FakeBotApi, bot: Bot) -> None:
    port = TelegramPort(bot)
    rights = await port.chat_permissions(GROUP)
    assert rights is not None
    await port.set_chat_permissions(GROUP, rights)  # Telegram: 400 CHAT_NOT_MODIFIED
    (call,) = api.calls_to("setChatPermissions")
    assert call.status == 400


async def test_without_the_right_it_is_a_missing_right(api: FakeBotApi, bot: Bot) -> None:
    api.set_bot_rights(GROUP, can_restrict_members=False)
    with pytest.raises(MissingRight) as caught:
        await TelegramPort(bot).set_chat_permissions(GROUP, ChatRights())
    assert caught.value.right == "restrict"
    assert api.chat(GROUP).permissions == default_chat_permissions()


async def test_a_private_chat_has_no_group_permissions(bot: Bot) -> None:
    assert await TelegramPort(bot).chat_permissions(USER) is None


async def test_the_fake_lets_polls_imply_messages_unless_independent(
    api: FakeBotApi, bot: Bot
) -> None:
    await bot.set_chat_permissions(GROUP, ChatPermissions(can_send_polls=True))
    assert api.chat(GROUP).permissions["can_send_messages"] is True
    await bot.set_chat_permissions(
        GROUP, ChatPermissions(can_send_polls=True), use_independent_chat_permissions=True
    )
    assert api.chat(GROUP).permissions["can_send_messages"] is False
    with pytest.raises(BadRequest, match=r"(?i)chat_not_modified"):
        await bot.set_chat_permissions(
            GROUP, ChatPermissions(can_send_polls=True), use_independent_chat_permissions=True
        )


def test_every_sending_right_is_a_field() -> None:
    rights = ChatRights(**dict.fromkeys(SENDING_RIGHTS, True))
    assert rights.may_send and not rights.without_sending().may_send
    assert ChatRights.from_dict({**rights.as_dict(), "unknown_flag": True}) == rights
