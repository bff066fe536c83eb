"""Reading ``/name@bot args`` from a message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.events import (
    AdminsChanged,
    BotStatusChanged,
    Chat,
    Command,
    Event,
    JoinRequest,
    MemberJoined,
    MemberMuted,
    Message,
    MessageRemoved,
    User,
    event_chat,
    event_user,
    parse_command,
)

BOT = "test_bot"
GROUP = Chat(-1001234567890, "Group")
ANN = User(11, "Ann", "ann")
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def message(text: str) -> Message:
    return Message(GROUP, ANN, 7, text, WHEN)


@pytest.mark.parametrize(
    ("text", "bot_username", "expected"),
    [
        ("/help", BOT, ("help", (), "")),
        ("/help@test_bot", BOT, ("help", (), "")),
        ("/help@TEST_Bot", BOT, ("help", (), "")),
        ("/help@test_bot", "Test_Bot", ("help", (), "")),
        ("/help@other_bot", BOT, None),
        ("/help@test_bot", None, None),
        ("/help@test_bot@x", BOT, None),
        ("/@test_bot", BOT, None),
        ("/help", None, ("help", (), "")),
        ("/help@test_bot   extra  words ", BOT, ("help", ("extra", "words"), "extra  words")),
        (
            "/setwelcome hello {name}",
            BOT,
            ("setwelcome", ("hello", "{name}"), "hello {name}"),
        ),
        (
            "/setwelcome Hi {mention}!\nWelcome to {group}.\n\nRead the rules.",
            BOT,
            (
                "setwelcome",
                ("Hi", "{mention}!", "Welcome", "to", "{group}.", "Read", "the", "rules."),
                "Hi {mention}!\nWelcome to {group}.\n\nRead the rules.",
            ),
        ),
        (
            "/setrules\n1. Be nice\n2. No ads",
            BOT,
            ("setrules", ("1.", "Be", "nice", "2.", "No", "ads"), "1. Be nice\n2. No ads"),
        ),
        ("/help\targ", BOT, ("help", ("arg",), "arg")),
        ("/set_welcome on", BOT, ("set_welcome", ("on",), "on")),
        ("/lang2 en", BOT, ("lang2", ("en",), "en")),
        ("/HELP", BOT, ("help", (), "")),
        ("/SetWelcome Hello {NAME}", BOT, ("setwelcome", ("Hello", "{NAME}"), "Hello {NAME}")),
        ("/", BOT, None),
        ("/ x", BOT, None),
        ("/\nhelp", BOT, None),
        ("//help", BOT, None),
        ("/help-me", BOT, None),
        ("/help!", BOT, None),
        ("/help.", BOT, None),
        ("help", BOT, None),
        (" /help", BOT, None),
        ("hello /help", BOT, None),
        ("", BOT, None),
        ("\\help", BOT, None),
    ],
)
def test_parse_command(
    text: str, bot_username: str | None, expected: tuple[str, tuple[str, ...], str] | None
) -> None:
    msg = message(text)
    command = parse_command(msg, bot_username)
    if expected is None:
        assert command is None
        return
    assert command is not None
    assert (command.name, command.args, command.arg_text) == expected
    assert command.message is msg
    assert command.chat == GROUP
    assert command.sender == ANN


@pytest.mark.parametrize("text", ["/ä", "/日本 hello", "/½", "/ｈｅｌｐ"])
def test_non_latin_slash_text_is_no_command(text: str) -> None:
    assert parse_command(message(text), BOT) is None


def test_command_defaults() -> None:
    command = Command(message("/x"), "x")
    assert (command.args, command.arg_text) == ((), "")


@pytest.mark.parametrize(
    ("chat_type", "is_group"),
    [("group", True), ("supergroup", True), ("private", False), ("channel", False)],
)
def test_chat_is_group(chat_type: str, is_group: bool) -> None:
    assert Chat(1, type=chat_type).is_group is is_group


@pytest.mark.parametrize(
    ("event", "user"),
    [
        (message("hi"), ANN),
        (Command(message("/help"), "help"), ANN),
        (MemberJoined(GROUP, ANN, WHEN), ANN),
        (AdminsChanged(GROUP, ANN), ANN),
        (BotStatusChanged(GROUP, "administrator", True), None),
        (JoinRequest(GROUP, ANN, WHEN, comment="hi"), ANN),
        (MemberMuted(GROUP, ANN, 99, WHEN), ANN),
        (MemberMuted(GROUP, ANN, None, None), ANN),
        # A removed message's person is its sender, not whoever removed it.
        (MessageRemoved(GROUP, 7, ANN, 99), ANN),
    ],
    ids=[
        "message",
        "command",
        "joined",
        "admins",
        "bot-status",
        "request",
        "muted",
        "unmuted",
        "removed",
    ],
)
def test_event_chat_and_user(event: Event, user: User | None) -> None:
    assert event_chat(event) == GROUP
    assert event_user(event) == user
