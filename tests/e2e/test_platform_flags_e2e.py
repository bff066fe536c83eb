"""Telegram's service accounts stay in the Telegram platform: a linked channel's posts and
posts made as a channel reach moderation as neutral flags, end to end."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN_ID, BotFactory
from tests.e2e.test_moderation_e2e import deleted, mutes, post, said, settle
from tests.e2e.test_welcome_e2e import command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import CHANNEL_BOT_ID

LINKED = {"id": -1003000000009, "type": "channel", "title": "Our News"}
OTHER_CHANNEL = {"id": -1003000000003, "type": "channel", "title": "Deals"}
SERVICE_ACCOUNT = 777000


async def test_a_linked_channel_post_is_left_alone_and_a_channel_post_only_deleted(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """With links banned, the group's own channel post stays; another channel's link post is
    deleted, and there is nobody to warn or mute for it."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "Links are deleted" in await command(api, ADMIN_ID, "/antilink on")
    linked = post(
        api,
        SERVICE_ACCOUNT,
        "new release: https://news.example.io/post",
        sender_chat=LINKED,
        extra={"is_automatic_forward": True},
    )
    channel = post(api, None, "cheap stuff at shop.vip", sender_chat=OTHER_CHANNEL)
    await settle(api)
    gone = deleted(api)
    assert linked not in gone
    assert channel in gone
    assert mutes(api, CHANNEL_BOT_ID) == []
    assert not any("warned" in text for text in said(api))
