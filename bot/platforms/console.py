"""The sandbox: a simulated group in the terminal, running the real features and storage.

    python -m bot sandbox
    python -m bot sandbox --qq       # the group as QQ (OneBot v11) shows it
    printf '/as admin\\n/setwelcome Hi {name}\\n/newmember Bob\\n' | python -m bot sandbox

Lines are messages from the current speaker. Sandbox commands: /as NAME (/as admin for the
admin), /newmember NAME, /leave NAME, /reply N TEXT, /upload PATH [CAPTION] (a local file as a
document, the caption may be a bot command), /who, /quit. Everything else, bot commands
included, goes through the same dispatcher as on Telegram. Files the bot sends are kept in
memory, so /reply N /command can answer one of them.

``--qq`` (``QQConsolePort``) gives the group QQ numbers and OneBot's capabilities, and prints
each message the way ``bot.platforms.onebot.render`` would send it: plain text, mentions as
``@name``, long texts over several messages, images as a placeholder line.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.app import Core, build_core
from bot.platforms.onebot.port import CAPABILITIES as QQ_CAPABILITIES
from bot.platforms.onebot.port import OPEN, mute_seconds
from bot.platforms.onebot.render import TEXT_LIMIT, Wire, messages, segments, split
from bot.settings import Settings
from core.chat import (
    SENDING_RIGHTS,
    Capabilities,
    ChatActionError,
    ChatRights,
    Keyboard,
    MemberInfo,
    RosterEntry,
)
from core.events import (
    Attachment,
    Chat,
    Event,
    MemberJoined,
    MemberLeft,
    Message,
    User,
    parse_command,
)
from core.ids import ONEBOT, TELEGRAM, native_for, scoped, scoped_group
from core.text import Text
from storage.unit import Store

SANDBOX_DB = "sqlite+aiosqlite:///data/sandbox.db"
BOT_ID = 777
BOT_USERNAME = "sandbox_bot"
ADMIN = User(1, "admin")
BOT = User(BOT_ID, "bot", BOT_USERNAME, is_bot=True)
CHAT = Chat(-1000000000001, "Sandbox Group")
# In the QQ view people are QQ numbers: the admin 10001, Alice 10002, the bot 10777, ...
QQ_NUMBERS = 10_000
QQ_GROUP = 100_200_300
MAX_LINE = 4096
MAX_UPLOAD = 5 * 1024 * 1024
# A fresh group's member permissions: members may post and invite, not change the group.
SANDBOX_RIGHTS = ChatRights(
    **dict.fromkeys(SENDING_RIGHTS, True), reactions=True, invite_users=True
)

BANNER = {
    "zh": (
        "沙盒群已就绪。输入的每一行都是当前成员发的消息。\n"
        "/as admin 或 /as 名字 切换发言人，/newmember 名字 模拟新成员入群，/leave 名字 退群，\n"
        "/reply 编号 文字 回复某条消息，/upload 路径 [说明] 把本地文件作为文档发送，\n"
        "/who 查看成员，/quit 退出。机器人命令（如 /help）照常使用。\n"
        "机器人消息下的按钮显示为编号选项：输入编号（或选项文字）即等于点击。"
    ),
    "en": (
        "The sandbox group is ready. Each line you type is a message from the current member.\n"
        "/as admin or /as NAME switches the speaker, /newmember NAME simulates a newcomer,\n"
        "/leave NAME a departure, /reply N TEXT answers message N, /upload PATH [CAPTION] sends\n"
        "a local file as a document, /who lists members, /quit exits.\n"
        "Bot commands such as /help work as usual. Buttons under the bot's messages are\n"
        "numbered choices: type the number (or the choice's words) to press one."
    ),
}
QQ_BANNER = {
    "zh": (
        "QQ 视图：没有按钮和编辑，消息是纯文本，@某人 显示为 @名字，"
        "长消息按 onebot.message_limit 分成几条，图片显示为 [图片]。"
    ),
    "en": (
        "QQ view: no buttons or edits, plain text, mentions shown as @name, long texts split\n"
        "at onebot.message_limit into several messages, images shown as [image]."
    ),
}
IMAGE = {"zh": "[图片]", "en": "[image]"}


def humanize(seconds: float) -> str:
    """A duration as the largest whole unit: 45s, 10m, 2h, 3d."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds >= 60:
        return f"{round(seconds / 60)}m"
    return f"{max(int(seconds), 1)}s"


