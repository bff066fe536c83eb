"""Turning Telegram updates into neutral events: one table of cases, no network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from telegram import Bot, Update

from bot.platforms.telegram.events import chat_key, events_from_update
from core.events import (
    AdminsChanged,
    Attachment,
    BotStatusChanged,
    ButtonPress,
    Command,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    Message,
)
from tests.fakes import FakeBotApi, make_user

GROUP = -1001000000001
ANN = make_user(11, "Ann", "Lee", username="ann")
BEN = make_user(12, "Ben")
BOT_NAME = "test_group_bot"

Build = Callable[[FakeBotApi], dict[str, Any]]


def _edited(api: FakeBotApi) -> dict[str, Any]:
    update = api.message_update(GROUP, ANN, "/help edited")
    return {"update_id": update["update_id"], "edited_message": update["message"]}


def _photo(api: FakeBotApi) -> dict[str, Any]:
    photo = [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]
    return api.message_update(GROUP, ANN, "", extra={"photo": photo})


def _document(api: FakeBotApi, caption: str | None = None) -> dict[str, Any]:
    doc = api.upload(b'{"a": 1}', "replies.json")
    return api.message_update(GROUP, ANN, "", caption=caption, extra={"document": doc})


CASES: list[tuple[str, Build, list[type], dict[str, Any]]] = [
    ("text", lambda a: a.message_update(GROUP, ANN, "hello"), [Message], {"text": "hello"}),
    ("command", lambda a: a.message_update(GROUP, ANN, "/help me"), [Command], {"name": "help"}),
    (
        "command for us",
        lambda a: a.message_update(GROUP, ANN, f"/Rules@{BOT_NAME}"),
        [Command],
        {"name": "rules"},
    ),
    (
        "command for another bot",
        lambda a: a.message_update(GROUP, ANN, "/help@x_bot"),
        [Message],
        {},
    ),
    ("edited", _edited, [Message], {"edited": True}),
    ("photo", _photo, [Message], {"has_media": True, "text": "", "document": None}),
    ("document", _document, [Message], {"has_media": True, "text": ""}),
    (
        "document with a command caption",
        lambda a: _document(a, "/importreplies"),
        [Command],
        {"name": "importreplies"},
    ),
    (
        "two newcomers",
        lambda a: a.new_members_update(GROUP, [ANN, BEN]),
        [MemberJoined, MemberJoined],
        {},
    ),
    ("left", lambda a: a.left_member_update(GROUP, ANN), [MemberLeft], {}),
    ("joined", lambda a: a.chat_member_update(GROUP, ANN, "left", "member"), [MemberJoined], {}),
    (
        "joined through a link",
        lambda a: a.link_join_update(GROUP, ANN, "https://t.me/+own"),
        [MemberJoined],
        {"invite_link": "https://t.me/+own", "added_by": None, "by_request": False},
    ),
    ("kicked", lambda a: a.chat_member_update(GROUP, ANN, "member", "kicked"), [MemberLeft], {}),
    (
        "promoted",
        lambda a: a.chat_member_update(GROUP, ANN, "member", "administrator"),
        [AdminsChanged],
        {},
    ),
    (
        "muted stays",
        lambda a: a.chat_member_update(GROUP, ANN, "member", "restricted", extra={}),
        None,
        {},
    ),
    (
        "bot made admin",
        lambda a: a.my_chat_member_update(GROUP, "member", "administrator"),
        [BotStatusChanged],
        {"is_admin": True},
    ),
    (
        "button",
        lambda a: a.callback_query_update(GROUP, ANN, "vote:1", 77),
        [ButtonPress],
        {"data": "vote:1", "message_id": 77},
    ),
    ("join request", lambda a: a.join_request_update(GROUP, BEN), [JoinRequest], {"comment": ""}),
    (
        "join request with a bio",
        lambda a: a.join_request_update(GROUP, BEN, bio="加V abc_123"),
        [JoinRequest],
        {"comment": "加V abc_123"},
    ),
]


@pytest.fixture(scope="module")
def api() -> FakeBotApi:
    """The fake's update builders (its server is not started)."""
    return FakeBotApi(bot_username=BOT_NAME)


@pytest.fixture(scope="module")
def bot() -> Bot:
    """A Bot object only for de_json; it never connects."""
    return Bot("123:FAKE")


@pytest.mark.parametrize(("case", "build", "kinds", "fields"), CASES, ids=[c[0] for c in CASES])
def test_conversion(
    api: FakeBotApi,
    bot: Bot,
    case: str,
    build: Build,
    kinds: list[type] | None,
    fields: dict[str, Any],
) -> None:
    """Each update becomes the expected events, in the right chat, with the right fields."""
    update = Update.de_json(build(api), bot)
    events = events_from_update(update, BOT_NAME)
    if kinds is None:
        assert all(not isinstance(e, MemberJoined | MemberLeft) for e in events)
        return
    assert [type(e) for e in events] == kinds
    for event in events:
        assert event.chat.id == GROUP
        for name, value in fields.items():
            assert getattr(event, name) == value
    assert chat_key(update) == GROUP


def test_service_message_ids_and_names() -> None:
    """A join service message carries its id (for /cleanservice) and full names."""
    api = FakeBotApi()
    raw = api.new_members_update(GROUP, [ANN])
    events = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)
    joined = events[0]
    assert isinstance(joined, MemberJoined)
    assert joined.service_message_id == raw["message"]["message_id"]
    assert joined.user.name == "Ann Lee" and joined.user.username == "ann"


def test_anonymous_admin_message_keeps_sender_chat() -> None:
    """A message sent as the group records the group as sender chat."""
    api = FakeBotApi()
    raw = api.message_update(GROUP, 1087968824, "/welcome", sender_chat=GROUP)
    event = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)[0]
    assert isinstance(event, Command)
    assert event.message.sender_chat_id == GROUP


def test_reply_is_converted() -> None:
    """The replied-to message comes along (one level deep)."""
    api = FakeBotApi()
    first = api.message_update(GROUP, BEN, "Welcome text here")
    raw = api.message_update(GROUP, ANN, "/setwelcome", reply_to=first["message"]["message_id"])
    event = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)[0]
    assert isinstance(event, Command)
    assert event.message.reply_to is not None
    assert event.message.reply_to.text == "Welcome text here"


def test_document_becomes_an_attachment() -> None:
    """A member's document arrives with its file id, name, size and type."""
    api = FakeBotApi()
    doc = api.upload(b'{"a": 1}', "replies.json")
    raw = api.message_update(GROUP, ANN, "", caption="my replies", extra={"document": doc})
    event = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)[0]
    assert isinstance(event, Message)
    assert event.text == "my replies"
    assert event.document == Attachment(doc["file_id"], "replies.json", 8, "application/json")


def test_document_without_name_and_reply_to_a_document() -> None:
    """A nameless document gets an empty name; a reply carries the replied-to document."""
    api = FakeBotApi()
    doc = {"file_id": "d1", "file_unique_id": "u1"}
    first = api.message_update(GROUP, BEN, "", extra={"document": doc})
    raw = api.message_update(GROUP, ANN, "/importreplies", reply_to=first["message"]["message_id"])
    event = events_from_update(Update.de_json(raw, Bot("123:FAKE")), BOT_NAME)[0]
    assert isinstance(event, Command)
    assert event.message.document is None
    assert event.message.reply_to is not None
    assert event.message.reply_to.document == Attachment("d1", "", None, None)
