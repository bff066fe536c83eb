"""One OneBot v11 event (a decoded JSON object) as one neutral event of ``core.events``.

``to_event`` is pure: the transport decodes the frame, calls it, and hands the result to
the core. Every id it gives out is platform-qualified (``core.ids.scoped("onebot", ...)``).

Update ids: OneBot has no update counter, so ``update_id`` is derived from the event
itself and is the same each time the same event is delivered (after a reconnect, or by
two connections of one account): ``(time << 31) | h`` where ``h`` is 31 bits of a BLAKE2b
hash of the account (``self_id``) and the fields naming the event (message id, or the
notice's kind, group, users and time, or a request's ``flag``). Leading with the time keeps
ids rising, as the update ledger expects, and fits a signed 64-bit column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.platforms.onebot.message import Reading, as_int, read_message
from core.events import (
    AdminsChanged,
    BotStatusChanged,
    Chat,
    Command,
    Event,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MemberMuted,
    Message,
    MessageRemoved,
    User,
    parse_command,
)
from core.ids import ONEBOT, IdError, scoped, scoped_group

Payload = Mapping[str, Any]
MetaKind = Literal["lifecycle", "heartbeat"]

# A QQ group admin can delete messages, mute and remove members and answer join requests.
ADMIN_RIGHTS = frozenset({"delete", "restrict", "invite"})
# Roles a group member's ``sender.role`` may have; owner and admin are group admins.
ADMIN_ROLES = frozenset({"owner", "admin"})
_HASH_BITS = 31


def to_event(payload: Payload, bot_username: str | None = None) -> Event | None:
    """The neutral event of one OneBot event; None for what the core does not handle."""
    if not isinstance(payload, Mapping):
        return None
    try:
        return _dispatch(payload, bot_username)
    except (IdError, ValueError, TypeError, OverflowError):
        # Malformed events (ids out of range, wrong types) are dropped, not raised.
        return None


def _dispatch(payload: Payload, bot_username: str | None) -> Event | None:
    kind = payload.get("post_type")
    if kind == "message":
        return _from_message(payload, bot_username)
    if kind == "notice":
        return _from_notice(payload)
    if kind == "request":
        return _from_request(payload)
    # meta_event (see meta_kind) and message_sent (the bot's own messages) stop here.
    return None


def update_id(payload: Payload) -> int:
    """The stable update id of one OneBot event (see the module docstring)."""
    keys = ("self_id", "post_type", "message_type", "notice_type", "request_type", "sub_type")
    keys += ("group_id", "user_id", "operator_id", "message_id", "flag", "duration")
    text = "|".join(f"{key}={payload.get(key)!r}" for key in keys)
    if payload.get("post_type") != "message":
        # A message is named by its id alone; a notice needs its time to be told apart.
        text += f"|time={payload.get('time')!r}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    low = int.from_bytes(digest, "big") >> (64 - _HASH_BITS)
    return (_seconds(payload) << _HASH_BITS) | low


def event_date(payload: Payload) -> datetime:
    """When an event happened, from its ``time`` (seconds, UTC); the epoch if unreadable."""
    return datetime.fromtimestamp(_seconds(payload), UTC)


def _seconds(payload: Payload) -> int:
    value = payload.get("time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    # OneBot gives seconds; a few implementations give milliseconds.
    seconds = int(value // 1000 if value > 10**11 else value)
    return min(max(seconds, 0), (1 << 32) - 1)


def meta_kind(payload: Payload) -> MetaKind | None:
    """For the transport: a meta event's kind (lifecycle or heartbeat); None otherwise."""
    if not isinstance(payload, Mapping) or payload.get("post_type") != "meta_event":
        return None
    kind = payload.get("meta_event_type")
    if kind == "lifecycle":
        return "lifecycle"
    if kind == "heartbeat":
        return "heartbeat"
    return None


def heartbeat_interval(payload: Payload) -> float | None:
    """A heartbeat's announced interval in seconds (OneBot sends milliseconds)."""
    if meta_kind(payload) != "heartbeat":
        return None
    value = payload.get("interval")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return value / 1000


