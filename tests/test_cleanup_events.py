"""Events the cleanup relies on: reactions, and whether the bot (re)joined a group."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update

from bot.platforms.telegram.app import ALLOWED_UPDATES
from bot.platforms.telegram.events import events_from_update
from core.events import BotStatusChanged, Reaction
from tests.fakes import FakeBotApi, make_user

GROUP = -1001000000001
ANN = make_user(11, "Ann")


def convert(raw: dict[str, Any]) -> list[Any]:
    """The neutral events of one raw update."""
    return events_from_update(Update.de_json(raw, Bot("123:FAKE")), "test_group_bot")


def reaction(api: FakeBotApi, **who: Any) -> dict[str, Any]:
    """A message_reaction update (by a user, or anonymous by a chat)."""
    body = {
        "chat": api.chat(GROUP).as_chat(),
        "message_id": 7,
        "date": 1_790_000_000,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        **who,
    }
    return {"update_id": 1, "message_reaction": body}


def test_a_reaction_becomes_an_event_and_is_asked_for() -> None:
    api = FakeBotApi()
    events = convert(reaction(api, user=ANN))
    assert len(events) == 1 and isinstance(events[0], Reaction)
    assert (events[0].user.id, events[0].message_id, events[0].chat.id) == (11, 7, GROUP)
    assert "message_reaction" in ALLOWED_UPDATES


def test_an_anonymous_reaction_credits_nobody() -> None:
    api = FakeBotApi()
    anonymous = {"actor_chat": {"id": GROUP, "type": "supergroup", "title": "G"}}
    assert convert(reaction(api, **anonymous)) == []


@pytest.mark.parametrize(
    ("old", "new", "joined"),
    [
        ("left", "member", True),
        ("kicked", "administrator", True),
        ("member", "administrator", False),
        ("administrator", "member", False),
        ("member", "left", False),
    ],
)
def test_bot_status_says_whether_the_bot_joined(old: str, new: str, joined: bool) -> None:
    api = FakeBotApi()
    (event,) = convert(api.my_chat_member_update(GROUP, old, new))
    assert isinstance(event, BotStatusChanged) and event.joined is joined
