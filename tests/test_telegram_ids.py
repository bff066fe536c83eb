"""The Telegram platform at its id boundary: events carry scoped ids (Telegram's unchanged),
the port refuses another platform's ids, and Telegram's own accounts become neutral flags."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from telegram import Bot, Update

from bot.cas import CasClient
from bot.platforms.telegram.events import (
    TELEGRAM_SERVICE_ID,
    events_from_update,
    from_telegram,
    telegram_id,
)
from bot.platforms.telegram.port import TelegramPort
from core.chat import ChatActionError
from core.events import JoinRequest, MemberJoined, Message
from core.ids import scoped
from tests.fakes import FakeBotApi, make_user

GROUP = -1001000000001
CHANNEL = {"id": -1003000000003, "type": "channel", "title": "News"}
ANN = make_user(11, "Ann")
QQ_GROUP = scoped("onebot", 123456)
QQ_USER = scoped("onebot", 11)
TELEGRAM_USER = 11


class NoCalls:
    """A stand-in for PTB's Bot that fails the test if the port reaches Telegram."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        raise AssertionError(f"Telegram was called: {name}")


def port() -> TelegramPort:
    return TelegramPort(cast(Bot, NoCalls()))


Call = Callable[[TelegramPort], Awaitable[object]]

REFUSED: list[tuple[str, Call]] = [
    ("post", lambda p: p.post(QQ_GROUP, "hi")),
    ("copy-to", lambda p: p.copy(QQ_GROUP, GROUP, 1)),
    ("copy-from", lambda p: p.copy(GROUP, QQ_GROUP, 1)),
    ("edit", lambda p: p.edit(QQ_GROUP, 1, "x")),
    ("delete", lambda p: p.delete(QQ_GROUP, 1)),
    ("mute-chat", lambda p: p.mute(QQ_GROUP, 11, None)),
    ("mute-user", lambda p: p.mute(GROUP, QQ_USER, None)),
    ("unmute", lambda p: p.unmute(GROUP, QQ_USER)),
    ("ban", lambda p: p.ban(GROUP, QQ_USER)),
    ("kick", lambda p: p.kick(GROUP, QQ_USER)),
    ("unban", lambda p: p.unban(GROUP, QQ_USER)),
    ("approve_join", lambda p: p.approve_join(GROUP, QQ_USER)),
    ("decline_join", lambda p: p.decline_join(QQ_GROUP, 11)),
    ("pin", lambda p: p.pin(QQ_GROUP, 1)),
    ("admins", lambda p: p.admins(QQ_GROUP)),
    ("member_count", lambda p: p.member_count(QQ_GROUP)),
    ("member_status", lambda p: p.member_status(GROUP, QQ_USER)),
    ("send_photo", lambda p: p.send_photo(QQ_GROUP, b"png")),
    ("send_file", lambda p: p.send_file(QQ_GROUP, b"x", "a.csv")),
    ("member_info", lambda p: p.member_info(GROUP, QQ_USER)),
    ("chat_permissions", lambda p: p.chat_permissions(QQ_GROUP)),
]


@pytest.mark.parametrize(("name", "call"), REFUSED, ids=[name for name, _ in REFUSED])
async def test_the_port_refuses_another_platforms_ids(name: str, call: Call) -> None:
    """A OneBot id never reaches Telegram: the call fails with ``wrong_platform``."""
    with pytest.raises(ChatActionError) as caught:
        await call(port())
    assert caught.value.reason == "wrong_platform"
    assert "onebot" in caught.value.detail


async def test_send_to_another_platform_is_not_sent() -> None:
    """``send`` says None for a message it could not send, as for any refusal."""
    assert await port().send(QQ_GROUP, "hi") is None


@pytest.mark.parametrize("native", [GROUP, -42, 11, 7_000_000_000], ids=str)
def test_telegram_ids_cross_the_boundary_unchanged(native: int) -> None:
    """Telegram's ids are the scoped ids, both ways (every stored row keeps its value)."""
    assert from_telegram(native) == native
    assert telegram_id(from_telegram(native)) == native


def test_events_carry_telegram_ids_and_platform() -> None:
    api = FakeBotApi()
    raw = api.new_members_update(GROUP, [ANN])
    (joined,) = events_from_update(Update.de_json(raw, Bot("123:FAKE")), None)
    assert isinstance(joined, MemberJoined)
    assert (joined.chat.id, joined.user.id) == (GROUP, 11)
    assert joined.chat.platform == "telegram" and joined.user.platform == "telegram"


def test_a_join_request_carries_a_reference() -> None:
    """Telegram needs only the chat and the user to answer a request: its reference is ""."""
    api = FakeBotApi()
    raw = api.join_request_update(GROUP, ANN)
    (request,) = events_from_update(Update.de_json(raw, Bot("123:FAKE")), None)
    assert isinstance(request, JoinRequest)
    assert request.reference == "" and request.user.id == 11


@pytest.mark.parametrize(
    ("user", "sender_chat", "extra", "linked", "as_chat"),
    [
        (TELEGRAM_SERVICE_ID, CHANNEL, {"is_automatic_forward": True}, True, CHANNEL["id"]),
        (TELEGRAM_SERVICE_ID, CHANNEL, {}, True, CHANNEL["id"]),
        (None, CHANNEL, {}, False, CHANNEL["id"]),
        (None, GROUP, {}, False, GROUP),
        (ANN, None, {}, False, None),
    ],
    ids=["automatic-forward", "service-account", "channel-post", "anonymous-admin", "member"],
)
def test_linked_channel_and_sent_as_chat_are_flags(
    user: object, sender_chat: object, extra: dict[str, object], linked: bool, as_chat: int | None
) -> None:
    """Features read neutral fields, not Telegram's service accounts."""
    api = FakeBotApi()
    raw = api.message_update(GROUP, user, "news", sender_chat=sender_chat, extra=extra)  # type: ignore[arg-type]
    (message,) = events_from_update(Update.de_json(raw, Bot("123:FAKE")), None)
    assert isinstance(message, Message)
    assert message.from_linked_channel is linked
    assert message.sender_chat_id == as_chat


async def test_cas_never_looks_up_another_platforms_user() -> None:
    """CAS lists Telegram users: a OneBot user is not on it, and nothing is asked (asking
    this unreachable address would answer None, "unknown")."""
    client = CasClient("http://127.0.0.1:9/unreachable", timeout=0.5)
    assert await client.is_banned(QQ_USER) is False
    assert await client.is_banned(TELEGRAM_USER) is None
    await client.close()
