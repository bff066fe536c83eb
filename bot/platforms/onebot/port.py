"""``OneBotPort``: the whole ``core.chat.ChatPort`` on OneBot v11 actions.

QQ lacks buttons, edits, copies, pins and re-downloadable files through OneBot v11, so the
port says so in ``capabilities`` and ``core.fallbacks`` / the typed choices cover them.
Exports are uploaded as group files (``upload_group_file``, which NapCat and LLBot take as
``base64://``); an implementation without it gets the fallback's notice instead.
A ban is a kick that rejects the person's later join requests; QQ has no way to lift that
through OneBot, so ``unban`` says so in the log. Messages to one group are paced
(``message_pace_seconds``): QQ's risk control punishes bursts.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.platforms.onebot.render import TEXT_LIMIT, Wire, messages, segments, split
from core.chat import (
    SENDING_RIGHTS,
    Capabilities,
    ChatActionError,
    ChatRights,
    Keyboard,
    MemberInfo,
    MissingRight,
    RosterEntry,
)
from core.events import User
from core.ids import ONEBOT, IdError, is_group_id, native_for, scoped
from core.text import Text

log = logging.getLogger(__name__)

CAPABILITIES = Capabilities(
    buttons=False,
    edit=False,
    copy=False,
    pin=False,
    files=False,
    forward_names=False,
    join_requests=True,
    member_list=True,
)
# What members of a QQ group may do when it is not muted as a whole: post anything.
OPEN = ChatRights(**dict.fromkeys(SENDING_RIGHTS, True))
# QQ mutes for at most 30 days and at least one minute.
LONGEST_MUTE = 30 * 24 * 3600
SHORTEST_MUTE = 60
ROLES = {"owner": "admin", "admin": "admin", "member": "member"}
# Unix times beyond this are no real join or message time (milliseconds by mistake).
LATEST_TIME = 10**11


class Actions(Protocol):
    """What the port needs of the transport (``transport.Hub``)."""

    async def call(self, action: str, params: Mapping[str, Any], chat_id: int | None = None) -> Any:
        """Run an action for a chat; its data, or ChatActionError."""
        ...


def is_private(chat_id: int) -> bool:
    """Whether a chat id is a private chat with a person (a group's id says it is one)."""
    try:
        return not is_group_id(chat_id)
    except IdError:
        return False


def native_id(scoped_id: int) -> int:
    """The QQ number of a scoped id; ChatActionError("wrong_platform") for another's."""
    try:
        return native_for(ONEBOT, scoped_id)
    except IdError as error:
        raise ChatActionError("wrong_platform", str(error)) from error


def mute_seconds(until: datetime | None, now: datetime) -> int:
    """``set_group_ban``'s duration for a mute until a time (None: as long as QQ allows)."""
    if until is None:
        return LONGEST_MUTE
    seconds = math.ceil((until - now).total_seconds())
    return max(SHORTEST_MUTE, min(LONGEST_MUTE, seconds))


def member_status(member: Mapping[str, Any], now: float) -> str:
    """A group member's standing in neutral words (a running mute: ``restricted``)."""
    role = ROLES.get(str(member.get("role", "member")), "member")
    muted_until = member.get("shut_up_timestamp") or 0
    if role == "member" and isinstance(muted_until, int | float) and muted_until > now:
        return "restricted"
    return role


def member_user(member: Mapping[str, Any]) -> User:
    """The person a member record describes: the group card over the nickname."""
    qq = int(member["user_id"])
    name = str(member.get("card") or member.get("nickname") or qq)
    return User(id=scoped(ONEBOT, qq), name=name, is_bot=bool(member.get("is_robot", False)))


def unix_time(value: object) -> datetime | None:
    """A member record's Unix time in seconds as a UTC time; None for 0, missing or junk."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 < value < LATEST_TIME:
        return None
    return datetime.fromtimestamp(value, UTC)


def roster_entry(member: object) -> RosterEntry | None:
    """One ``get_group_member_list`` record as a roster entry; None if it is malformed."""
    if not isinstance(member, Mapping):
        return None
    qq = member.get("user_id")
    if isinstance(qq, str) and qq.isascii() and qq.isdigit():
        qq = int(qq)
    if isinstance(qq, bool) or not isinstance(qq, int):
        return None
    try:
        user = member_user(member)
    except IdError:  # a number outside QQ's range
        return None
    return RosterEntry(
        user,
        joined_at=unix_time(member.get("join_time")),
        last_seen=unix_time(member.get("last_sent_time")),
        is_admin=ROLES.get(str(member.get("role"))) == "admin",
    )


def roster_of(data: object) -> list[RosterEntry]:
    """A whole member list's entries, malformed ones skipped; ChatActionError if no list."""
    if not isinstance(data, list):
        raise ChatActionError("failed", "get_group_member_list gave no list")
    return [entry for entry in map(roster_entry, data) if entry is not None]


def message_id(data: object) -> int:
    """The id of a sent message from an answer's data; ChatActionError("unknown") without."""
    found = data.get("message_id") if isinstance(data, Mapping) else None
    if isinstance(found, int):
        return found
    if isinstance(found, str) and found.lstrip("-").isdigit():
        return int(found)
    raise ChatActionError("unknown", f"sent, but no message id came back: {data!r}")


def request_of(reference: str) -> tuple[str, str]:
    """A join request's ``sub_type`` and ``flag`` from its reference: ``invite:<flag>`` for
    an invitation of the bot's account, else the flag of a request to join (``add``)."""
    kind, colon, flag = reference.partition(":")
    if colon and kind in ("add", "invite"):
        return kind, flag
    return "add", reference


def reply_segment(message: int) -> Wire:
    """A OneBot ``reply`` segment quoting a message."""
    return {"type": "reply", "data": {"id": str(message)}}


class Pacer:
    """Keeps at least ``gap`` seconds between two messages to one chat."""

    def __init__(self, gap: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._gap = gap
        self._clock = clock
        self._next: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def delay(self, chat_id: int) -> float:
        """How long a message to the chat must wait now (and book its slot)."""
        now = self._clock()
        at = max(now, self._next.get(chat_id, now))
        self._next[chat_id] = at + self._gap
        return at - now

    async def wait(self, chat_id: int) -> None:
        """Wait for the chat's next slot."""
        pause = self.delay(chat_id)
        if pause > 0:
            await asyncio.sleep(pause)


class OneBotPort:
    """ChatPort over OneBot v11 actions; ids in and out are scoped (``core.ids``)."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        actions: Actions,
        *,
        limit: int = TEXT_LIMIT,
        pace: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._actions = actions
        self._limit = limit
        self._pacer = Pacer(pace)
        self._clock = clock

    async def _call(self, action: str, chat_id: int | None, **params: Any) -> Any:
        return await self._actions.call(action, params, chat_id)

    async def _send_one(self, chat_id: int, message: list[Wire]) -> int:
        target = native_id(chat_id)
        await self._pacer.wait(chat_id)
        if is_private(chat_id):
            data = await self._call("send_private_msg", chat_id, user_id=target, message=message)
        else:
            data = await self._call("send_group_msg", chat_id, group_id=target, message=message)
        return message_id(data)

    async def _post(self, chat_id: int, parts: list[list[Wire]], reply_to: int | None) -> int:
        if not parts:
            raise ChatActionError("failed", "nothing to send: the text is empty")
        sent = 0
        for number, part in enumerate(parts):
            quoted = [reply_segment(reply_to)] if number == 0 and reply_to is not None else []
            sent = await self._send_one(chat_id, quoted + part)
        return sent

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a text (several messages if long); the last id, or None if it failed.

        ``buttons`` are left to the typed choices (``capabilities.buttons`` is False)."""
        try:
            return await self._post(chat_id, messages(text, self._limit), reply_to)
        except ChatActionError as error:
            log.warning("onebot: sending to %s failed: %s", chat_id, error)
            return None

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Post a text and return the last message's id; ChatActionError saying why not."""
        return await self._post(chat_id, messages(text, self._limit), None)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """QQ cannot repost a message through OneBot v11: ChatActionError("unsupported")."""
        raise ChatActionError("unsupported", "OneBot v11 cannot copy a message")

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """QQ cannot edit: the new text is sent as a new message (True if it went out)."""
        return await self.send(chat_id, text) is not None

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Recall a message; MissingRight("delete") if the bot may not, False if it failed."""
        native_id(chat_id)
        try:
            await self._call("delete_msg", chat_id, message_id=message_id)
        except MissingRight:
            raise
        except ChatActionError as error:
            log.info("onebot: deleting %s in %s failed: %s", message_id, chat_id, error)
            return False
        return True

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Mute a member until a time (QQ: between one minute and 30 days)."""
        seconds = mute_seconds(until, datetime.fromtimestamp(self._clock(), UTC))
        await self._ban_for(chat_id, user_id, seconds)

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Lift a member's mute (``set_group_ban`` with duration 0)."""
        await self._ban_for(chat_id, user_id, 0)

    async def _ban_for(self, chat_id: int, user_id: int, seconds: int) -> None:
        group, user = native_id(chat_id), native_id(user_id)
        await self._call("set_group_ban", chat_id, group_id=group, user_id=user, duration=seconds)

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and refuse their later join requests (QQ bans have no end)."""
        if until is not None:
            log.info("onebot: QQ bans have no end; %s stays out of %s", user_id, chat_id)
        await self._kick(chat_id, user_id, reject=True)

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may ask to join again."""
        await self._kick(chat_id, user_id, reject=False)

    async def _kick(self, chat_id: int, user_id: int, *, reject: bool) -> None:
        group, user = native_id(chat_id), native_id(user_id)
        await self._call(
            "set_group_kick", chat_id, group_id=group, user_id=user, reject_add_request=reject
        )

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Nothing to call: OneBot v11 cannot lift QQ's join-request block; logged."""
        native_id(chat_id)
        native_id(user_id)
        log.info(
            "onebot: QQ has no unban; %s may be invited back to %s by an admin", user_id, chat_id
        )

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Accept a join request by its ``flag`` (the reference)."""
        await self._answer_request(chat_id, reference, approve=True)

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Turn a join request down by its ``flag`` (the reference)."""
        await self._answer_request(chat_id, reference, approve=False)

    async def _answer_request(self, chat_id: int, reference: str, *, approve: bool) -> None:
        native_id(chat_id)
        sub_type, flag = request_of(reference)
        if not flag:
            raise ChatActionError("failed", "a OneBot join request needs its flag")
        await self._call(
            "set_group_add_request", chat_id, flag=flag, sub_type=sub_type, approve=approve
        )

    async def pin(self, chat_id: int, message_id: int) -> None:
        """QQ has no pinning through OneBot v11: ChatActionError("unsupported")."""
        raise ChatActionError("unsupported", "OneBot v11 cannot pin a message")

    async def admins(self, chat_id: int) -> frozenset[int]:
        """The group's owner and admins (roles from ``get_group_member_list``)."""
        return frozenset(entry.user.id for entry in await self.roster(chat_id) if entry.is_admin)

    async def roster(self, chat_id: int) -> list[RosterEntry]:
        """Every member of the group from one ``get_group_member_list`` call."""
        data = await self._call("get_group_member_list", chat_id, group_id=native_id(chat_id))
        return roster_of(data)

    async def group_title(self, chat_id: int) -> str:
        """A group's name (``get_group_info``); "" if it cannot be had."""
        try:
            info = await self._call("get_group_info", chat_id, group_id=native_id(chat_id))
        except ChatActionError as error:
            log.info("onebot: no name for %s: %s", chat_id, error)
            return ""
        name = info.get("group_name") if isinstance(info, Mapping) else None
        return name.strip() if isinstance(name, str) else ""

    async def member_count(self, chat_id: int) -> int | None:
        """The group's member count (``get_group_info``); None if it cannot be had."""
        try:
            info = await self._call("get_group_info", chat_id, group_id=native_id(chat_id))
        except ChatActionError as error:
            log.info("onebot: no member count for %s: %s", chat_id, error)
            return None
        count = info.get("member_count") if isinstance(info, Mapping) else None
        return count if isinstance(count, int) else None

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """``member``, ``admin`` or ``restricted``; ``left`` if QQ knows no such member."""
        info = await self.member_info(chat_id, user_id)
        return None if info is None else info.status

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """A member as ``get_group_member_info`` describes them; None if unknown."""
        if is_private(chat_id):
            return None
        group, user = native_id(chat_id), native_id(user_id)
        try:
            member = await self._call(
                "get_group_member_info", chat_id, group_id=group, user_id=user, no_cache=True
            )
        except ChatActionError as error:
            if error.reason == "not_found":
                return MemberInfo(User(id=user_id, name=str(user)), "left")
            log.info("onebot: no member info for %s in %s: %s", user_id, chat_id, error)
            return None
        if not isinstance(member, Mapping) or "user_id" not in member:
            return None
        return MemberInfo(member_user(member), member_status(member, self._clock()))

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Post a PNG as a ``base64://`` image segment, the caption after it."""
        image: Wire = {
            "type": "image",
            "data": {"file": "base64://" + base64.b64encode(photo).decode()},
        }
        parts = split(segments(caption), self._limit) if caption else []
        first = [image, *parts[0]] if parts else [image]
        try:
            return await self._post(chat_id, [first, *parts[1:]], None)
        except ChatActionError as error:
            log.warning("onebot: the image to %s failed: %s", chat_id, error)
            return None

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Upload a document as a group (or private) file, the bytes as ``base64://``, then
        the caption as a message; None if the upload failed. An implementation without the
        action raises ChatActionError("unsupported"): the fallback posts its notice."""
        target = native_id(chat_id)
        private = is_private(chat_id)
        action = "upload_private_file" if private else "upload_group_file"
        where = {"user_id": target} if private else {"group_id": target}
        encoded = "base64://" + base64.b64encode(data).decode()
        await self._pacer.wait(chat_id)
        try:
            await self._call(action, chat_id, file=encoded, name=filename, **where)
        except ChatActionError as error:
            if error.reason == "not_found":
                # retcode 1404: the implementation has no such action.
                raise ChatActionError("unsupported", str(error)) from error
            log.warning("onebot: the file %s to %s failed: %s", filename, chat_id, error)
            return None
        if not caption:
            return 0
        sent = await self.send(chat_id, caption, reply_to=reply_to)
        return 0 if sent is None else sent

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """QQ files cannot be fetched again by id here: ChatActionError("no_files")."""
        raise ChatActionError("no_files", "OneBot files are not downloaded by id")

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """QQ has no toasts: a typed choice needs no acknowledgement (logged for debugging)."""
        log.debug("onebot: press %s answered: %s", press_id, Text(text).plain())

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """``OPEN``: QQ's members may post or not (one switch, the whole-group mute), and
        OneBot v11 cannot read that switch, so the group is taken as open (night mode then
        closes it at night and opens it in the morning)."""
        return OPEN

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """QQ has no per-member invite links: ChatActionError("unsupported")."""
        raise ChatActionError("unsupported", "QQ has no per-member invite links")

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """QQ has no per-member invite links: ChatActionError("unsupported")."""
        raise ChatActionError("unsupported", "QQ has no per-member invite links")

    async def set_chat_permissions(self, chat_id: int, rights: ChatRights) -> None:
        """QQ has one switch: muting the whole group when members may not post."""
        await self._call(
            "set_group_whole_ban",
            chat_id,
            group_id=native_id(chat_id),
            enable=not rights.may_send,
        )
