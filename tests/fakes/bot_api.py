"""A fake Telegram Bot API server on aiohttp, for end-to-end tests of the bot.

Point python-telegram-bot at it with ``Bot(token, base_url=api.base_url,
base_file_url=api.file_url)``. Every call is recorded in ``api.calls``; a small model of
chats, members and rights answers like Telegram does, and updates are injected with
``push_update``. Documents the bot sends and files members send (``upload``) are kept, and
served by ``getFile`` plus ``GET /file/bot<token>/<file_path>`` as on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import inspect
import itertools
import json
import math
import re
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any, Self

from aiohttp import web

JsonDict = dict[str, Any]
UserLike = int | Mapping[str, Any]
Handler = Callable[[JsonDict], Any]

#: Parameters that Telegram treats as plain text; never JSON-decoded.
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "secret_token",
        "url",
        "description",
        "short_description",
        "title",
        "name",
        "first_name",
        "last_name",
        "username",
        "callback_query_id",
        "inline_message_id",
        "language_code",
        "custom_title",
        "ip_address",
        "invite_link",
        "message_effect_id",
        "business_connection_id",
        "question",
        "emoji",
        "photo",
        "document",
        "video",
        "audio",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "certificate",
    }
)

#: Update types Telegram leaves out unless ``allowed_updates`` names them.
NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

#: The rights of a group administrator that PTB's ChatMemberAdministrator reads.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)

#: The permission flags that let a member post something.
SENDING_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
)
#: The permission flags of a restricted member (all required by PTB 22.8, some only at runtime).
MEMBER_PERMISSIONS = (
    *SENDING_PERMISSIONS,
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)

GROUP_ANONYMOUS_BOT_ID = 1087968824
CHANNEL_BOT_ID = 136817688
MAX_TEXT = 4096
#: How long a ``hang_next`` call waits at most (the client times out long before).
HANG_SECONDS = 120.0
MAX_CAPTION = 1024
MAX_UPLOAD = 64 * 1024 * 1024
#: The largest file getFile lets a bot download.
MAX_DOWNLOAD = 20 * 1024 * 1024
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
HTML_TAG = re.compile(r"<[^>]+>")

NO_RESTRICT_RIGHTS = "Bad Request: not enough rights to restrict/unrestrict chat member"
NO_PIN_RIGHTS = "Bad Request: not enough rights to manage pinned messages in the chat"
NO_PERMISSIONS_RIGHTS = "Bad Request: not enough rights to change chat permissions"
USER_IS_ADMIN = "Bad Request: user is an administrator of the chat"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def make_user(
    id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
) -> JsonDict:
    """Build a Telegram User object as a dict."""
    user: JsonDict = {"id": id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    return user


def decode_param(name: str, raw: str) -> Any:
    """Decode one form value the way Telegram does: text fields raw, the rest as JSON if valid."""
    if name in TEXT_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def now() -> int:
    """The current Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())


def admin_member(
    user: JsonDict, rights: Mapping[str, bool], *, can_be_edited: bool = False
) -> JsonDict:
    """A ChatMemberAdministrator dict with every right PTB requires."""
    member: JsonDict = {
        "status": "administrator",
        "user": user,
        "can_be_edited": can_be_edited,
        "is_anonymous": False,
    }
    member.update({right: bool(rights.get(right, False)) for right in ADMIN_RIGHTS})
    return member


def restricted_member(
    user: JsonDict, permissions: Mapping[str, Any], until_date: int = 0, *, is_member: bool = True
) -> JsonDict:
    """A ChatMemberRestricted dict; permissions missing from the mapping are False."""
    member: JsonDict = {
        "status": "restricted",
        "user": user,
        "is_member": is_member,
        "until_date": until_date,
    }
    member.update({flag: bool(permissions.get(flag, False)) for flag in MEMBER_PERMISSIONS})
    return member


def member_with_status(
    user: JsonDict,
    status: str,
    *,
    rights: Mapping[str, bool] | None = None,
    until_date: int = 0,
) -> JsonDict:
    """A ChatMember dict of a status: creator, administrator, member, restricted, left, kicked."""
    if status == "administrator":
        return admin_member(user, rights if rights is not None else default_admin_rights())
    if status == "restricted":
        return restricted_member(user, {}, until_date)
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": until_date}
    if status in ("member", "left"):
        return {"status": status, "user": user}
    raise ValueError(f"unknown chat member status {status!r}")


def default_admin_rights() -> dict[str, bool]:
    """The rights of a typical human administrator: everything but promoting others."""
    rights = dict.fromkeys(ADMIN_RIGHTS, True)
    rights["can_promote_members"] = False
    return rights


def default_chat_permissions() -> dict[str, bool]:
    """The default member permissions of a fresh Telegram group."""
    permissions = dict.fromkeys(MEMBER_PERMISSIONS, True)
    for flag in ("can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag"):
        permissions[flag] = False
    return permissions


def update_type(update: Mapping[str, Any]) -> str:
    """The kind of an update dict: the one key besides update_id."""
    return next((key for key in update if key != "update_id"), "")


@dataclass
class Call:
    """One request the fake received: the method, its decoded parameters and the arrival time."""

    method: str
    params: JsonDict
    time: float
    token: str = ""
    status: int | None = None
    result: Any = None


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        """The number of bytes uploaded."""
        return len(self.data)


@dataclass(frozen=True)
class Fault:
    """An error answer waiting to be given to the next call of a method, or a connection
    broken instead of answering: ``kind`` is ``answer`` (JSON error), ``html`` (an error
    page as a proxy in front of Telegram sends), ``drop_before`` (closed before the call is
    processed), ``drop_after`` (processed, then closed: the answer is lost) or ``hang``
    (never processed nor answered until the client gives up or the fake stops)."""

    status: int
    description: str
    retry_after: int | None = None
    kind: str = "answer"
    # Only calls whose parameters this accepts get the fault (None: any call).
    match: Callable[[JsonDict], bool] | None = None


class ApiError(Exception):
    """An error answer of the Bot API; raised by method handlers."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        """Remember the HTTP status, the description and the optional parameters."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        """The JSON body Telegram sends for this error."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class HtmlError(ApiError):
    """An error page in HTML, as a proxy in front of the Bot API answers (nginx's 502)."""

    def response(self) -> web.Response:
        """The page, with the error status."""
        page = f"<html><body><h1>{self.status} {self.description}</h1></body></html>"
        return web.Response(text=page, status=self.status, content_type="text/html")


