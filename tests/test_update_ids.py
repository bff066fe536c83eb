"""Every neutral event carries the id of the Telegram update it came from."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update

from bot.platforms.telegram.events import events_from_update
from core.events import Command, Reaction
from tests.fakes import FakeBotApi
from tests.test_telegram_events import ANN, BOT_NAME, CASES, GROUP, Build

UPDATE_ID = 4242


def _reaction(api: FakeBotApi) -> dict[str, Any]:
    reaction = {
        "chat": api.chat(GROUP).as_chat(),
        "message_id": 5,
        "user": ANN,
        "date": 1_700_000_000,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    return {"update_id": 1, "message_reaction": reaction}


WITH_EVENTS = [c for c in CASES if c[2]] + [("reaction", _reaction, [Reaction], {})]


@pytest.mark.parametrize(
    ("case", "build"), [c[:2] for c in WITH_EVENTS], ids=[c[0] for c in WITH_EVENTS]
)
def test_events_carry_the_update_id(case: str, build: Build) -> None:
    api = FakeBotApi(bot_username=BOT_NAME)
    api.add_chat(GROUP)
    raw = {**build(api), "update_id": UPDATE_ID}
    events = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)
    assert events
    for event in events:
        assert event.update_id == UPDATE_ID
        if isinstance(event, Command):
            assert event.message.update_id == UPDATE_ID
