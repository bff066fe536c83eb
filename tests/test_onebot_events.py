"""One OneBot v11 event dict as one neutral event (pure, plain dicts from the spec's shapes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.platforms.onebot.events import (
    ADMIN_RIGHTS,
    event_date,
    heartbeat_interval,
    is_own,
    meta_kind,
    quoted_id,
    request_comment,
    sender_role,
    to_event,
    to_message,
    update_id,
    with_chat,
    with_reply,
)
from core.events import (
    AdminsChanged,
    Attachment,
    BotStatusChanged,
    Chat,
    Command,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MemberMuted,
    Message,
    MessageRemoved,
    User,
)
from core.ids import ONEBOT, scoped, scoped_group

SELF, GROUP, ALICE, ADMIN = 10000, 123456, 111, 222
T = 1_700_000_000
WHEN = datetime.fromtimestamp(T, UTC)
G = Chat(scoped_group(ONEBOT, GROUP), "", "group")


def q(native: int) -> int:
    """A QQ number as a scoped id."""
    return scoped(ONEBOT, native)


def group_message(message: object = "hello", **extra: Any) -> dict[str, Any]:
    """A group message event as the spec shows it."""
    event: dict[str, Any] = {
        "time": T,
        "self_id": SELF,
        "post_type": "message",
        "message_type": "group",
        "sub_type": "normal",
        "message_id": 42,
        "group_id": GROUP,
        "user_id": ALICE,
        "message": message,
        "raw_message": message if isinstance(message, str) else "",
        "font": 0,
        "sender": {"user_id": ALICE, "nickname": "Alice", "card": "群里的爱丽丝", "role": "member"},
    }
    event.update(extra)
    return event


def notice(kind: str, sub: str = "", **extra: Any) -> dict[str, Any]:
    """A group notice event."""
    event: dict[str, Any] = {
        "time": T,
        "self_id": SELF,
        "post_type": "notice",
        "notice_type": kind,
        "sub_type": sub,
        "group_id": GROUP,
        "user_id": ALICE,
        "operator_id": ALICE,
    }
    event.update(extra)
    return event


def join_request(sub: str = "add", **extra: Any) -> dict[str, Any]:
    """A group join request event."""
    event: dict[str, Any] = {
        "time": T,
        "self_id": SELF,
        "post_type": "request",
        "request_type": "group",
        "sub_type": sub,
        "group_id": GROUP,
        "user_id": ALICE,
        "comment": "我是来学习的",
        "flag": "flag-abc",
    }
    event.update(extra)
    return event


def test_group_message() -> None:
    event = to_event(group_message("hi &#91;there&#93;"))
    assert event == Message(
        chat=G,
        sender=User(q(ALICE), "群里的爱丽丝"),
        message_id=42,
        text="hi [there]",
        date=WHEN,
        update_id=update_id(group_message("hi &#91;there&#93;")),
    )


@pytest.mark.parametrize(
    ("info", "name"),
    [
        ({"card": "卡片", "nickname": "昵称"}, "卡片"),
        ({"card": "", "nickname": "昵称"}, "昵称"),
        ({"card": "  ", "nickname": "昵称"}, "昵称"),
        ({"nickname": "[CQ:at,qq=all]"}, "[CQ:at,qq=all]"),
        ({}, str(ALICE)),
        ("garbage", str(ALICE)),
    ],
)
def test_sender_name_card_over_nickname(info: object, name: str) -> None:
    event = to_event(group_message(sender=info))
    assert isinstance(event, Message)
    assert event.sender == User(q(ALICE), name)


@pytest.mark.parametrize(
    ("info", "role"),
    [
        ({"role": "owner"}, "owner"),
        ({"role": "admin"}, "admin"),
        ({"role": "member"}, "member"),
        ({"role": "god"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_sender_role(info: object, role: str | None) -> None:
    assert sender_role(group_message(sender=info)) == role


@pytest.mark.parametrize(
    ("message", "name", "args"),
    [
        ("/checkin", "checkin", ()),
        ("/mute 10m", "mute", ("10m",)),
        ([{"type": "text", "data": {"text": "/Points"}}], "points", ()),
        (f"[CQ:at,qq={SELF}] /stats week", "stats", ("week",)),
        ("[CQ:reply,id=5]/unmute", "unmute", ()),
    ],
)
def test_commands(message: object, name: str, args: tuple[str, ...]) -> None:
    event = to_event(group_message(message))
    assert isinstance(event, Command)
    assert (event.name, event.args, event.chat) == (name, args, G)


@pytest.mark.parametrize("message", ["签到", "/", "/ x", "/x@otherbot", "hi /checkin"])
def test_not_commands(message: str) -> None:
    assert type(to_event(group_message(message))) is Message


def test_command_for_this_bot_by_username() -> None:
    event = to_event(group_message("/help@mybot"), bot_username="MyBot")
    assert isinstance(event, Command)
    assert event.name == "help"


def test_private_message() -> None:
    payload = group_message("/points", message_type="private", sub_type="friend")
    del payload["group_id"]
    event = to_event(payload)
    assert isinstance(event, Command)
    assert event.chat == Chat(q(ALICE), "", "private")
    assert not event.chat.is_group
    assert event.sender.id == q(ALICE)


@pytest.mark.parametrize(
    "payload",
    [
        group_message(user_id=SELF),
        group_message(user_id=str(SELF)),
        group_message(post_type="message_sent", user_id=SELF),
        group_message(post_type="message_sent"),
    ],
)
def test_own_messages_are_ignored(payload: dict[str, Any]) -> None:
    assert is_own(payload)
    assert to_event(payload) is None


def test_media_document_and_hidden_urls() -> None:
    message = [
        {"type": "text", "data": {"text": "看这个"}},
        {"type": "image", "data": {"file": "a.jpg", "url": "https://gchat.qpic.cn/a"}},
        {"type": "file", "data": {"file": "list.csv", "file_id": "f-1", "file_size": "12"}},
        {"type": "json", "data": {"data": '{"meta":{"news":{"jumpUrl":"https://ad.cn/j"}}}'}},
    ]
    event = to_event(group_message(message))
    assert isinstance(event, Message)
    assert event.text == "看这个"
    assert event.has_media and not event.is_forward
    assert event.document == Attachment("f-1", "list.csv", 12)
    assert event.hidden_urls == ("https://gchat.qpic.cn/a", "https://ad.cn/j")


def test_forwarded_history_is_a_forward() -> None:
    event = to_event(group_message([{"type": "forward", "data": {"id": "abc"}}]))
    assert isinstance(event, Message)
    assert event.is_forward and event.has_media


def test_raw_message_read_when_message_missing() -> None:
    payload = group_message("ignored")
    del payload["message"]
    payload["raw_message"] = "[CQ:face,id=1]嗨"
    event = to_event(payload)
    assert isinstance(event, Message)
    assert event.text == "嗨"


@pytest.mark.parametrize(
    ("message", "quoted"),
    [
        ("[CQ:reply,id=-77]/mute 1h", -77),
        ([{"type": "reply", "data": {"id": "9"}}], 9),
        ("x", None),
    ],
)
def test_quoted_id(message: object, quoted: int | None) -> None:
    assert quoted_id(group_message(message)) == quoted


def test_quoted_id_of_a_notice_is_none() -> None:
    assert quoted_id(notice("group_increase")) is None


def test_with_reply_attaches_the_quoted_message() -> None:
    quoted = to_message(group_message("原消息", message_id=-77, user_id=ADMIN, sender={}))
    assert quoted is not None
    command = to_event(group_message("[CQ:reply,id=-77]/mute 1h"))
    assert command is not None
    attached = with_reply(command, quoted)
    assert isinstance(attached, Command)
    assert attached.message.reply_to == quoted
    assert attached.message.reply_to.sender.id == q(ADMIN)
    message = to_event(group_message("[CQ:reply,id=-77]嗯"))
    assert message is not None
    plain = with_reply(message, quoted)
    assert isinstance(plain, Message) and plain.reply_to == quoted
    assert with_reply(message, None) is message
    joined = to_event(notice("group_increase"))
    assert joined is not None and with_reply(joined, quoted) is joined


@pytest.mark.parametrize(
    ("sub", "operator", "added_by"),
    [
        ("approve", ADMIN, q(ADMIN)),
        ("invite", ADMIN, q(ADMIN)),
        ("approve", ALICE, None),
        ("approve", 0, None),
        ("approve", None, None),
        ("approve", SELF, q(SELF)),
    ],
)
def test_member_joined(sub: str, operator: int | None, added_by: int | None) -> None:
    payload = notice("group_increase", sub, operator_id=operator)
    # A join request let in (approve) is no invitation: invite points tell them apart.
    assert to_event(payload) == MemberJoined(
        G,
        User(q(ALICE), str(ALICE)),
        WHEN,
        added_by=added_by,
        update_id=update_id(payload),
        by_request=sub == "approve",
    )


def test_bot_added_to_a_group() -> None:
    payload = notice("group_increase", "invite", user_id=SELF, operator_id=ADMIN)
    assert to_event(payload) == BotStatusChanged(
        G, "member", False, joined=True, update_id=update_id(payload)
    )


@pytest.mark.parametrize("sub", ["leave", "kick"])
def test_member_left(sub: str) -> None:
    payload = notice("group_decrease", sub, operator_id=ADMIN)
    assert to_event(payload) == MemberLeft(
        G, User(q(ALICE), str(ALICE)), WHEN, update_id=update_id(payload)
    )


@pytest.mark.parametrize(
    ("sub", "user", "status"),
    [
        ("kick_me", SELF, "kicked"),
        ("kick_me", ALICE, "kicked"),
        ("kick", SELF, "kicked"),
        ("leave", SELF, "left"),
    ],
)
def test_bot_removed(sub: str, user: int, status: str) -> None:
    payload = notice("group_decrease", sub, user_id=user, operator_id=ADMIN)
    assert to_event(payload) == BotStatusChanged(G, status, False, update_id=update_id(payload))


@pytest.mark.parametrize("sub", ["set", "unset"])
def test_admins_changed(sub: str) -> None:
    payload = notice("group_admin", sub)
    assert to_event(payload) == AdminsChanged(
        G, User(q(ALICE), str(ALICE)), update_id=update_id(payload)
    )


@pytest.mark.parametrize(
    ("sub", "status", "admin", "rights"),
    [("set", "administrator", True, ADMIN_RIGHTS), ("unset", "member", False, frozenset())],
)
def test_bot_made_or_unmade_admin(
    sub: str, status: str, admin: bool, rights: frozenset[str]
) -> None:
    payload = notice("group_admin", sub, user_id=SELF)
    assert to_event(payload) == BotStatusChanged(
        G, status, admin, rights, update_id=update_id(payload)
    )


@pytest.mark.parametrize(
    "payload",
    [
        notice("group_upload", file={"id": "x", "name": "a", "size": 1, "busid": 102}),
        notice("notify", "poke", target_id=SELF),
        notice("friend_add"),
        notice("group_increase", group_id=None),
        notice("group_increase", user_id="abc"),
    ],
)
def test_notices_without_a_neutral_event(payload: dict[str, Any]) -> None:
    assert to_event(payload) is None


@pytest.mark.parametrize(
    ("payload", "by", "until"),
    [
        (notice("group_ban", "ban", operator_id=ADMIN, duration=600), ADMIN, 600),
        (notice("group_ban", "ban", operator_id=str(ADMIN), duration="60"), ADMIN, 60),
        (notice("group_ban", "lift_ban", operator_id=ADMIN, duration=0), ADMIN, None),
        (notice("group_ban", "lift_ban", operator_id=None, duration=0), None, None),
        (notice("group_ban", "lift_ban", operator_id=0), None, None),
    ],
)
def test_a_mute_by_hand(payload: dict[str, Any], by: int | None, until: int | None) -> None:
    assert to_event(payload) == MemberMuted(
        G,
        User(q(ALICE), str(ALICE)),
        q(by) if by is not None else None,
        WHEN + timedelta(seconds=until) if until is not None else None,
        update_id=update_id(payload),
    )


@pytest.mark.parametrize(
    "payload",
    [
        # The bot's own set_group_ban, reported back: it recorded it when it made it.
        notice("group_ban", "ban", operator_id=SELF, duration=600),
        notice("group_ban", "lift_ban", operator_id=str(SELF), duration=0),
        # The whole group muted: nobody's mute.
        notice("group_ban", "ban", user_id=0, operator_id=ADMIN, duration=-1),
        notice("group_ban", "lift_ban", user_id=0, operator_id=ADMIN),
        notice("group_ban", "ban", operator_id=ADMIN, duration=0),
        notice("group_ban", "ban", operator_id=ADMIN),
        notice("group_ban", "ban", operator_id=ADMIN, duration="soon"),
        notice("group_ban", "ban", operator_id=ADMIN, duration=10**30),
        notice("group_ban", "other", operator_id=ADMIN, duration=60),
    ],
)
def test_mutes_that_are_no_event(payload: dict[str, Any]) -> None:
    assert to_event(payload) is None


@pytest.mark.parametrize(
    ("operator", "by"),
    [(ADMIN, ADMIN), (ALICE, ALICE), (SELF, SELF), (None, None), ("0", None)],
)
def test_a_recalled_message(operator: object, by: int | None) -> None:
    payload = notice("group_recall", operator_id=operator, message_id=42)
    assert to_event(payload) == MessageRemoved(
        G,
        42,
        User(q(ALICE), str(ALICE)),
        q(by) if by is not None else None,
        update_id=update_id(payload),
    )


@pytest.mark.parametrize(
    "payload",
    [
        notice("group_recall", operator_id=ADMIN),
        notice("group_recall", operator_id=ADMIN, message_id="x"),
        notice("group_recall", operator_id=ADMIN, message_id=42, group_id=None),
        notice("friend_recall", operator_id=ADMIN, message_id=42, group_id=None),
    ],
)
def test_recalls_that_are_no_event(payload: dict[str, Any]) -> None:
    assert to_event(payload) is None


def test_join_request() -> None:
    payload = join_request()
    assert to_event(payload) == JoinRequest(
        G,
        User(q(ALICE), str(ALICE)),
        WHEN,
        update_id=update_id(payload),
        reference="flag-abc",
        comment="我是来学习的",
    )
    assert request_comment(payload) == "我是来学习的"


@pytest.mark.parametrize(("comment", "text"), [("vx: abc_123", "vx: abc_123"), (None, ""), (7, "")])
def test_a_join_request_carries_its_comment(comment: object, text: str) -> None:
    event = to_event(join_request(comment=comment))
    assert isinstance(event, JoinRequest) and event.comment == text


@pytest.mark.parametrize(
    "payload",
    [
        join_request("invite"),
        join_request(flag=""),
        join_request(flag=None),
        join_request(request_type="friend"),
        join_request(group_id=None),
    ],
)
def test_requests_that_are_no_join_request(payload: dict[str, Any]) -> None:
    assert to_event(payload) is None


@pytest.mark.parametrize(("comment", "text"), [("答案", "答案"), (None, ""), (5, "")])
def test_request_comment(comment: object, text: str) -> None:
    assert request_comment(join_request(comment=comment)) == text


LIFECYCLE = {"time": T, "self_id": SELF, "post_type": "meta_event", "meta_event_type": "lifecycle"}
HEARTBEAT = {
    "time": T,
    "self_id": SELF,
    "post_type": "meta_event",
    "meta_event_type": "heartbeat",
    "status": {"online": True, "good": True},
    "interval": 5000,
}


@pytest.mark.parametrize(
    ("payload", "kind", "interval"),
    [
        ({**LIFECYCLE, "sub_type": "connect"}, "lifecycle", None),
        (HEARTBEAT, "heartbeat", 5.0),
        ({**HEARTBEAT, "interval": 0}, "heartbeat", None),
        ({**HEARTBEAT, "interval": "5000"}, "heartbeat", None),
        ({**HEARTBEAT, "meta_event_type": "other"}, None, None),
        ("not a dict", None, None),
    ],
)
def test_meta_events(payload: Any, kind: str | None, interval: float | None) -> None:
    assert meta_kind(payload) == kind
    assert heartbeat_interval(payload) == interval
    assert to_event(payload) is None


def test_a_message_is_no_meta_event() -> None:
    assert meta_kind(group_message()) is None
    assert heartbeat_interval(group_message()) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"post_type": "message"},
        group_message(message_type="guild"),
        group_message(group_id="abc"),
        group_message(group_id=1 << 60),
        group_message(group_id=-1),
        group_message(user_id=None, sender={}),
        group_message(message_id=None),
        group_message(message_id="x"),
        group_message(message=None, raw_message=None),
        {"post_type": "unknown"},
    ],
)
def test_malformed_events_never_raise(payload: dict[str, Any]) -> None:
    event = to_event(payload)
    assert event is None or isinstance(event, Message)


def test_sender_read_from_sender_when_user_id_missing() -> None:
    event = to_event(group_message(user_id=None, sender={"user_id": ADMIN, "nickname": "B"}))
    assert isinstance(event, Message)
    assert event.sender == User(q(ADMIN), "B")


@pytest.mark.parametrize(
    ("time", "date"),
    [
        (T, WHEN),
        (T * 1000, WHEN),
        (float(T), WHEN),
        (None, datetime.fromtimestamp(0, UTC)),
        ("soon", datetime.fromtimestamp(0, UTC)),
        (-5, datetime.fromtimestamp(0, UTC)),
    ],
)
def test_event_date(time: object, date: datetime) -> None:
    assert event_date({"time": time}) == date


def test_update_id_is_stable_and_rises_with_time() -> None:
    first = update_id(group_message())
    assert update_id(group_message()) == first
    assert update_id(group_message(message_id=43)) != first
    assert update_id(group_message(self_id=SELF + 1)) != first
    assert update_id(group_message(time=T + 1)) > first
    assert 0 < first < 1 << 63


def test_update_id_tells_notices_apart() -> None:
    ids = {
        update_id(notice("group_increase", "approve")),
        update_id(notice("group_increase", "invite")),
        update_id(notice("group_decrease", "leave")),
        update_id(notice("group_increase", "approve", user_id=ADMIN)),
        update_id(notice("group_increase", "approve", group_id=GROUP + 1)),
        update_id(join_request()),
        update_id(join_request(flag="other")),
    }
    assert len(ids) == 7
    assert update_id(join_request()) == update_id(join_request())


def test_update_id_when_the_time_is_missing_still_fits() -> None:
    payload = group_message()
    del payload["time"]
    assert 0 <= update_id(payload) < 1 << 31


def test_get_msg_answer_read_with_the_chat_of_the_reply() -> None:
    answer = {
        "time": T,
        "message_type": "group",
        "message_id": -77,
        "real_id": 5,
        "sender": {"user_id": ADMIN, "nickname": "管理"},
        "message": [{"type": "text", "data": {"text": "原消息"}}],
    }
    assert to_message(answer) is None
    quoted = to_message(answer, G)
    assert quoted is not None
    assert (quoted.chat, quoted.sender, quoted.text) == (G, User(q(ADMIN), "管理"), "原消息")
    named = to_message({**answer, "group_id": GROUP + 1}, G)
    assert named is not None and named.chat.id == scoped_group(ONEBOT, GROUP + 1)


def test_with_chat_names_the_chat_of_any_event() -> None:
    """A command's chat is its message's: both kinds take the named chat."""
    named = Chat(G.id, "读书会", "group")
    message = to_event(group_message("/points"))
    plain = to_event(group_message("你好"))
    assert message is not None and plain is not None
    assert with_chat(message, named).chat == named
    assert with_chat(plain, named).chat == named