def parsed_length(text: str, parse_mode: Any) -> int:
    """A text's length as Telegram limits it: after HTML parsing, in UTF-16 code units."""
    if isinstance(parse_mode, str) and parse_mode.casefold() == "html":
        text = html.unescape(HTML_TAG.sub("", text))
    return len(text.encode("utf-16-le")) // 2


def bad_request(description: str) -> ApiError:
    """A 400 error; the description should start with 'Bad Request: '."""
    return ApiError(HTTPStatus.BAD_REQUEST, description)


@dataclass
class ChatState:
    """What the fake knows about one chat: kind, members, admins and the bot's own rights."""

    id: int
    type: str = "supergroup"
    title: str | None = "Test Group"
    username: str | None = None
    member_count: int = 42
    private_user: JsonDict | None = None
    creator: JsonDict | None = None
    admins: dict[int, JsonDict] = field(default_factory=dict)
    members: dict[int, JsonDict] = field(default_factory=dict)
    bot_is_admin: bool = True
    bot_rights: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ADMIN_RIGHTS, True))
    bot_present: bool = True
    # The bot is in the chat but may not post (restricted by an admin).
    bot_muted: bool = False
    permissions: dict[str, bool] = field(default_factory=default_chat_permissions)
    pinned: list[int] = field(default_factory=list)
    handled_join_requests: set[int] = field(default_factory=set)
    last_message_id: int = 0
    # Invite links the bot created, by URL (ChatInviteLink objects; revoking marks them).
    invite_links: dict[str, JsonDict] = field(default_factory=dict)

    def as_chat(self) -> JsonDict:
        """The Chat object Telegram puts in messages."""
        if self.type == "private" and self.private_user is not None:
            chat = {"id": self.id, "type": "private"}
            chat.update({k: v for k, v in self.private_user.items() if k.endswith("name")})
            return chat
        chat = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            chat["username"] = self.username
        return chat

    def full_info(self) -> JsonDict:
        """The ChatFullInfo object getChat answers."""
        info = self.as_chat()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type != "private":
            info["permissions"] = dict(self.permissions)
        return info

    def bot_can(self, right: str) -> bool:
        """Whether the bot holds an administrator right here (always true in private chats)."""
        if self.type == "private":
            return True
        return self.bot_is_admin and self.bot_rights.get(right, False)

    def is_admin(self, user_id: int) -> bool:
        """Whether the user is the creator or an administrator."""
        return user_id in self.admins or (
            self.creator is not None and self.creator["id"] == user_id
        )


#: Methods that send a message, counted by the per-group message limit (lower case).
MESSAGE_METHODS = frozenset(
    name.casefold()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendSticker",
        "sendPoll",
        "sendDice",
        "sendLocation",
        "sendContact",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )
)