def is_own(payload: Payload) -> bool:
    """True for the bot's own messages (``message_sent``, or sent by ``self_id``)."""
    if payload.get("post_type") == "message_sent":
        return True
    user, me = payload.get("user_id"), payload.get("self_id")
    return user is not None and str(user) == str(me)


def _from_message(payload: Payload, bot_username: str | None) -> Message | Command | None:
    if is_own(payload):
        return None
    message = to_message(payload)
    if message is None:
        return None
    return parse_command(message, bot_username) or message


def to_message(payload: Payload, chat: Chat | None = None) -> Message | None:
    """A message event (or a ``get_msg`` answer) as a neutral ``Message``; None if malformed.

    ``chat`` is used when the payload names none (the spec's ``get_msg`` answer has no
    ``group_id``). ``reply_to`` stays None: the quoted message is only named
    (``quoted_id``); the transport fetches it with ``get_msg`` and attaches it with
    ``with_reply``.
    """
    chat = message_chat(payload) or chat
    if chat is None:
        return None
    message_id = as_int(payload.get("message_id"))
    if message_id is None:
        return None
    reading = read(payload)
    return Message(
        chat=chat,
        sender=sender(payload),
        message_id=message_id,
        text=reading.text,
        date=event_date(payload),
        has_media=reading.has_media,
        is_forward=reading.is_forward,
        document=reading.attachments[0] if reading.attachments else None,
        hidden_urls=reading.hidden_urls,
        update_id=update_id(payload),
    )


def read(payload: Payload) -> Reading:
    """A message event's content; ``raw_message`` is read when ``message`` is missing."""
    message = payload.get("message")
    if message is None:
        message = payload.get("raw_message", "")
    return read_message(message, as_int(payload.get("self_id")))


def quoted_id(payload: Payload) -> int | None:
    """The id of the message a message event quotes (its ``reply`` segment), if any."""
    if not isinstance(payload, Mapping) or payload.get("post_type") not in ("message", None):
        return None
    return read(payload).reply_to


def with_reply(event: Event, quoted: Message | None) -> Event:
    """An event with the quoted message (fetched by the transport) attached."""
    if quoted is None:
        return event
    if isinstance(event, Message):
        return replace(event, reply_to=quoted)
    if isinstance(event, Command):
        return replace(event, message=replace(event.message, reply_to=quoted))
    return event


def with_chat(event: Event, chat: Chat) -> Event:
    """The event in ``chat`` (the same chat with more said of it, such as its name)."""
    if isinstance(event, Command):
        return replace(event, message=replace(event.message, chat=chat))
    return replace(event, chat=chat)


def message_chat(payload: Payload) -> Chat | None:
    """The chat of a message: its group, or a private chat with the sender."""
    kind = payload.get("message_type")
    if kind == "group":
        return group_chat(payload)
    if kind == "private":
        user = as_int(payload.get("user_id"))
        return None if user is None else Chat(scoped(ONEBOT, user), "", "private")
    return None


def group_chat(payload: Payload) -> Chat | None:
    """The group an event belongs to (its ``group_id``); None without one."""
    group = as_int(payload.get("group_id"))
    if group is None:
        return None
    name = payload.get("group_name")
    return Chat(scoped_group(ONEBOT, group), name if isinstance(name, str) else "", "group")


def sender(payload: Payload) -> User:
    """Who sent a message: the group card (nickname in the group) over the QQ nickname."""
    user = as_int(payload.get("user_id"))
    info = payload.get("sender")
    info = info if isinstance(info, Mapping) else {}
    if user is None:
        user = as_int(info.get("user_id"))
    if user is None:
        raise ValueError("a message without a sender")
    name = _name(info.get("card")) or _name(info.get("nickname")) or str(user)
    return User(scoped(ONEBOT, user), name)


def sender_role(payload: Payload) -> str | None:
    """The sender's role in the group (``owner``, ``admin`` or ``member``), if reported."""
    info = payload.get("sender") if isinstance(payload, Mapping) else None
    role = info.get("role") if isinstance(info, Mapping) else None
    return role if role in ("owner", "admin", "member") else None


