"""The routing port: each call reaches the port of the platform its chat id is on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import adapted
from bot.platforms.recording import RecordingPort
from bot.platforms.routing import RoutingPort
from core.chat import ALL_CAPABILITIES, Capabilities, ChatActionError, ChatRights
from core.fallbacks import capabilities_of
from core.ids import scoped, scoped_group
from core.outbound import QueuedPort

TG_GROUP = -1001234567890
QQ_GROUP = scoped_group("onebot", 123456)
TG_USER = 42
QQ_USER = scoped("onebot", 42)
UNTIL = datetime(2026, 12, 4, tzinfo=UTC)


def recorder(reply: object) -> RecordingPort:
    """A port answering ``reply`` to every call that answers something."""
    return RecordingPort(answers=dict.fromkeys(ANSWERING, reply))


def ports() -> tuple[RoutingPort, RecordingPort, RecordingPort]:
    telegram, onebot = recorder(7), recorder(8)
    return RoutingPort({"telegram": telegram, "onebot": onebot}), telegram, onebot


Call = Callable[[RoutingPort, int, int], Awaitable[Any]]

CALLS: list[tuple[str, Call]] = [
    ("send", lambda p, c, u: p.send(c, "hi", reply_to=3)),
    ("post", lambda p, c, u: p.post(c, "hi")),
    ("edit", lambda p, c, u: p.edit(c, 5, "new")),
    ("delete", lambda p, c, u: p.delete(c, 5)),
    ("mute", lambda p, c, u: p.mute(c, u, UNTIL)),
    ("unmute", lambda p, c, u: p.unmute(c, u)),
    ("ban", lambda p, c, u: p.ban(c, u)),
    ("kick", lambda p, c, u: p.kick(c, u)),
    ("unban", lambda p, c, u: p.unban(c, u)),
    ("approve_join", lambda p, c, u: p.approve_join(c, u, "flag-1")),
    ("decline_join", lambda p, c, u: p.decline_join(c, u, "flag-1")),
    ("pin", lambda p, c, u: p.pin(c, 5)),
    ("admins", lambda p, c, u: p.admins(c)),
    ("member_count", lambda p, c, u: p.member_count(c)),
    ("member_status", lambda p, c, u: p.member_status(c, u)),
    ("roster", lambda p, c, u: p.roster(c)),
    ("send_photo", lambda p, c, u: p.send_photo(c, b"png", "caption")),
    ("send_file", lambda p, c, u: p.send_file(c, b"data", "a.csv", reply_to=2)),
    ("member_info", lambda p, c, u: p.member_info(c, u)),
    ("chat_permissions", lambda p, c, u: p.chat_permissions(c)),
    ("set_chat_permissions", lambda p, c, u: p.set_chat_permissions(c, ChatRights())),
    ("copy", lambda p, c, u: p.copy(c, c, 5)),
]


# The calls whose answer the routing port hands back (the others answer None).
ANSWERING = {
    "send",
    "post",
    "edit",
    "delete",
    "admins",
    "member_count",
    "member_status",
    "roster",
    "send_photo",
    "send_file",
    "member_info",
    "chat_permissions",
    "copy",
}


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
@pytest.mark.parametrize(
    ("chat", "user", "platform"),
    [(TG_GROUP, TG_USER, "telegram"), (QQ_GROUP, QQ_USER, "onebot")],
    ids=["telegram", "onebot"],
)
async def test_each_call_goes_to_the_chats_platform(
    name: str, call: Call, chat: int, user: int, platform: str
) -> None:
    """The call reaches that platform's port with the same arguments; the other sees none."""
    routing, telegram, onebot = ports()
    result = await call(routing, chat, user)
    chosen, other = (telegram, onebot) if platform == "telegram" else (onebot, telegram)
    assert [c.method for c in chosen.calls] == [name]
    assert chosen.calls[0]["chat_id"] == chat
    assert other.calls == []
    assert result == (chosen.answers[name] if name in ANSWERING else None)