@dataclass
class Group:
    """The simulated group: its members, who is speaking, and message numbering.

    ``platform`` is whose ids the group uses: Telegram's (the default) or QQ's (``onebot``,
    numbers from ``QQ_NUMBERS`` up, so ``[bot.owners] onebot`` applies to them).
    """

    platform: str = TELEGRAM
    members: dict[str, User] = field(default_factory=dict)
    texts: dict[int, Message] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    chat: Chat = field(init=False)
    admin: User = field(init=False)
    bot: User = field(init=False)
    speaker: User = field(init=False)
    _user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(3))
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if self.platform == TELEGRAM:
            self.chat, self.admin, self.bot = CHAT, ADMIN, BOT
        else:
            self.chat = Chat(scoped_group(self.platform, QQ_GROUP), CHAT.title, "group")
            self.admin = User(self.user_id(ADMIN.id), ADMIN.name)
            self.bot = User(self.user_id(BOT_ID), BOT.name, is_bot=True)
        self.speaker = User(self.user_id(2), "Alice")
        for user in (self.admin, self.speaker):
            self.members[user.name.lower()] = user

    def user_id(self, number: int) -> int:
        """The id of the sandbox's ``number``-th person on the group's platform."""
        if self.platform == TELEGRAM:
            return number
        return scoped(self.platform, QQ_NUMBERS + number)

    def member(self, name: str) -> User:
        """The member called ``name``, created on first mention."""
        key = name.lower()
        if key not in self.members:
            self.members[key] = User(self.user_id(next(self._user_ids)), name)
        return self.members[key]

    def name_of(self, user_id: int) -> str:
        """A member's name for printing."""
        return next((u.name for u in self.members.values() if u.id == user_id), str(user_id))

    def keep(self, data: bytes, file_name: str) -> Attachment:
        """Keep a file's bytes in memory and describe it as a document."""
        file_id = f"sandbox-file-{next(self._file_ids)}"
        self.files[file_id] = data
        mime_type, _ = mimetypes.guess_type(file_name)
        return Attachment(file_id, file_name, len(data), mime_type)


# What a terminal transcript really is: lines cannot be pressed, changed or pinned, no
# other message can be reposted and nobody forwards or asks to join; files are kept (/upload).
CONSOLE_CAPABILITIES = Capabilities(
    buttons=False, edit=False, copy=False, pin=False, forward_names=False, join_requests=False
)