def request_comment(payload: Payload) -> str:
    """A join request's comment (the applicant's answer to the group's question)."""
    comment = payload.get("comment") if isinstance(payload, Mapping) else None
    return comment if isinstance(comment, str) else ""


def _from_notice(payload: Payload) -> Event | None:
    chat = group_chat(payload)
    user_id = as_int(payload.get("user_id"))
    if chat is None or user_id is None:
        return None
    kind, sub = payload.get("notice_type"), payload.get("sub_type")
    own = str(user_id) == str(payload.get("self_id"))
    uid, date = update_id(payload), event_date(payload)
    user = User(scoped(ONEBOT, user_id), str(user_id))
    if kind == "group_increase":
        if own:
            return BotStatusChanged(chat, "member", False, joined=True, update_id=uid)
        adder, approved = _adder(payload, user_id), sub == "approve"
        return MemberJoined(chat, user, date, added_by=adder, update_id=uid, by_request=approved)
    if kind == "group_decrease":
        if own or sub == "kick_me":
            status = "left" if sub == "leave" else "kicked"
            return BotStatusChanged(chat, status, False, update_id=uid)
        return MemberLeft(chat, user, date, update_id=uid)
    if kind == "group_admin":
        if own:
            admin = sub == "set"
            status, rights = ("administrator", ADMIN_RIGHTS) if admin else ("member", frozenset())
            return BotStatusChanged(chat, status, admin, rights, update_id=uid)
        return AdminsChanged(chat, user, update_id=uid)
    if kind == "group_ban":
        return _from_ban(payload, chat, user, date, uid)
    if kind == "group_recall":
        message_id = as_int(payload.get("message_id"))
        if message_id is None:
            return None
        return MessageRemoved(chat, message_id, user, _operator(payload), update_id=uid)
    # group_upload, poke, ...: no neutral event.
    return None


def _from_ban(
    payload: Payload, chat: Chat, user: User, date: datetime, uid: int
) -> MemberMuted | None:
    """A member's mute or its lifting (``group_ban``), unless the bot itself did it.

    The bot's own ``set_group_ban`` comes back as this notice: it recorded that mute when
    it made it, so reporting it again would log it twice. A whole-group mute (user 0) is
    no member's mute and is left out.
    """
    if user.id == scoped(ONEBOT, 0) or _by_self(payload):
        return None
    sub, by = payload.get("sub_type"), _operator(payload)
    if sub == "lift_ban":
        return MemberMuted(chat, user, by, None, update_id=uid)
    seconds = as_int(payload.get("duration"))
    if sub != "ban" or seconds is None or seconds <= 0:
        return None
    return MemberMuted(chat, user, by, date + timedelta(seconds=seconds), update_id=uid)


def _by_self(payload: Payload) -> bool:
    operator = payload.get("operator_id")
    return operator is not None and str(operator) == str(payload.get("self_id"))


def _operator(payload: Payload) -> int | None:
    """Who acted (``operator_id``), platform-qualified; None when not said."""
    operator = as_int(payload.get("operator_id"))
    return scoped(ONEBOT, operator) if operator else None


def _adder(payload: Payload, user_id: int) -> int | None:
    operator = _operator(payload)
    return None if operator == scoped(ONEBOT, user_id) else operator


def _from_request(payload: Payload) -> JoinRequest | None:
    # ``invite`` is the bot itself being invited into a group: not a member's join request.
    if payload.get("request_type") != "group" or payload.get("sub_type") != "add":
        return None
    chat, user_id, flag = group_chat(payload), as_int(payload.get("user_id")), payload.get("flag")
    if chat is None or user_id is None or not isinstance(flag, str) or not flag:
        return None
    user = User(scoped(ONEBOT, user_id), str(user_id))
    return JoinRequest(
        chat,
        user,
        event_date(payload),
        update_id=update_id(payload),
        reference=flag,
        comment=request_comment(payload),
    )


def _name(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