async def test_arguments_pass_unchanged() -> None:
    routing, _, onebot = ports()
    await routing.approve_join(QQ_GROUP, QQ_USER, "flag-1")
    await routing.send(QQ_GROUP, "hi", reply_to=3)
    assert [(c.method, dict(c.arguments)) for c in onebot.calls] == [
        ("approve_join", {"chat_id": QQ_GROUP, "user_id": QQ_USER, "reference": "flag-1"}),
        ("send", {"chat_id": QQ_GROUP, "text": "hi", "reply_to": 3, "buttons": None}),
    ]


@pytest.mark.parametrize(
    ("handle", "platform"),
    [("AgADBAADq6cxG", "telegram"), ("4917235", "telegram"), ("onebot:abc", "onebot")],
    ids=["telegram-file-id", "telegram-press-id", "onebot-handle"],
)
async def test_handles_go_to_the_platform_that_gave_them(handle: str, platform: str) -> None:
    routing, telegram, onebot = ports()
    telegram.files[handle] = onebot.files[handle] = b"x"
    await routing.download(handle, 100)
    await routing.answer_button(handle, "ok")
    chosen, other = (telegram, onebot) if platform == "telegram" else (onebot, telegram)
    assert [c.method for c in chosen.calls] == ["download", "answer_button"]
    assert other.calls == []


async def test_a_chat_on_a_platform_the_bot_is_not_on_is_refused() -> None:
    """Only Telegram is configured: a OneBot chat is refused; ``send`` says None."""
    telegram = recorder(7)
    routing = RoutingPort({"telegram": telegram})
    with pytest.raises(ChatActionError) as caught:
        await routing.post(QQ_GROUP, "hi")
    assert caught.value.reason == "wrong_platform"
    assert await routing.send(QQ_GROUP, "hi") is None
    assert telegram.calls == []


async def test_an_id_in_no_band_is_refused() -> None:
    routing, telegram, onebot = ports()
    with pytest.raises(ChatActionError, match="wrong_platform"):
        await routing.mute(2**62, 1, None)
    assert telegram.calls == [] and onebot.calls == []


async def test_a_copy_cannot_cross_platforms() -> None:
    routing, telegram, onebot = ports()
    with pytest.raises(ChatActionError, match="cannot copy"):
        await routing.copy(QQ_GROUP, TG_GROUP, 5)
    assert telegram.calls == [] and onebot.calls == []


def test_a_routing_port_needs_a_platform() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RoutingPort({})


def test_without_a_chat_it_can_do_what_every_platform_can() -> None:
    sandbox_like = RecordingPort(capabilities=Capabilities(buttons=False, pin=False))
    routing = RoutingPort({"telegram": RecordingPort(), "onebot": sandbox_like})
    assert routing.capabilities == Capabilities(buttons=False, pin=False)
    assert RoutingPort({"telegram": RecordingPort()}).capabilities == ALL_CAPABILITIES


@pytest.mark.parametrize(
    ("chat_id", "expected"),
    [
        (TG_GROUP, ALL_CAPABILITIES),
        (QQ_GROUP, Capabilities(buttons=False, edit=False, copy=False)),
        # A chat on no platform of the bot's: what every platform can do.
        (scoped("onebot", 1) + (5 << 56), Capabilities(buttons=False, edit=False, copy=False)),
    ],
)
def test_a_chat_gets_what_its_own_platform_can_do(chat_id: int, expected: Capabilities) -> None:
    qq_like = RecordingPort(capabilities=Capabilities(buttons=False, edit=False, copy=False))
    routing = RoutingPort({"telegram": RecordingPort(), "onebot": qq_like})
    assert capabilities_of(routing, chat_id) == expected
    # Wrapped the way the shell wraps it, each chat still gets its own platform's.
    adapted_port, _book = adapted(routing, "")
    queued = QueuedPort(adapted_port)
    assert capabilities_of(queued, chat_id) == expected
    assert capabilities_of(queued) == routing.capabilities
