"""OneBotPort against the fake implementation over a real reverse WebSocket."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.platforms.onebot.config import OneBotConfig
from bot.platforms.onebot.port import (
    CAPABILITIES,
    LONGEST_MUTE,
    OPEN,
    SHORTEST_MUTE,
    OneBotPort,
    Pacer,
    member_status,
    message_id,
    mute_seconds,
    request_of,
)
from bot.platforms.onebot.render import plain
from bot.platforms.onebot.transport import Hub, ReverseServer
from core.chat import ChatActionError, ChatRights, MissingRight
from core.events import User
from core.ids import scoped, scoped_group
from core.text import mention
from tests.fakes.onebot import FakeOneBot

GROUP_QQ, USER_QQ, ADMIN_QQ, OWNER_QQ = 555, 42, 43, 44
GROUP = scoped_group("onebot", GROUP_QQ)
USER, ADMIN, OWNER = (scoped("onebot", n) for n in (USER_QQ, ADMIN_QQ, OWNER_QQ))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("until", "seconds"),
    [
        (NOW + timedelta(minutes=10), 600),
        (NOW + timedelta(seconds=5), SHORTEST_MUTE),
        (NOW + timedelta(days=90), LONGEST_MUTE),
        (NOW + timedelta(seconds=90.2), 91),
        (None, LONGEST_MUTE),
    ],
)
def test_mute_seconds(until: datetime | None, seconds: int):
    assert mute_seconds(until, NOW) == seconds


@pytest.mark.parametrize(
    ("member", "status"),
    [
        ({"role": "owner"}, "admin"),
        ({"role": "admin"}, "admin"),
        ({"role": "member"}, "member"),
        ({"role": "member", "shut_up_timestamp": 2_000}, "restricted"),
        ({"role": "member", "shut_up_timestamp": 500}, "member"),
        ({"role": "odd"}, "member"),
    ],
)
def test_member_status(member: dict[str, Any], status: str):
    assert member_status(member, now=1_000) == status


@pytest.mark.parametrize(("data", "found"), [({"message_id": 7}, 7), ({"message_id": "-8"}, -8)])
def test_message_id(data: Any, found: int):
    assert message_id(data) == found


@pytest.mark.parametrize("data", [None, {}, {"message_id": "x"}, []])
def test_message_id_missing_is_unknown(data: Any):
    with pytest.raises(ChatActionError) as raised:
        message_id(data)
    assert raised.value.reason == "unknown"


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("abc", ("add", "abc")),
        ("invite:abc", ("invite", "abc")),
        ("add:abc", ("add", "abc")),
        ("odd:abc", ("add", "odd:abc")),
        ("", ("add", "")),
    ],
)
def test_request_of(reference: str, answer: tuple[str, str]):
    assert request_of(reference) == answer


def test_pacer_spaces_messages_per_chat():
    now = [100.0]
    pacer = Pacer(1.0, clock=lambda: now[0])
    assert [pacer.delay(1), pacer.delay(1), pacer.delay(2), pacer.delay(1)] == [0, 1, 0, 2]
    now[0] = 110.0
    assert pacer.delay(1) == 0


def test_capabilities_leave_the_rest_to_fallbacks():
    assert not (CAPABILITIES.buttons or CAPABILITIES.edit or CAPABILITIES.copy)
    assert not (CAPABILITIES.pin or CAPABILITIES.files or CAPABILITIES.forward_names)
    assert CAPABILITIES.join_requests and CAPABILITIES.member_list


def members() -> list[dict[str, Any]]:
    return [
        {
            "group_id": GROUP_QQ,
            "user_id": USER_QQ,
            "nickname": "nick",
            "card": "",
            "role": "member",
        },
        {
            "group_id": GROUP_QQ,
            "user_id": ADMIN_QQ,
            "nickname": "a",
            "card": "Card",
            "role": "admin",
        },
        {"group_id": GROUP_QQ, "user_id": OWNER_QQ, "nickname": "o", "role": "owner"},
    ]


@pytest.fixture
async def linked() -> AsyncIterator[tuple[OneBotPort, FakeOneBot, Hub]]:
    hub = Hub()

    async def ignore(event: dict[str, Any]) -> None:
        return None

    config = OneBotConfig(mode="reverse", port=0, access_token="t", call_timeout_seconds=0.5)
    server = ReverseServer(config, hub, ignore)
    await server.start()
    fake = FakeOneBot(token="t", members={GROUP_QQ: members()})
    await fake.connect(f"ws://127.0.0.1:{server.port}/onebot/v11/ws")
    await asyncio.wait_for(hub.connected.wait(), 5)
    yield OneBotPort(hub, limit=100, pace=0), fake, hub
    await fake.close()
    await server.stop()


async def test_send_to_a_group_in_array_form(linked):
    port, fake, _ = linked
    sent = await port.send(GROUP, "hi " + mention(User(USER, "[CQ:at,qq=all]")), reply_to=9)
    assert sent == 1
    (call,) = fake.made("send_group_msg")
    assert call["group_id"] == GROUP_QQ
    assert call["message"] == [
        {"type": "reply", "data": {"id": "9"}},
        {"type": "text", "data": {"text": "hi "}},
        {"type": "at", "data": {"qq": str(USER_QQ)}},
    ]


async def test_a_long_text_goes_as_several_messages(linked):
    port, fake, _ = linked
    last = await port.post(GROUP, "word " * 50)
    calls = fake.made("send_group_msg")
    assert len(calls) == 3 and last == 3
    assert "".join(plain(c["message"]) for c in calls) == "word " * 50


async def test_send_to_a_private_chat(linked):
    port, fake, _ = linked
    await fake.push(fake.private_message(USER_QQ, "/start"))
    await asyncio.sleep(0.1)
    assert await port.send(USER, "hello") == 1
    assert fake.made("send_private_msg") == [
        {"user_id": USER_QQ, "message": [{"type": "text", "data": {"text": "hello"}}]}
    ]


async def test_retcode_100_is_survived(linked):
    port, fake, _ = linked
    fake.fail("send_group_msg", retcode=100, times=1)
    assert await port.send(GROUP, "x") is None
    assert await port.send(GROUP, "y") is not None


@pytest.mark.parametrize(
    ("message", "reason"),
    [("", "failed"), ("bot 不在群 555", "chat_gone"), ("权限不足", "missing_right")],
)
async def test_post_raises_why(linked, message: str, reason: str):
    port, fake, _ = linked
    fake.fail("send_group_msg", retcode=100, message=message)
    with pytest.raises(ChatActionError) as raised:
        await port.post(GROUP, "x")
    assert raised.value.reason == reason


async def test_a_send_without_answer_is_unknown(linked):
    port, fake, _ = linked
    fake.hold("send_group_msg")
    with pytest.raises(ChatActionError) as raised:
        await port.post(GROUP, "x")
    assert raised.value.reason == "unknown"


async def test_delete(linked):
    port, fake, _ = linked
    assert await port.delete(GROUP, 77) is True
    assert fake.made("delete_msg") == [{"message_id": 77}]
    fake.fail("delete_msg", retcode=100, message="消息不存在", times=1)
    assert await port.delete(GROUP, 78) is False
    fake.fail("delete_msg", retcode=100, message="权限不足")
    with pytest.raises(MissingRight) as raised:
        await port.delete(GROUP, 79)
    assert raised.value.right == "delete"


async def test_mute_unmute_kick_ban(linked):
    port, fake, _ = linked
    await port.mute(GROUP, USER, datetime.now(UTC) + timedelta(minutes=10, seconds=1))
    await port.unmute(GROUP, USER)
    await port.kick(GROUP, USER)
    await port.ban(GROUP, USER)
    await port.unban(GROUP, USER)
    bans = fake.made("set_group_ban")
    assert [b["duration"] for b in bans][1] == 0 and 600 <= bans[0]["duration"] <= 601
    assert bans[0]["group_id"] == GROUP_QQ and bans[0]["user_id"] == USER_QQ
    assert [k["reject_add_request"] for k in fake.made("set_group_kick")] == [False, True]
    assert len(fake.actions) == 4  # unban calls nothing


async def test_mute_without_right_is_missing_right(linked):
    port, fake, _ = linked
    fake.fail("set_group_ban", retcode=200, message="bot is not admin")
    with pytest.raises(MissingRight) as raised:
        await port.mute(GROUP, USER, None)
    assert raised.value.right == "restrict"


async def test_join_requests_by_flag(linked):
    port, fake, _ = linked
    await port.approve_join(GROUP, USER, "flag-1")
    await port.decline_join(GROUP, USER, "flag-2")
    assert fake.made("set_group_add_request") == [
        {"flag": "flag-1", "sub_type": "add", "approve": True},
        {"flag": "flag-2", "sub_type": "add", "approve": False},
    ]
    with pytest.raises(ChatActionError):
        await port.approve_join(GROUP, USER, "")


async def test_admins_count_and_members(linked):
    port, fake, _ = linked
    assert await port.admins(GROUP) == frozenset({ADMIN, OWNER})
    assert await port.member_count(GROUP) == 3
    info = await port.member_info(GROUP, ADMIN)
    assert info is not None and info.user == User(ADMIN, "Card") and info.status == "admin"
    assert await port.member_status(GROUP, USER) == "member"
    assert await port.member_info(GROUP, scoped("onebot", 999)) is None
    fake.fail("get_group_member_info", retcode=100, message="群成员不存在")
    assert await port.member_status(GROUP, USER) == "left"


async def test_admins_failing_raises(linked):
    port, fake, _ = linked
    fake.fail("get_group_member_list", retcode=100)
    with pytest.raises(ChatActionError):
        await port.admins(GROUP)
    fake.fail("get_group_info", retcode=100)
    assert await port.member_count(GROUP) is None


async def test_send_photo_as_base64(linked):
    port, fake, _ = linked
    assert await port.send_photo(GROUP, b"\x89PNG", "chart") == 1
    (call,) = fake.made("send_group_msg")
    image, caption = call["message"]
    assert image == {
        "type": "image",
        "data": {"file": "base64://" + base64.b64encode(b"\x89PNG").decode()},
    }
    assert caption == {"type": "text", "data": {"text": "chart"}}


async def test_send_file_uploads_a_group_file_then_the_caption(linked):
    port, fake, _ = linked
    sent = await port.send_file(GROUP, b"a,b\n", "export.csv", "the export", reply_to=9)
    (upload,) = fake.made("upload_group_file")
    assert upload["group_id"] == GROUP_QQ and upload["name"] == "export.csv"
    assert base64.b64decode(upload["file"].removeprefix("base64://")) == b"a,b\n"
    (caption,) = fake.made("send_group_msg")
    assert caption["message"][0] == {"type": "reply", "data": {"id": "9"}}
    assert plain(caption["message"][1:]) == "the export"
    assert sent == message_id({"message_id": 1})


@pytest.mark.parametrize(
    ("retcode", "outcome"),
    [(1404, "unsupported"), (100, None)],
)
async def test_a_refused_upload(linked, retcode: int, outcome: str | None):
    """No such action here: "unsupported" (the fallback's notice); any other failure: None."""
    port, fake, _ = linked
    fake.fail("upload_group_file", retcode)
    if outcome is None:
        assert await port.send_file(GROUP, b"x", "a.csv", "caption") is None
    else:
        with pytest.raises(ChatActionError) as raised:
            await port.send_file(GROUP, b"x", "a.csv", "caption")
        assert raised.value.reason == outcome
    assert not fake.made("send_group_msg")


async def test_edit_sends_anew(linked):
    port, fake, _ = linked
    assert await port.edit(GROUP, 5, "new") is True
    assert plain(fake.made("send_group_msg")[0]["message"]) == "new"


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda p: p.copy(GROUP, GROUP, 1), "unsupported"),
        (lambda p: p.pin(GROUP, 1), "unsupported"),
        (lambda p: p.download("f", 10), "no_files"),
        (lambda p: p.post(-100123, "x"), "wrong_platform"),
        (lambda p: p.mute(GROUP, 777, None), "wrong_platform"),
    ],
)
async def test_what_qq_cannot_do_says_why(linked, call, reason: str):
    port, fake, _ = linked
    with pytest.raises(ChatActionError) as raised:
        await call(port)
    assert raised.value.reason == reason
    assert not fake.actions