class GroupMessageLimit:
    """Telegram's per-group flood limit: at most ``limit`` messages in any ``window`` seconds.

    A message over the limit is refused with 429 and the seconds until a slot frees.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        """Allow ``limit`` messages per ``window`` seconds in each group, timed by ``clock``."""
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sent: dict[int, deque[float]] = {}

    def take(self, chat_id: int) -> float:
        """Count one message to a group, or raise 429; the time it was counted at."""
        now = self._clock()
        sent = self._sent.setdefault(chat_id, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        if len(sent) >= self.limit:
            wait = max(1, math.ceil(sent[0] + self.window - now))
            raise ApiError(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too Many Requests: retry after {wait}",
                {"retry_after": wait},
            )
        sent.append(now)
        return now

    def give_back(self, chat_id: int, at: float) -> None:
        """Uncount a message that was refused for another reason after all."""
        with contextlib.suppress(KeyError, ValueError):
            self._sent[chat_id].remove(at)

    def sent(self, chat_id: int) -> int:
        """Messages counted for a group within the window ending now."""
        now = self._clock()
        return sum(1 for at in self._sent.get(chat_id, ()) if at > now - self.window)


class FakeBotApi:
    """A fake Telegram Bot API server: records calls, models chats, serves injected updates."""

    def __init__(
        self,
        *,
        bot_id: int = 999000,
        bot_username: str = "test_group_bot",
        bot_first_name: str = "Test Group Bot",
        first_message_id: int = 5000,
        honour_allowed_updates: bool = True,
        group_message_limit: int | None = None,
        group_window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the bot identity; nothing listens until ``start()``.

        ``group_message_limit``: at most this many messages per ``group_window_seconds`` to
        each group (chat ids below 0), as Telegram's flood limit; more get 429 retry_after.
        """
        self.bot_user = make_user(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.first_message_id = first_message_id
        self.honour_allowed_updates = honour_allowed_updates
        self.calls: list[Call] = []
        self.sent_messages: list[JsonDict] = []
        self.deleted_messages: list[tuple[int, int]] = []
        self.files: dict[str, UploadedFile] = {}
        self.downloads: list[str] = []
        self._file_paths: dict[str, str] = {}
        self.webhook: JsonDict = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.allowed_updates: list[str] = []
        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, JsonDict] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._faults: dict[str, deque[Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._update_signal = asyncio.Event()
        self._call_signal = asyncio.Event()
        self._stopping = asyncio.Event()
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._port: int | None = None
        self._handlers = self._method_table()
        self.group_limit = (
            GroupMessageLimit(group_message_limit, group_window_seconds, clock)
            if group_message_limit
            else None
        )

    # ----------------------------------------------------------------- server lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self._runner = runner
        await self._listen(0)

    async def stop(self) -> None:
        """Answer waiting long polls with [] and shut the server down."""
        self._stopping.set()
        self._pulse_updates()
        self._pulse_calls()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def url(self) -> str:
        """The server's root URL; PTB's base_url is this plus '/bot'."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The value to give PTB as ``base_url``."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """The value to give PTB as ``base_file_url``."""
        return f"{self.url}/file/bot"

    # ----------------------------------------------------------------- recorded calls

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method (case-insensitive), oldest first."""
        wanted = method.casefold()
        return [call for call in self.calls if call.method.casefold() == wanted]

    def last_call(self, method: str) -> Call:
        """The latest recorded call of a method; AssertionError if there is none."""
        calls = self.calls_to(method)
        assert calls, f"no call to {method}; recorded: {self.recorded_methods()}"
        return calls[-1]

    def recorded_methods(self) -> list[str]:
        """The method names of all recorded calls, in order."""
        return [call.method for call in self.calls]

    def clear_calls(self) -> None:
        """Forget the recorded calls (the chat state stays)."""
        self.calls.clear()

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least ``count`` matching calls were recorded and return them all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matches = [c for c in self.calls_to(method) if predicate is None or predicate(c)]
            remaining = deadline - loop.time()
            if len(matches) >= count:
                return matches
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, "
                    f"got {len(matches)}; recorded: {self.recorded_methods()}"
                )
            await self._wait(self._call_signal, remaining)

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        html_page: bool = False,
        match: Callable[[JsonDict], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (``html_page``:
        an HTML error page instead of Telegram's JSON, as nginx sends for a 502; ``match``:
        only calls whose decoded parameters it accepts)."""
        text = description or self._default_fault_description(status, retry_after)
        fault = Fault(
            status,
            text,
            retry_after if status == HTTPStatus.TOO_MANY_REQUESTS else None,
            "html" if html_page else "answer",
            match,
        )
        self._faults.setdefault(method.casefold(), deque()).extend([fault] * times)

    def clear_faults(self) -> None:
        """Forget every fault still waiting (delays too)."""
        self._faults.clear()
        self._delays.clear()

    def drop_next(self, method: str, *, after_processing: bool = False, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without answering:
        before processing them (nothing happens), or after (it happened; the answer is lost)."""
        kind = "drop_after" if after_processing else "drop_before"
        self._faults.setdefault(method.casefold(), deque()).extend(
            [Fault(0, "connection dropped", kind=kind)] * times
        )

    def hang_next(self, method: str, times: int = 1) -> None:
        """Never answer (nor process) the next ``times`` calls of ``method``: the client's
        read time-out ends them."""
        self._faults.setdefault(method.casefold(), deque()).extend(
            [Fault(0, "no answer", kind="hang")] * times
        )

    async def refuse_connections(self) -> None:
        """Stop listening and close open connections: the bot cannot connect at all."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            for connection in self._runner.server.connections:
                connection.force_close()

    async def accept_connections(self) -> None:
        """Listen again, on the same port, after ``refuse_connections``."""
        if self._site is None and self._port is not None:
            await self._listen(self._port)

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The same port again after refuse_connections, past closed connections' TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self._port = sock.getsockname()[1]
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer only after ``seconds``."""
        self._delays.setdefault(method.casefold(), deque()).extend([seconds] * times)

    @staticmethod
    def _default_fault_description(status: int, retry_after: int) -> str:
        """The description Telegram gives for an error status."""
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            return f"Too Many Requests: retry after {retry_after}"
        if status == HTTPStatus.BAD_REQUEST:
            return "Bad Request: injected fault"
        if status == HTTPStatus.FORBIDDEN:
            return "Forbidden: bot was blocked by the user"
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return f"Error {status}"

    # ----------------------------------------------------------------- chats and users

    def add_chat(
        self,
        chat_id: int,
        title: str = "Test Group",
        type: str = "supergroup",
        member_count: int = 42,
        *,
        username: str | None = None,
    ) -> ChatState:
        """Create or reset a chat; the bot is an administrator with every right."""
        private_user = self.resolve_user(chat_id) if type == "private" else None
        chat = ChatState(
            id=chat_id,
            type=type,
            title=None if type == "private" else title,
            username=username,
            member_count=member_count,
            private_user=private_user,
            last_message_id=self.first_message_id - 1,
        )
        self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> ChatState:
        """The state of a chat, created on first use (negative ids: supergroup, else private)."""
        if chat_id not in self._chats:
            self.add_chat(chat_id, type="supergroup" if chat_id < 0 else "private")
        return self._chats[chat_id]

    def set_admins(
        self,
        chat_id: int,
        admins: Iterable[UserLike],
        *,
        creator_id: UserLike | None = None,
        rights: Mapping[str, bool] | None = None,
    ) -> None:
        """Replace a chat's administrators (and optionally set its creator)."""
        chat = self.chat(chat_id)
        merged = {**default_admin_rights(), **(rights or {})}
        chat.admins = {}
        for admin in admins:
            user = self.resolve_user(admin)
            chat.admins[user["id"]] = admin_member(user, merged)
        if creator_id is not None:
            chat.creator = self.resolve_user(creator_id)
            chat.admins.pop(chat.creator["id"], None)

    def set_bot_rights(self, chat_id: int, *, admin: bool = True, **rights: bool) -> None:
        """Set the bot's rights in a chat; unnamed rights stay True, ``admin=False`` demotes it."""
        chat = self.chat(chat_id)
        unknown = set(rights) - set(ADMIN_RIGHTS)
        if unknown:
            raise ValueError(f"unknown administrator rights: {sorted(unknown)}")
        chat.bot_is_admin = admin
        chat.bot_rights = {**dict.fromkeys(ADMIN_RIGHTS, True), **rights}

    def set_member(self, chat_id: int, member: JsonDict) -> None:
        """Store an explicit ChatMember dict (e.g. from ``member_with_status``) for a user."""
        user = self.resolve_user(member["user"])
        self.chat(chat_id).members[user["id"]] = {**member, "user": user}

    def member(self, chat_id: int, user_id: int) -> JsonDict:
        """The ChatMember dict getChatMember would answer."""
        chat = self.chat(chat_id)
        if user_id == self.bot_id:
            return self._bot_member(chat)
        if chat.creator is not None and chat.creator["id"] == user_id:
            return member_with_status(chat.creator, "creator")
        if user_id in chat.admins:
            return chat.admins[user_id]
        if user_id in chat.members:
            return chat.members[user_id]
        return {"status": "member", "user": self.resolve_user(user_id)}

    def resolve_user(self, user: UserLike) -> JsonDict:
        """A user dict for an id (known user, or a made-up 'User <id>') or a dict (remembered)."""
        if isinstance(user, Mapping):
            resolved = dict(user)
            self._users[resolved["id"]] = resolved
            return resolved
        if user not in self._users:
            self._users[user] = make_user(user, f"User {user}")
        return self._users[user]

    @property
    def bot_id(self) -> int:
        """The bot's own user id."""
        return int(self.bot_user["id"])

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """A message the fake knows of (sent by the bot or built by an update builder)."""
        return self._messages.get((chat_id, message_id))

    def _bot_member(self, chat: ChatState) -> JsonDict:
        """The bot's own ChatMember in a chat."""
        if not chat.bot_present:
            return {"status": "left", "user": self.bot_user}
        if chat.bot_is_admin and chat.type != "private":
            return admin_member(self.bot_user, chat.bot_rights)
        return {"status": "member", "user": self.bot_user}

    # ----------------------------------------------------------------- updates

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update under the next update_id, wake long polls, and return the id."""
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        self._pulse_updates()
        return update_id

    @property
    def pending_updates(self) -> list[JsonDict]:
        """The queued updates not yet confirmed by an offset."""
        return list(self._updates)

    def message_update(
        self,
        chat_id: int,
        user: UserLike | None,
        text: str,
        *,
        message_id: int | None = None,
        reply_to: int | Mapping[str, Any] | None = None,
        sender_chat: int | Mapping[str, Any] | None = None,
        entities: list[JsonDict] | None = None,
        caption: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """A ``message`` update; '/command' gets a bot_command entity.

        Empty text is left out, so ``extra`` can make a media message (``{"document": doc}``)
        with an optional ``caption`` instead of text.
        """
        chat = self.chat(chat_id)
        fields = self._text_fields(text, caption, entities)
        if reply_to is not None:
            fields["reply_to_message"] = self._reply_target(chat, reply_to)
        if sender_chat is not None:
            fields["sender_chat"] = self._sender_chat(sender_chat)
        sender = self._message_sender(chat, user, fields.get("sender_chat"))
        fields.update(extra or {})
        return self._update("message", self._remember(chat, sender, message_id, fields))

    @staticmethod
    def _text_fields(text: str, caption: str | None, entities: list[JsonDict] | None) -> JsonDict:
        """The text (or caption) of a message with its entities."""
        if text and caption:
            raise ValueError("a message has text or a caption, not both")
        key, body = ("caption", caption) if caption else ("text", text)
        if not body:
            return {}
        if entities is None and body.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(body.split()[0])}]
        fields: JsonDict = {key: body}
        if entities:
            fields["entities" if key == "text" else "caption_entities"] = entities
        return fields

    def new_members_update(
        self,
        chat_id: int,
        users: Iterable[UserLike],
        *,
        message_id: int | None = None,
        from_user: UserLike | None = None,
    ) -> JsonDict:
        """A service message announcing new members (added by ``from_user`` or self-joined)."""
        chat = self.chat(chat_id)
        members = [self.resolve_user(user) for user in users]
        sender = self.resolve_user(from_user) if from_user is not None else members[0]
        fields = {"new_chat_members": members}
        return self._update("message", self._remember(chat, sender, message_id, fields))

    def left_member_update(
        self,
        chat_id: int,
        user: UserLike,
        *,
        message_id: int | None = None,
        from_user: UserLike | None = None,
    ) -> JsonDict:
        """A service message announcing a member who left (or was removed by ``from_user``)."""
        chat = self.chat(chat_id)
        left = self.resolve_user(user)
        sender = self.resolve_user(from_user) if from_user is not None else left
        fields = {"left_chat_member": left}
        return self._update("message", self._remember(chat, sender, message_id, fields))

    def chat_member_update(
        self,
        chat_id: int,
        user: UserLike,
        old_status: str,
        new_status: str,
        *,
        from_user: UserLike | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """A ``chat_member`` update: a member's status changed (by themselves by default)."""
        member = self.resolve_user(user)
        actor = self.resolve_user(from_user) if from_user is not None else member
        body = self._member_change(chat_id, member, old_status, new_status, actor)
        body.update(extra or {})
        return self._update("chat_member", body)

    def link_join_update(self, chat_id: int, user: UserLike, link: str) -> JsonDict:
        """A ``chat_member`` update: ``user`` joined through the invite link ``link``."""
        known = self.chat(chat_id).invite_links.get(link)
        invite = (
            copy.deepcopy(known)
            if known is not None
            else {
                "invite_link": link,
                "creator": self.bot_user,
                "creates_join_request": False,
                "is_primary": False,
                "is_revoked": False,
            }
        )
        return self.chat_member_update(
            chat_id, user, "left", "member", extra={"invite_link": invite}
        )

    def my_chat_member_update(
        self,
        chat_id: int,
        old_status: str,
        new_status: str,
        *,
        from_user: UserLike | None = None,
    ) -> JsonDict:
        """A ``my_chat_member`` update: the bot's own status changed (by ``from_user``)."""
        chat = self.chat(chat_id)
        actor_like = from_user if from_user is not None else (chat.creator or 100)
        actor = self.resolve_user(actor_like)
        body = self._member_change(chat_id, self.bot_user, old_status, new_status, actor)
        if new_status == "administrator":
            body["new_chat_member"] = admin_member(self.bot_user, chat.bot_rights)
        return self._update("my_chat_member", body)

    def callback_query_update(
        self,
        chat_id: int,
        user: UserLike,
        data: str,
        message_id: int,
        *,
        query_id: str | None = None,
    ) -> JsonDict:
        """A ``callback_query`` update from a button on a (known or made-up) bot message."""
        chat = self.chat(chat_id)
        message = self.message(chat_id, message_id) or self._stub_message(chat, message_id)
        query = {
            "id": query_id or f"cbq-{next(self._callback_ids)}",
            "from": self.resolve_user(user),
            "chat_instance": f"instance{abs(chat_id)}",
            "data": data,
            "message": copy.deepcopy(message),
        }
        return self._update("callback_query", query)

    def join_request_update(
        self, chat_id: int, user: UserLike, *, bio: str | None = None
    ) -> JsonDict:
        """A ``chat_join_request`` update; the request can then be approved or declined once."""
        chat = self.chat(chat_id)
        requester = self.resolve_user(user)
        chat.handled_join_requests.discard(requester["id"])
        request: JsonDict = {
            "chat": chat.as_chat(),
            "from": requester,
            "user_chat_id": requester["id"],
            "date": now(),
        }
        if bio is not None:
            request["bio"] = bio
        return self._update("chat_join_request", request)

    def _update(self, kind: str, body: JsonDict) -> JsonDict:
        """Wrap an update body with a fresh update_id."""
        return {"update_id": next(self._update_ids), kind: body}

    def _member_change(
        self, chat_id: int, user: JsonDict, old: str, new: str, actor: JsonDict
    ) -> JsonDict:
        """The body of a chat_member / my_chat_member update."""
        return {
            "chat": self.chat(chat_id).as_chat(),
            "from": actor,
            "date": now(),
            "old_chat_member": member_with_status(user, old),
            "new_chat_member": member_with_status(user, new),
        }

    def _message_sender(
        self, chat: ChatState, user: UserLike | None, sender_chat: JsonDict | None
    ) -> JsonDict:
        """The ``from`` of a message, with Telegram's stand-in bots for chats speaking."""
        if user is not None:
            return self.resolve_user(user)
        if sender_chat is not None and sender_chat["id"] == chat.id:
            return make_user(
                GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", is_bot=True
            )
        if sender_chat is not None:
            return make_user(CHANNEL_BOT_ID, "Channel", username="Channel_Bot", is_bot=True)
        raise ValueError("a message needs a user or a sender_chat")

    def _sender_chat(self, sender_chat: int | Mapping[str, Any]) -> JsonDict:
        """A Chat dict for sender_chat: a known chat by id, or the given dict."""
        if isinstance(sender_chat, Mapping):
            return dict(sender_chat)
        return self.chat(sender_chat).as_chat()

    def _reply_target(self, chat: ChatState, reply_to: int | Mapping[str, Any]) -> JsonDict:
        """The message replied to, without its own reply (Telegram nests only one level)."""
        if isinstance(reply_to, Mapping):
            target = dict(reply_to)
        else:
            target = copy.deepcopy(self.message(chat.id, reply_to)) or self._stub_message(
                chat, reply_to
            )
        target.pop("reply_to_message", None)
        return target

    def _stub_message(self, chat: ChatState, message_id: int) -> JsonDict:
        """A plausible bot message for an id the fake never saw."""
        return {
            "message_id": message_id,
            "date": now(),
            "chat": chat.as_chat(),
            "from": self.bot_user,
            "text": "…",
        }

    def _remember(
        self, chat: ChatState, sender: JsonDict | None, message_id: int | None, fields: JsonDict
    ) -> JsonDict:
        """Build a message with the chat's next id (unless given), store and return it."""
        if message_id is None:
            chat.last_message_id += 1
            message_id = chat.last_message_id
        else:
            chat.last_message_id = max(chat.last_message_id, message_id)
        message: JsonDict = {"message_id": message_id, "date": now(), "chat": chat.as_chat()}
        if sender is not None:
            message["from"] = sender
        message.update(fields)
        self._messages[(chat.id, message_id)] = message
        return copy.deepcopy(message)

    # ----------------------------------------------------------------- HTTP plumbing

    async def _handle(self, request: web.Request) -> web.Response:
        """Decode, record, delay/fail if asked, and answer one Bot API request."""
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ValueError:
            error = bad_request("Bad Request: can't parse request body")
            return web.json_response(error.payload(), status=error.status)
        call = Call(method, params, time.time(), token=request.match_info["token"])
        self._record(call)
        try:
            await self._apply_delay(method)
            broken = self._apply_fault(method, params)
            if broken is not None and broken.kind != "drop_after":
                return await self._break_connection(request, broken)
            result = await self._dispatch(method, params)
        except ApiError as error:
            call.status = error.status
            if isinstance(error, HtmlError):
                return error.response()
            return web.json_response(error.payload(), status=error.status)
        call.result = result
        if broken is not None:
            return await self._break_connection(request, broken)
        call.status = HTTPStatus.OK
        return web.json_response({"ok": True, "result": result})

    async def _break_connection(self, request: web.Request, fault: Fault) -> web.Response:
        """Close the connection with no answer (after waiting, for ``hang``); the call's
        status stays None: no answer was given."""
        if fault.kind == "hang":
            await self._wait(self._stopping, HANG_SECONDS)
        if request.transport is not None:
            request.transport.abort()
        return web.Response()

    async def _read_params(self, request: web.Request) -> JsonDict:
        """Merge query string and body (form, multipart or JSON) into decoded parameters."""
        params = {name: decode_param(name, value) for name, value in request.query.items()}
        if request.content_type == "application/json" and request.can_read_body:
            body = await request.json()
            params.update({k: self._decode_json_value(k, v) for k, v in body.items()})
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update({name: self._decode_form_value(name, v) for name, v in form.items()})
        return params

    @staticmethod
    def _decode_json_value(name: str, value: Any) -> Any:
        """JSON bodies may still carry JSON-encoded strings (e.g. reply_markup)."""
        return decode_param(name, value) if isinstance(value, str) else value

    @staticmethod
    def _decode_form_value(name: str, value: str | bytes | web.FileField) -> Any:
        """A form field as a Python value; file parts become ``UploadedFile``."""
        if isinstance(value, web.FileField):
            return UploadedFile(value.filename, value.content_type, value.file.read())
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode()
        return decode_param(name, value)

    def _record(self, call: Call) -> None:
        """Append a call and wake ``wait_for``."""
        self.calls.append(call)
        self._pulse_calls()

    async def _apply_delay(self, method: str) -> None:
        """Sleep for a queued delay of this method (cut short by ``stop()``)."""
        delays = self._delays.get(method.casefold())
        if delays:
            await self._wait(self._stopping, delays.popleft())

    def _apply_fault(self, method: str, params: JsonDict) -> Fault | None:
        """Raise the queued error answer of this method; return a queued broken connection."""
        faults = self._faults.get(method.casefold())
        fault = next((f for f in faults or () if f.match is None or f.match(params)), None)
        if faults is None or fault is None:
            return None
        faults.remove(fault)
        if fault.kind == "html":
            raise HtmlError(fault.status, fault.description)
        if fault.kind != "answer":
            return fault
        parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
        raise ApiError(fault.status, fault.description, parameters)

    async def _dispatch(self, method: str, params: JsonDict) -> Any:
        """Run the handler of a method; unknown methods are 404 as on Telegram."""
        handler = self._handlers.get(method.casefold())
        if handler is None:
            raise ApiError(HTTPStatus.NOT_FOUND, "Not Found: method not found")
        group, counted = self._count_group_message(method, params)
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError:
            if counted is not None and self.group_limit is not None:
                self.group_limit.give_back(group, counted)
            raise
        return result

    def _count_group_message(self, method: str, params: JsonDict) -> tuple[int, float | None]:
        """Count a message to a group against its limit (429 if over); when it was counted."""
        if self.group_limit is None or method.casefold() not in MESSAGE_METHODS:
            return 0, None
        try:
            chat_id = int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return 0, None
        if chat_id >= 0:
            return chat_id, None
        return chat_id, self.group_limit.take(chat_id)

    def _pulse_updates(self) -> None:
        """Wake everything waiting for a new update."""
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def _pulse_calls(self) -> None:
        """Wake everything waiting for a new call."""
        self._call_signal.set()
        self._call_signal = asyncio.Event()

    async def _wait(self, event: asyncio.Event, timeout: float) -> None:
        """Wait for an event at most ``timeout`` seconds; never raises on timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0))

    def _method_table(self) -> dict[str, Handler]:
        """Map lower-cased method names to their handlers."""
        table: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "copyMessage": self._copy_message,
            "getFile": self._get_file,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": lambda params: True,
            "getChat": lambda params: self._target_chat(params).full_info(),
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": lambda params: self._target_chat(params).member_count,
            "restrictChatMember": self._restrict_chat_member,
            "setChatPermissions": self._set_chat_permissions,
            "banChatMember": self._ban_chat_member,
            "unbanChatMember": self._unban_chat_member,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._unpin_chat_message,
            "approveChatJoinRequest": lambda params: self._answer_join_request(params, True),
            "declineChatJoinRequest": lambda params: self._answer_join_request(params, False),
            "leaveChat": self._leave_chat,
            "createChatInviteLink": self._create_chat_invite_link,
            "revokeChatInviteLink": self._revoke_chat_invite_link,
        }
        return {name.casefold(): handler for name, handler in table.items()}

    # ----------------------------------------------------------------- bot and polling methods

    def _get_me(self, params: JsonDict) -> JsonDict:
        """getMe: the bot user with the bot-only flags."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        """getUpdates: confirm by offset, then long-poll up to ``timeout`` seconds."""
        if self.webhook.get("url"):
            raise ApiError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._pulse_updates()  # an older poll still waiting is terminated, as on Telegram
        self._confirm(int(params.get("offset") or 0))
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or [])
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        return await self._poll(generation, limit, timeout)

    async def _poll(self, generation: int, limit: int, timeout: float) -> list[JsonDict]:
        """Wait until updates are deliverable, the timeout passes, or the server stops."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    HTTPStatus.CONFLICT,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping.is_set():
                return batch
            await self._wait(self._update_signal, remaining)

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by an offset (negative: keep only the last -offset)."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JsonDict]:
        """The first ``limit`` queued updates the bot asked for via allowed_updates."""
        return [copy.deepcopy(u) for u in self._updates if self._is_allowed(u)][:limit]

    def _is_allowed(self, update: JsonDict) -> bool:
        """Telegram's allowed_updates filter (chat_member etc. only when asked for)."""
        if not self.honour_allowed_updates:
            return True
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_SENT_BY_DEFAULT

    def _delete_webhook(self, params: JsonDict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JsonDict) -> bool:
        """setWebhook: remember url, secret token and allowed_updates (no delivery)."""
        self.webhook = {k: v for k, v in params.items() if k != "certificate"}
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or [])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        """getWebhookInfo for the remembered webhook."""
        info: JsonDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("url") and self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        if "max_connections" in self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
        return info

    @staticmethod
    def commands_key(
        scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> tuple[str, str]:
        """The key of ``api.commands`` for a scope dict and a language code."""
        return (json.dumps(dict(scope or {"type": "default"}), sort_keys=True), language_code)

    def _scope_key(self, params: JsonDict) -> tuple[str, str]:
        """The commands key of a set/get/deleteMyCommands call."""
        return self.commands_key(params.get("scope"), params.get("language_code") or "")

    def _set_my_commands(self, params: JsonDict) -> bool:
        """setMyCommands with Telegram's validation of names and descriptions."""
        commands = list(params.get("commands") or [])
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise bad_request("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("Bad Request: command description is empty or too long")
        self.commands[self._scope_key(params)] = commands
        return True

    def _delete_my_commands(self, params: JsonDict) -> bool:
        """deleteMyCommands for a scope and language."""
        self.commands.pop(self._scope_key(params), None)
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        """getMyCommands for a scope and language."""
        return list(self.commands.get(self._scope_key(params), []))

    # ----------------------------------------------------------------- messages

    def _target_chat(self, params: JsonDict) -> ChatState:
        """The chat named by chat_id (id or '@username'); the bot must still be in it."""
        chat = self._chat_by_param(params.get("chat_id"))
        if not chat.bot_present:
            kind = "group" if chat.type == "group" else chat.type
            raise ApiError(
                HTTPStatus.FORBIDDEN, f"Forbidden: bot is not a member of the {kind} chat"
            )
        return chat

    def _chat_by_param(self, value: Any) -> ChatState:
        """Resolve a chat_id parameter."""
        if isinstance(value, int) and not isinstance(value, bool):
            return self.chat(value)
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.username and f"@{chat.username}".casefold() == value.casefold():
                    return chat
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return self.chat(int(value))
        raise bad_request("Bad Request: chat not found")

    def _posting_chat(self, params: JsonDict) -> ChatState:
        """The target chat of a send; the bot must be allowed to post there."""
        chat = self._target_chat(params)
        if chat.bot_muted:
            raise bad_request("Bad Request: not enough rights to send text messages to the chat")
        return chat

    def _send_message(self, params: JsonDict) -> JsonDict:
        """sendMessage."""
        chat = self._posting_chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("Bad Request: message text is empty")
        if parsed_length(text, params.get("parse_mode")) > MAX_TEXT:
            raise bad_request("Bad Request: message is too long")
        return self._bot_message(chat, params, {"text": text})

    def _send_photo(self, params: JsonDict) -> JsonDict:
        """sendPhoto (upload, file_id or URL)."""
        chat = self._target_chat(params)
        photo = params.get("photo")
        if photo is None:
            raise bad_request("Bad Request: there is no photo in the request")
        file_id = f"fake-photo-{next(self._file_ids)}"
        size = photo.size if isinstance(photo, UploadedFile) else 1000
        sizes = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{file_id}-s-u",
                "width": 90,
                "height": 90,
                "file_size": min(size, 1000),
            },
            {
                "file_id": file_id,
                "file_unique_id": f"{file_id}-u",
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]
        return self._bot_message(chat, params, {"photo": sizes, **self._caption(params)})

    def _send_document(self, params: JsonDict) -> JsonDict:
        """sendDocument (upload, file_id or URL); uploaded bytes are kept under the file_id."""
        chat = self._target_chat(params)
        document = params.get("document")
        if document is None:
            raise bad_request("Bad Request: there is no document in the request")
        if isinstance(document, UploadedFile):
            info = self._keep_file(document)
        elif isinstance(document, str) and document in self.files:
            info = self._document_info(document)
        else:
            file_id = f"fake-document-{next(self._file_ids)}"
            info = {"file_id": file_id, "file_unique_id": f"{file_id}-u"}
        return self._bot_message(chat, params, {"document": info, **self._caption(params)})

    def _copy_message(self, params: JsonDict) -> JsonDict:
        """copyMessage: a new bot message with the source's content; answers its MessageId."""
        chat = self._posting_chat(params)
        source_chat = self._chat_by_param(params.get("from_chat_id"))
        source_id = int(params["message_id"])
        source = self.message(source_chat.id, source_id)
        if source is None or (source_chat.id, source_id) in self.deleted_messages:
            raise bad_request("Bad Request: message to copy not found")
        content = {
            k: copy.deepcopy(v)
            for k, v in source.items()
            if k in ("text", "entities", "photo", "document", "poll", "caption")
        }
        return {"message_id": self._bot_message(chat, params, content)["message_id"]}

    @staticmethod
    def _caption(params: JsonDict) -> JsonDict:
        """The caption fields of a media message, checked for length."""
        caption = params.get("caption")
        if not caption:
            return {}
        if parsed_length(caption, params.get("parse_mode")) > MAX_CAPTION:
            raise bad_request("Bad Request: message caption is too long")
        return {"caption": caption}

    def _bot_message(self, chat: ChatState, params: JsonDict, content: JsonDict) -> JsonDict:
        """Store and return a message sent by the bot, with reply and inline keyboard echoed."""
        fields = dict(content)
        reply_id = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_id:
            fields["reply_to_message"] = self._reply_target(chat, int(reply_id))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        if params.get("message_thread_id"):
            fields["message_thread_id"] = params["message_thread_id"]
        message = self._remember(chat, self.bot_user, None, fields)
        self.sent_messages.append(message)
        return message

    def _is_own_message(self, chat_id: int, message_id: int) -> bool:
        """Whether the bot sent this message."""
        message = self.message(chat_id, message_id)
        return message is not None and message.get("from", {}).get("id") == self.bot_id

    def _check_deletable(self, chat: ChatState, message_id: int) -> None:
        """Bots delete their own messages freely, others' only with can_delete_messages."""
        if (chat.id, message_id) in self.deleted_messages:
            raise bad_request("Bad Request: message to delete not found")
        if not self._is_own_message(chat.id, message_id) and not chat.bot_can(
            "can_delete_messages"
        ):
            raise bad_request("Bad Request: message can't be deleted")

    def _delete_message(self, params: JsonDict) -> bool:
        """deleteMessage."""
        chat = self._target_chat(params)
        message_id = int(params["message_id"])
        self._check_deletable(chat, message_id)
        self.deleted_messages.append((chat.id, message_id))
        return True

    def _delete_messages(self, params: JsonDict) -> bool:
        """deleteMessages: ids already gone are skipped, as on Telegram."""
        chat = self._target_chat(params)
        wanted = [int(i) for i in params.get("message_ids") or []]
        fresh = [i for i in wanted if (chat.id, i) not in self.deleted_messages]
        for message_id in fresh:
            self._check_deletable(chat, message_id)
        self.deleted_messages.extend((chat.id, i) for i in fresh)
        return True

    def _edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        """editMessageText, with Telegram's 'message is not modified' check."""
        if params.get("inline_message_id"):
            return True
        chat = self._target_chat(params)
        message_id = int(params["message_id"])
        if (chat.id, message_id) in self.deleted_messages:
            raise bad_request("Bad Request: message to edit not found")
        stored = self.message(chat.id, message_id)
        if stored is None:  # lenient: a message sent before the fake started
            self._remember(chat, self.bot_user, message_id, {"text": ""})
            stored = self._messages[(chat.id, message_id)]
        elif not self._is_own_message(chat.id, message_id):
            raise bad_request("Bad Request: message can't be edited")
        return self._apply_edit(stored, params)

    def _apply_edit(self, stored: JsonDict, params: JsonDict) -> JsonDict:
        """Change a stored message's text and inline keyboard (dropped when not resent)."""
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        if stored.get("text") == params.get("text") and stored.get("reply_markup") == new_markup:
            raise bad_request(NOT_MODIFIED)
        stored["text"] = params.get("text")
        stored["edit_date"] = now()
        stored.pop("reply_markup", None)
        if new_markup is not None:
            stored["reply_markup"] = new_markup
        return copy.deepcopy(stored)

    # ----------------------------------------------------------------- files

    def upload(self, data: bytes, file_name: str, mime_type: str = "application/json") -> JsonDict:
        """Keep a file a member sends; its Document dict goes in ``message_update``'s extra."""
        return self._keep_file(UploadedFile(file_name, mime_type, data))

    def _keep_file(self, upload: UploadedFile) -> JsonDict:
        """Store an uploaded file under a fresh file_id and return its Document dict."""
        file_id = f"fake-document-{next(self._file_ids)}"
        self.files[file_id] = upload
        return self._document_info(file_id)

    def _document_info(self, file_id: str) -> JsonDict:
        """The Document dict of a kept file."""
        upload = self.files[file_id]
        info: JsonDict = {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "file_size": upload.size,
            "mime_type": upload.content_type,
        }
        if upload.filename:
            info["file_name"] = upload.filename
        return info

    def _get_file(self, params: JsonDict) -> JsonDict:
        """getFile: a download path for a kept file; unknown or over 20 MB is refused."""
        file_id = str(params.get("file_id") or "")
        upload = self.files.get(file_id)
        if upload is None:
            raise bad_request("Bad Request: invalid file_id")
        if upload.size > MAX_DOWNLOAD:
            raise bad_request("Bad Request: file is too big")
        path = f"documents/{file_id}{PurePosixPath(upload.filename or '').suffix}"
        self._file_paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "file_size": upload.size,
            "file_path": path,
        }

    async def _serve_file(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: the bytes of a file getFile named, else 404."""
        path = request.match_info["path"]
        file_id = self._file_paths.get(path)
        if file_id is None:
            error = ApiError(HTTPStatus.NOT_FOUND, "Not Found")
            return web.json_response(error.payload(), status=error.status)
        self.downloads.append(path)
        upload = self.files[file_id]
        return web.Response(body=upload.data, content_type="application/octet-stream")

    # ----------------------------------------------------------------- members and moderation

    def _get_chat_member(self, params: JsonDict) -> JsonDict:
        """getChatMember."""
        chat = self._target_chat(params)
        return self.member(chat.id, int(params["user_id"]))

    def _get_chat_administrators(self, params: JsonDict) -> list[JsonDict]:
        """getChatAdministrators: creator, admins, and the bot when it is one."""
        chat = self._target_chat(params)
        if chat.type == "private":
            raise bad_request("Bad Request: there are no administrators in the private chat")
        admins = [member_with_status(chat.creator, "creator")] if chat.creator else []
        admins.extend(chat.admins.values())
        if chat.bot_is_admin:
            admins.append(self._bot_member(chat))
        return admins

    def _moderated_chat(self, params: JsonDict, right: str, description: str) -> ChatState:
        """The target group of a moderation call; 400 in private chats or without the right."""
        chat = self._target_chat(params)
        if chat.type == "private":
            raise bad_request("Bad Request: method is available only for supergroups")
        if not chat.bot_can(right):
            raise bad_request(description)
        return chat

    def _moderated_user(self, chat: ChatState, params: JsonDict) -> JsonDict:
        """The user a restrict/ban call targets; admins and the bot itself are refused."""
        user_id = int(params["user_id"])
        if user_id == self.bot_id:
            raise bad_request("Bad Request: can't restrict self")
        if chat.is_admin(user_id):
            raise bad_request(USER_IS_ADMIN)
        return self.resolve_user(user_id)

    def _restrict_chat_member(self, params: JsonDict) -> bool:
        """restrictChatMember; granting every permission lifts the restriction."""
        chat = self._moderated_chat(params, "can_restrict_members", NO_RESTRICT_RIGHTS)
        user = self._moderated_user(chat, params)
        permissions = params.get("permissions") or {}
        if all(permissions.get(flag, False) for flag, on in chat.permissions.items() if on):
            chat.members.pop(user["id"], None)  # as free as the chat's defaults: a plain member
        else:
            until = int(params.get("until_date") or 0)
            chat.members[user["id"]] = restricted_member(user, permissions, until)
        return True

    def _set_chat_permissions(self, params: JsonDict) -> bool:
        """setChatPermissions: the group's default member permissions; unnamed flags are False.

        As Telegram does, setting the permissions the group has already is a 400
        (CHAT_NOT_MODIFIED); without use_independent_chat_permissions, polls imply messages.
        """
        chat = self._moderated_chat(params, "can_restrict_members", NO_PERMISSIONS_RIGHTS)
        given = params.get("permissions") or {}
        permissions = {flag: bool(given.get(flag, False)) for flag in MEMBER_PERMISSIONS}
        if not params.get("use_independent_chat_permissions") and permissions["can_send_polls"]:
            permissions["can_send_messages"] = True
        if permissions == chat.permissions:
            raise bad_request("Bad Request: CHAT_NOT_MODIFIED")
        chat.permissions = permissions
        return True

    def _create_chat_invite_link(self, params: JsonDict) -> JsonDict:
        """createChatInviteLink: a new link (needs can_invite_users), kept in ``invite_links``."""
        chat = self._moderated_chat(params, "can_invite_users", "Bad Request: CHAT_ADMIN_REQUIRED")
        url = f"https://t.me/+fake{abs(chat.id)}x{len(chat.invite_links) + 1}"
        link: JsonDict = {
            "invite_link": url,
            "creator": self.bot_user,
            "creates_join_request": bool(params.get("creates_join_request", False)),
            "is_primary": False,
            "is_revoked": False,
        }
        if params.get("name"):
            if len(str(params["name"])) > 32:
                raise bad_request("Bad Request: invite link name is too long")
            link["name"] = str(params["name"])
        chat.invite_links[url] = link
        return copy.deepcopy(link)

    def _revoke_chat_invite_link(self, params: JsonDict) -> JsonDict:
        """revokeChatInviteLink: the link, now revoked; 400 for a link the bot never made."""
        chat = self._moderated_chat(params, "can_invite_users", "Bad Request: CHAT_ADMIN_REQUIRED")
        link = chat.invite_links.get(str(params.get("invite_link")))
        if link is None:
            raise bad_request("Bad Request: INVITE_HASH_EXPIRED")
        link["is_revoked"] = True
        return copy.deepcopy(link)

    def _ban_chat_member(self, params: JsonDict) -> bool:
        """banChatMember."""
        chat = self._moderated_chat(params, "can_restrict_members", NO_RESTRICT_RIGHTS)
        user = self._moderated_user(chat, params)
        until = int(params.get("until_date") or 0)
        chat.members[user["id"]] = {"status": "kicked", "user": user, "until_date": until}
        return True

    def _unban_chat_member(self, params: JsonDict) -> bool:
        """unbanChatMember: without only_if_banned a current member is removed too."""
        chat = self._moderated_chat(params, "can_restrict_members", NO_RESTRICT_RIGHTS)
        user_id = int(params["user_id"])
        banned = chat.members.get(user_id, {}).get("status") == "kicked"
        if params.get("only_if_banned") and not banned:
            return True
        user = self._moderated_user(chat, params)
        chat.members[user_id] = {"status": "left", "user": user}
        return True

    def _pin_chat_message(self, params: JsonDict) -> bool:
        """pinChatMessage."""
        chat = self._moderated_chat(params, "can_pin_messages", NO_PIN_RIGHTS)
        chat.pinned.append(int(params["message_id"]))
        return True

    def _unpin_chat_message(self, params: JsonDict) -> bool:
        """unpinChatMessage (the given message, else the latest pin)."""
        chat = self._moderated_chat(params, "can_pin_messages", NO_PIN_RIGHTS)
        message_id = params.get("message_id")
        if message_id is None and chat.pinned:
            chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    def _answer_join_request(self, params: JsonDict, approve: bool) -> bool:
        """approve/declineChatJoinRequest; answering the same request twice fails."""
        chat = self._moderated_chat(params, "can_invite_users", "Bad Request: CHAT_ADMIN_REQUIRED")
        user_id = int(params["user_id"])
        if user_id in chat.handled_join_requests:
            raise bad_request("Bad Request: HIDE_REQUESTER_MISSING")
        chat.handled_join_requests.add(user_id)
        if approve:
            chat.members.pop(user_id, None)
            chat.member_count += 1
        return True

    def _leave_chat(self, params: JsonDict) -> bool:
        """leaveChat: later calls about this chat answer 403."""
        chat = self._target_chat(params)
        if chat.type == "private":
            raise bad_request("Bad Request: chat member status can't be changed in private chats")
        chat.bot_present = False
        return True
