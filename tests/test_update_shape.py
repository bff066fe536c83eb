"""The check of a webhook body before it is queued: updates pass, anything else says why."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.platforms.telegram.update_shape import update_problem
from tests.fakes import make_user

USER = make_user(201, "Bob")
CHAT = {"id": -1001000000001, "type": "supergroup", "title": "Test Group"}
MESSAGE = {"message_id": 7, "date": 1_700_000_000, "chat": CHAT, "from": USER, "text": "hi"}
MEMBER = {"user": USER, "status": "member"}
LEFT = {"user": USER, "status": "left"}
CHANGE = {
    "chat": CHAT,
    "from": USER,
    "date": 1_700_000_000,
    "old_chat_member": LEFT,
    "new_chat_member": MEMBER,
}

GOOD: list[dict[str, Any]] = [
    {"update_id": 1},
    {"update_id": 0, "message": MESSAGE},
    {"update_id": 2, "edited_message": {**MESSAGE, "edit_date": 1_700_000_001}},
    {"update_id": 3, "channel_post": {k: v for k, v in MESSAGE.items() if k != "from"}},
    {"update_id": 4, "chat_member": CHANGE},
    {"update_id": 5, "my_chat_member": CHANGE},
    {
        "update_id": 6,
        "chat_join_request": {"chat": CHAT, "from": USER, "date": 1, "user_chat_id": 2},
    },
    {
        "update_id": 7,
        "callback_query": {"id": "q1", "from": USER, "chat_instance": "i", "data": "x"},
    },
    {
        "update_id": 8,
        "message_reaction": {
            "chat": CHAT,
            "message_id": 7,
            "date": 1,
            "user": USER,
            "old_reaction": [],
            "new_reaction": [],
        },
    },
    # A kind of update the bot does not ask for is still an update (dropped later, quietly).
    {"update_id": 9, "inline_query": {"id": "i", "from": USER, "query": "", "offset": ""}},
]


@pytest.mark.parametrize("data", GOOD)
def test_updates_pass(data: dict[str, Any]) -> None:
    assert update_problem(data) is None


@pytest.mark.parametrize("data", GOOD)
def test_what_passes_is_decoded_by_the_library(data: dict[str, Any]) -> None:
    """Every body the check lets through also decodes as a python-telegram-bot Update."""
    assert Update.de_json(data, None).update_id == data["update_id"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([1, 2], "a JSON array, not an object"),
        ("update", "a JSON string, not an object"),
        (12, "a JSON number, not an object"),
        (None, "a JSON null, not an object"),
        (True, "a JSON boolean, not an object"),
        ({}, "no whole-number update_id"),
        ({"update_id": "x"}, "no whole-number update_id"),
        ({"update_id": 1.5}, "no whole-number update_id"),
        ({"update_id": True}, "no whole-number update_id"),
        ({"update_id": -1}, "no whole-number update_id"),
        ({"update_id": 1, "message": "hi"}, "message is not an object"),
        ({"update_id": 1, "message": [MESSAGE]}, "message is not an object"),
        ({"update_id": 1, "poll": 3}, "poll is not an object"),
        (
            {"update_id": 1, "message": {"message_id": 1, "date": 0}},
            "message has no chat",
        ),
        (
            {"update_id": 1, "message": {**MESSAGE, "chat": {"id": "x", "type": "group"}}},
            "message.chat has no id or type",
        ),
        (
            {"update_id": 1, "message": {**MESSAGE, "chat": {"id": 1}}},
            "message.chat has no id or type",
        ),
        (
            {"update_id": 1, "edited_message": {"chat": CHAT, "date": 0}},
            "edited_message has no message_id or date",
        ),
        (
            {"update_id": 1, "message": {**MESSAGE, "from": {"id": 1}}},
            "message.from is not a user",
        ),
        (
            {"update_id": 1, "message": {**MESSAGE, "from": "Bob"}},
            "message has no sender",
        ),
        (
            {"update_id": 1, "chat_member": {k: v for k, v in CHANGE.items() if k != "from"}},
            "chat_member has no sender",
        ),
        (
            {"update_id": 1, "chat_member": {**CHANGE, "new_chat_member": None}},
            "chat_member has no new_chat_member",
        ),
        (
            {"update_id": 1, "my_chat_member": {**CHANGE, "date": "now"}},
            "my_chat_member has no date",
        ),
        (
            {"update_id": 1, "chat_join_request": {"from": USER, "date": 1}},
            "chat_join_request has no chat",
        ),
        ({"update_id": 1, "callback_query": {"from": USER}}, "callback_query has no id"),
        (
            {"update_id": 1, "callback_query": {"id": "q", "from": USER, "message": 5}},
            "callback_query.message is not an object",
        ),
        (
            {"update_id": 1, "message_reaction": {"chat": CHAT, "date": 1}},
            "message_reaction has no message_id or date",
        ),
    ],
)
def test_not_an_update(data: object, problem: str) -> None:
    assert update_problem(data) == problem
