"""Webhook mode through the real application: bodies that are no update get 200 and one line."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from tests.e2e.conftest import GROUP, SECRET, BotFactory, webhook_bot
from tests.fakes import FakeBotApi, make_user

BOB = make_user(201, "Bob")
HEADER = "X-Telegram-Bot-Api-Secret-Token"
MALFORMED = [
    b"{}",
    b'{"update_id": "x"}',
    b"[1, 2]",
    b'{"update_id": 1, "message": {"message_id": 1, "date": 0}}',
    b'{"update_id": 2, "message": {"message_id": 1, "date": 0, "chat": {"id": 5}}}',
    b'{"update_id": 3, "chat_member": {"chat": {"id": 5, "type": "group"}}}',
    # Passes the shape check; python-telegram-bot cannot decode the replied-to message.
    b'{"update_id": 4, "message": {"message_id": 1, "date": 0,'
    b' "chat": {"id": 5, "type": "group"}, "reply_to_message": {"message_id": 2}}}',
]


async def test_malformed_bodies_are_dropped_and_a_valid_update_still_works(
    api: FakeBotApi, start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    _, url = await webhook_bot(start_bot)
    caplog.set_level(logging.INFO)
    async with aiohttp.ClientSession() as http:
        for body in MALFORMED:
            async with http.post(url, data=body, headers={HEADER: SECRET}) as response:
                assert response.status == 200, body
        update = api.new_members_update(GROUP, [BOB])
        async with http.post(url, json=update, headers={HEADER: SECRET}) as response:
            assert response.status == 200
    calls = await api.wait_for("sendMessage")
    assert "Bob" in calls[0].params["text"]
    dropped = [r for r in caplog.records if "dropped a body that is not an update" in r.message]
    assert len(dropped) == len(MALFORMED)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
