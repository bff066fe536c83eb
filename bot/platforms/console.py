"""The sandbox: a simulated group in the terminal, running the real features and storage.

    python -m bot sandbox
    printf '/as admin\\n/setwelcome Hi {name}\\n/join Bob\\n' | python -m bot sandbox

Lines are messages from the current speaker. Sandbox commands: /as NAME (/as admin for the
admin), /join NAME, /leave NAME, /reply N TEXT, /upload PATH [CAPTION] (send a local file as a
document, the caption may be a bot command), /who, /quit. Everything else, bot commands
included, goes through the same dispatcher as on Telegram. Files the bot sends are kept in
memory, so /reply N /command can answer one of them.
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
from core.text import Text
from storage.unit import Store

SANDBOX_DB = "sqlite+aiosqlite:///data/sandbox.db"
BOT_ID = 777
BOT_USERNAME = "sandbox_bot"
ADMIN = User(1, "admin")
BOT = User(BOT_ID, "bot", BOT_USERNAME, is_bot=True)
CHAT = Chat(-1000000000001, "Sandbox Group")
MAX_LINE = 4096
MAX_UPLOAD = 5 * 1024 * 1024
# A fresh group's member permissions: members may post and invite, not change the group.
SANDBOX_RIGHTS = ChatRights(
    **dict.fromkeys(SENDING_RIGHTS, True), reactions=True, invite_users=True
)

BANNER = {
    "zh": (
        "沙盒群已就绪。输入的每一行都是当前成员发的消息。\n"
        "/as admin 或 /as 名字 切换发言人，/join 名字 模拟新成员入群，/leave 名字 退群，\n"
        "/reply 编号 文字 回复某条消息，/upload 路径 [说明] 把本地文件作为文档发送，\n"
        "/who 查看成员，/quit 退出。机器人命令（如 /help）照常使用。\n"
        "机器人消息下的按钮显示为编号选项：输入编号（或选项文字）即等于点击。"
    ),
    "en": (
        "The sandbox group is ready. Each line you type is a message from the current member.\n"
        "/as admin or /as NAME switches the speaker, /join NAME simulates a newcomer, /leave NAME\n"
        "a departure, /reply N TEXT answers message N, /upload PATH [CAPTION] sends a local\n"
        "file as a document, /who lists members, /quit exits.\n"
        "Bot commands such as /help work as usual. Buttons under the bot's messages are\n"
        "numbered choices: type the number (or the choice's words) to press one."
    ),
}


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
    """The simulated group: its members, who is speaking, and message numbering."""

    members: dict[str, User] = field(default_factory=lambda: {"admin": ADMIN})
    speaker: User = field(default_factory=lambda: User(2, "Alice"))
    texts: dict[int, Message] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(3))
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.members[self.speaker.name.lower()] = self.speaker

    def member(self, name: str) -> User:
        """The member called ``name``, created on first mention."""
        key = name.lower()
        if key not in self.members:
            self.members[key] = User(next(self._user_ids), name)
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
        return frozenset({ADMIN.id})

    async def member_count(self, chat_id: int) -> int | None:
        """Members of the simulated group."""
        return len(self.group.members)

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """Everyone the sandbox knows is a member; the sandbox admin is an admin."""
        return "admin" if user_id == ADMIN.id else "member"

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """A member of the simulated group by id; None for an id it never made up."""
        user = next((u for u in self.group.members.values() if u.id == user_id), None)
        if user is None:
            return None
        return MemberInfo(user, "admin" if user_id == ADMIN.id else "member")

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
            CHAT, BOT, message_id, text, _now(), reply_to=reply, has_media=True, document=document
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
        self._own = {"as": self._as, "join": self._join, "leave": self._leave}
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
            CHAT,
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
        command = parse_command(message, BOT_USERNAME)
        await self._handle(command or message)

    async def _handle(self, event: Event) -> None:
        await self.core.dispatcher.handle(event)

    async def _as(self, name: str) -> None:
        if not name:
            self.write("usage: /as admin | /as NAME")
            return
        self.group.speaker = self.group.member(name)
        self.write(f"(now speaking: {self.group.speaker.name})")

    async def _join(self, name: str) -> None:
        if not name:
            self.write("usage: /join NAME")
            return
        user = self.group.member(name)
        service_id = next(self.group.ids)
        self.write(f"[{service_id}] ({user.name} joined the group)")
        await self._handle(MemberJoined(CHAT, user, _now(), service_id))

    async def _leave(self, name: str) -> None:
        if not name or name.lower() not in self.group.members:
            self.write("usage: /leave NAME (a member, see /who)")
            return
        user = self.group.members.pop(name.lower())
        service_id = next(self.group.ids)
        self.write(f"[{service_id}] ({user.name} left the group)")
        await self._handle(MemberLeft(CHAT, user, _now(), service_id))

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
        for user in self.group.members.values():
            marks = [
                m
                for m, on in (("admin", user == ADMIN), ("speaking", user == self.group.speaker))
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


async def run_sandbox(
    settings: Settings,
    stdin: IO[str],
    stdout: IO[str],
    *,
    db_url: str | None = None,
    language: str | None = None,
) -> None:
    """Run a sandbox session on the given streams until /quit or end of input.

    ``language`` (``--lang``) sets the banner's and the group's default language.
    """
    settings = in_language(settings, language)

    def write(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    store = Store(db_url or SANDBOX_DB)
    await store.migrate()
    group = Group()
    # A terminal has no message limits: replies are printed when given, in order.
    core = build_core(
        settings,
        store,
        ConsolePort(group, write),
        bot_id=BOT_ID,
        bot_username=BOT_USERNAME,
        queued=False,
    )
    sandbox = Sandbox(core, group, write)
    # "Ready" only once the features started: the spam model trains during start-up.
    await core.start()
    write(BANNER.get(settings.bot.default_language, BANNER["en"]))
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