async def test_chat_permissions(linked):
    port, fake, _ = linked
    assert await port.chat_permissions(GROUP) == OPEN and OPEN.may_send
    await port.set_chat_permissions(GROUP, ChatRights())
    await port.set_chat_permissions(GROUP, ChatRights(messages=True))
    assert [c["enable"] for c in fake.made("set_group_whole_ban")] == [True, False]
    await port.answer_button("typed:1", "ok")
    assert len(fake.actions) == 2


async def test_roster_is_one_member_list_call(linked):
    port, fake, _ = linked
    fake.members[GROUP_QQ][0].update(join_time=1_760_000_000, last_sent_time=1_764_000_000)
    roster = await port.roster(GROUP)
    assert [(e.user.id, e.user.name, e.is_admin) for e in roster] == [
        (USER, "nick", False),
        (ADMIN, "Card", True),
        (OWNER, "o", True),
    ]
    assert roster[0].joined_at == datetime.fromtimestamp(1_760_000_000, UTC)
    assert roster[0].last_seen == datetime.fromtimestamp(1_764_000_000, UTC)
    assert roster[1].joined_at is None and roster[1].last_seen is None
    assert fake.made("get_group_member_list") == [{"group_id": GROUP_QQ}]
    fake.fail("get_group_member_list", retcode=100)
    with pytest.raises(ChatActionError):
        await port.roster(GROUP)


async def test_group_title_or_nothing(linked):
    port, fake, _ = linked
    assert await port.group_title(GROUP) == "g"
    fake.fail("get_group_info", 100)
    assert await port.group_title(GROUP) == ""