class ConsolePort:
    """The ChatPort of the sandbox: prints what the bot does."""

    capabilities = CONSOLE_CAPABILITIES

    def __init__(self, group: Group, write: Callable[[str], None]) -> None:
        self.group = group
        self._write = write
        self.rights = SANDBOX_RIGHTS

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Print the bot's message."""
        message_id = next(self.group.ids)
        who = f"bot (reply to {reply_to})" if reply_to else "bot"
        self._write(f"[{message_id}] {who}: {text}{_buttons(buttons)}")
        return message_id

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Print a scheduled post."""
        message_id = next(self.group.ids)
        self._write(f"[{message_id}] bot: {text}")
        return message_id

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Print a copy of an earlier message."""
        copied = next(self.group.ids)
        self._write(f"[{copied}] bot: (a copy of message {message_id})")
        return copied

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Print an edit."""
        self._write(f"[edited message {message_id}] {text}{_buttons(buttons)}")
        return True

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Print a deletion."""
        self._write(f"[deleted message {message_id}]")
        return True

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Print a mute, with its length."""
        name = self.group.name_of(user_id)
        if until is None:
            self._write(f"[muted {name}]")
            return
        seconds = (until - datetime.now(UTC)).total_seconds()
        self._write(f"[muted {name} for {humanize(round(seconds))}]")

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Print an unmute."""
        self._write(f"[unmuted {self.group.name_of(user_id)}]")

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Print a ban."""
        self._write(f"[banned {self.group.name_of(user_id)}]")

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Print a kick."""
        self._write(f"[kicked {self.group.name_of(user_id)}]")

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Print an unban."""
        self._write(f"[unbanned {self.group.name_of(user_id)}]")

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Print an approval."""
        self._write(f"[approved join request of {self.group.name_of(user_id)}]")

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Print a refusal."""
        self._write(f"[declined join request of {self.group.name_of(user_id)}]")

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Print a pin."""
        self._write(f"[pinned message {message_id}]")

    async def admins(self, chat_id: int) -> frozenset[int]:
        """Only the sandbox admin is an admin."""
        return frozenset({self.group.admin.id})

    async def member_count(self, chat_id: int) -> int | None:
        """Members of the simulated group."""
        return len(self.group.members)

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """Everyone the sandbox knows is a member; the sandbox admin is an admin."""
        return "admin" if user_id == self.group.admin.id else "member"

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """A member of the simulated group by id; None for an id it never made up."""
        user = next((u for u in self.group.members.values() if u.id == user_id), None)
        if user is None:
            return None
        return MemberInfo(user, "admin" if user_id == self.group.admin.id else "member")

    async def roster(self, chat_id: int) -> list[RosterEntry] | None:
        """None: the sandbox's members are seen as they speak or join, nothing to seed from."""
        return None

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """What members of the simulated group may do (everything a fresh group allows)."""
        return self.rights

    async def set_chat_permissions(self, chat_id: int, rights: ChatRights) -> None:
        """Print whether members may post now."""
        self.rights = rights
        self._write("[members may post again]" if rights.may_send else "[members may not post]")

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """A made-up link of the simulated group, printed."""
        link = f"https://t.me/+sandbox{next(self.group.ids)}"
        self._write(f"[invite link for {name}: {link}]")
        return link

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """Print that a link was revoked."""
        self._write(f"[invite link revoked: {link}]")

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Print a photo's size and caption."""
        message_id = next(self.group.ids)
        self._write(f"[{message_id}] [photo {len(photo)} bytes] {caption}".rstrip())
        return message_id

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Print the file's name and size, keep its bytes, and remember it for /reply."""
        document = self.group.keep(data, filename)
        message_id = next(self.group.ids)
        text = str(caption)
        reply = self.group.texts.get(reply_to) if reply_to else None
        self.group.texts[message_id] = Message(
            self.group.chat,
            self.group.bot,
            message_id,
            text,
            _now(),
            reply_to=reply,
            has_media=True,
            document=document,
        )
        who = f"bot (reply to {reply_to})" if reply_to else "bot"
        self._write(f"[{message_id}] {who}: {_file_label(document)} {text}".rstrip())
        return message_id

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """The bytes of a file kept by this sandbox."""
        data = self.group.files.get(file_id)
        if data is None:
            raise ChatActionError("not_found", file_id)
        if len(data) > max_bytes:
            raise ChatActionError("too_big", f"{len(data)} bytes, at most {max_bytes}")
        return data

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """Print a button acknowledgement."""
        if text:
            self._write(f"[popup] {text}")


class QQConsolePort(ConsolePort):
    """The sandbox's port in the QQ view: OneBot's capabilities, and each message printed as
    ``bot.platforms.onebot.render`` splits and shows it (QQ's own behaviour where it differs
    from Telegram's: bans, mutes, no pop-ups, member permissions taken as open)."""

    capabilities = QQ_CAPABILITIES

    def __init__(
        self,
        group: Group,
        write: Callable[[str], None],
        *,
        limit: int = TEXT_LIMIT,
        language: str = "zh",
    ) -> None:
        super().__init__(group, write)
        self._limit = limit
        self._image = IMAGE.get(language, IMAGE["en"])

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Print the text as the QQ messages it becomes; the last one's id (None if empty).

        ``buttons`` never come: the typed choices wrote them into the text."""
        return self._print(messages(text, self._limit), reply_to)

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Print a scheduled post as QQ messages; ChatActionError for an empty text."""
        sent = self._print(messages(text, self._limit), None)
        if sent is None:
            raise ChatActionError("failed", "nothing to send: the text is empty")
        return sent

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Print an image as QQ shows one (a placeholder line), the caption under it."""
        parts = split(segments(caption), self._limit) if caption else []
        first: list[Wire] = [{"type": "image", "data": {}}, *(parts[0] if parts else [])]
        return self._print([first, *parts[1:]], None)

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Print a mute for as long as QQ makes it (one minute to 30 days)."""
        seconds = mute_seconds(until, datetime.now(UTC))
        self._write(f"[muted {self.group.name_of(user_id)} for {humanize(seconds)}]")

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Print a QQ ban: a removal whose later join requests QQ refuses, with no end."""
        name = self.group.name_of(user_id)
        self._write(f"[removed {name}; QQ refuses their join requests from now on]")

    async def unban(self, chat_id: int, user_id: int) -> None:
        """QQ cannot lift that refusal through OneBot: print so."""
        name = self.group.name_of(user_id)
        self._write(f"[QQ has no unban: an admin may invite {name} back]")

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """QQ has no pop-ups: nothing is shown."""

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """QQ has no per-member invite links, as ``OneBotPort`` says."""
        raise ChatActionError("unsupported", "QQ has no per-member invite links")

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """QQ has no per-member invite links, as ``OneBotPort`` says."""
        raise ChatActionError("unsupported", "QQ has no per-member invite links")

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """Taken as open, as on QQ (``OneBotPort.chat_permissions``)."""
        return OPEN

    def _print(self, parts: list[list[Wire]], reply_to: int | None) -> int | None:
        # As OneBotPort: one message per part, the first quoting, the last one's id returned.
        sent = None
        for number, part in enumerate(parts):
            sent = next(self.group.ids)
            who = f"bot (reply to {reply_to})" if number == 0 and reply_to else "bot"
            self._write(f"[{sent}] {who}: {self._shown(part)}")
        return sent

    def _shown(self, part: list[Wire]) -> str:
        """A message as a QQ client shows it: ``@name`` for an ``at``, images as a line."""
        shown = []
        for segment in part:
            kind, data = segment["type"], segment["data"]
            if kind == "at":
                shown.append("@" + self._qq_name(int(data["qq"])))
            elif kind == "image":
                shown.append(self._image + "\n")
            else:
                shown.append(str(data.get("text", "")))
        return "".join(shown).rstrip("\n")

    def _qq_name(self, qq: int) -> str:
        user_id = scoped(ONEBOT, qq)
        known = next((u for u in self.group.members.values() if u.id == user_id), None)
        return known.name if known is not None else str(qq)


def _buttons(buttons: Keyboard | None) -> str:
    if not buttons:
        return ""
    return "\n" + "  ".join(f"[{b.text}]" for row in buttons for b in row)


def _file_label(document: Attachment) -> str:
    return f"[file {document.file_name}, {document.size} bytes]"


class Sandbox:
    """Turns typed lines into events for the core."""

    def __init__(self, core: Core, group: Group, write: Callable[[str], None]) -> None:
        self.core = core
        self.group = group
        self.write = write
        self.done = False
        self._own = {"as": self._as, "newmember": self._newmember, "leave": self._leave}
        self._own |= {"reply": self._reply, "who": self._who, "quit": self._quit}
        self._own |= {"upload": self._upload}

    async def line(self, raw: str) -> None:
        """Handle one typed line; sandbox commands win unless the bot has the same one."""
        text = raw.rstrip("\r\n")[:MAX_LINE]
        if not text.strip():
            return
        head, _, rest = text.partition(" ")
        name = head[1:].lower()
        if head.startswith("/") and name in self._own and name not in self.core.table.specs:
            await self._own[name](rest.strip())
            return
        await self._say(text, reply_to=None)

    async def _say(
        self, text: str, reply_to: Message | None, document: Attachment | None = None
    ) -> None:
        message = Message(
            self.group.chat,
            self.group.speaker,
            next(self.group.ids),
            text,
            _now(),
            reply_to=reply_to,
            has_media=document is not None,
            document=document,
        )
        self.group.texts[message.message_id] = message
        shown = text if document is None else f"{_file_label(document)} {text}".rstrip()
        self.write(f"[{message.message_id}] {self.group.speaker.name}: {shown}")
        # As on Telegram, a caption that is a command runs as one, with the file attached.
        command = parse_command(message, self.group.bot.username)
        await self._handle(command or message)

    async def _handle(self, event: Event) -> None:
        await self.core.dispatcher.handle(event)

    async def _as(self, name: str) -> None:
        if not name:
            self.write("usage: /as admin | /as NAME")
            return
        self.group.speaker = self.group.member(name)
        self.write(f"(now speaking: {self.group.speaker.name})")

    async def _newmember(self, name: str) -> None:
        if not name:
            self.write("usage: /newmember NAME")
            return
        user = self.group.member(name)
        service_id = next(self.group.ids)
        self.write(f"[{service_id}] ({user.name} joined the group)")
        await self._handle(MemberJoined(self.group.chat, user, _now(), service_id))

    async def _leave(self, name: str) -> None:
        if not name or name.lower() not in self.group.members:
            self.write("usage: /leave NAME (a member, see /who)")
            return
        user = self.group.members.pop(name.lower())
        service_id = next(self.group.ids)
        self.write(f"[{service_id}] ({user.name} left the group)")
        await self._handle(MemberLeft(self.group.chat, user, _now(), service_id))

    async def _reply(self, rest: str) -> None:
        number, _, text = rest.partition(" ")
        target = self.group.texts.get(int(number)) if number.isdigit() else None
        if target is None or not text.strip():
            self.write("usage: /reply N TEXT (N is the number of a message)")
            return
        await self._say(text.strip(), reply_to=target)

    async def _upload(self, rest: str) -> None:
        path, _, caption = rest.partition(" ")
        if not path:
            self.write("usage: /upload PATH [CAPTION] (a local file of at most 5 MB)")
            return
        try:
            data = _read_upload(Path(path).expanduser())
        except ValueError as error:
            self.write(f"cannot upload {path}: {error}")
            return
        document = self.group.keep(data, Path(path).name)
        await self._say(caption.strip(), reply_to=None, document=document)

    async def _who(self, _rest: str) -> None:
        group = self.group
        for user in group.members.values():
            # In the QQ view, the QQ number too: what [bot.owners] onebot would list.
            marks = [f"QQ {native_for(ONEBOT, user.id)}"] if group.platform == ONEBOT else []
            marks += [
                m
                for m, on in (("admin", user == group.admin), ("speaking", user == group.speaker))
                if on
            ]
            self.write(f"- {user.name}" + (f" ({', '.join(marks)})" if marks else ""))

    async def _quit(self, _rest: str) -> None:
        self.done = True


def _now() -> datetime:
    return datetime.now(UTC)


def _read_upload(path: Path) -> bytes:
    """A local file's bytes; ValueError saying why it cannot be uploaded."""
    try:
        if not path.is_file():
            raise ValueError("no such file")
        if path.stat().st_size > MAX_UPLOAD:
            raise ValueError("larger than 5 MB")
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(error.strerror or str(error)) from None
    # The file may have grown between the size check and the read.
    if len(data) > MAX_UPLOAD:
        raise ValueError("larger than 5 MB")
    return data


def in_language(settings: Settings, language: str | None) -> Settings:
    """The settings with another default language (``--lang``); unchanged for None."""
    if language is None:
        return settings
    bot = settings.bot.model_copy(update={"default_language": language})
    return settings.model_copy(update={"bot": bot})


def console_for(
    settings: Settings, write: Callable[[str], None], *, qq: bool = False
) -> tuple[Group, ConsolePort]:
    """The simulated group and the port printing to ``write``: as Telegram, or as QQ."""
    if not qq:
        group = Group()
        return group, ConsolePort(group, write)
    group = Group(platform=ONEBOT)
    limit, language = settings.onebot.message_limit, settings.bot.default_language
    return group, QQConsolePort(group, write, limit=limit, language=language)


async def run_sandbox(
    settings: Settings,
    stdin: IO[str],
    stdout: IO[str],
    *,
    db_url: str | None = None,
    language: str | None = None,
    qq: bool = False,
) -> None:
    """Run a sandbox session on the given streams until /quit or end of input.

    ``language`` (``--lang``) sets the banner's and the group's default language; ``qq``
    (``--qq``) shows the group as QQ does (``QQConsolePort``).
    """
    settings = in_language(settings, language)

    def write(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    store = Store(db_url or SANDBOX_DB)
    await store.migrate()
    group, port = console_for(settings, write, qq=qq)
    # A terminal has no message limits: replies are printed when given, in order.
    core = build_core(
        settings,
        store,
        port,
        bot_id=group.bot.id,
        bot_username=group.bot.username,
        queued=False,
    )
    sandbox = Sandbox(core, group, write)
    # "Ready" only once the features started: the spam model trains during start-up.
    await core.start()
    language = settings.bot.default_language
    write(BANNER.get(language, BANNER["en"]))
    if qq:
        write(QQ_BANNER.get(language, QQ_BANNER["en"]))
    loop = asyncio.get_running_loop()
    try:
        while not sandbox.done:
            raw = await loop.run_in_executor(None, stdin.readline)
            if not raw:
                break
            try:
                await sandbox.line(raw)
            except Exception as error:  # the sandbox must survive anything typed
                write(f"error: {error}")
    finally:
        await core.stop()
        await store.close()
