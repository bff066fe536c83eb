"""The ChatPort on Telegram: python-telegram-bot calls, with errors in neutral words."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.platforms.telegram.events import from_telegram, telegram_id, to_user
from bot.platforms.telegram.render import to_html
from bot.platforms.telegram.retry import RetryPolicy, may_repeat, outcome
from bot.platforms.telegram.split import CAPTION_LIMIT, TEXT_LIMIT, split_html
from core.chat import (
    ALL_CAPABILITIES,
    ChatActionError,
    ChatRights,
    Keyboard,
    MemberInfo,
    MissingRight,
    RosterEntry,
)
from core.text import Text

log = logging.getLogger(__name__)
T = TypeVar("T")
# A call to make: a function that starts it (so it can be made again after a transient
# failure), or a started call, which can only be awaited once.
Call = Callable[[], Awaitable[T]] | Awaitable[T]

_NO_RIGHTS = ("not enough rights", "chat_admin_required", "can't be deleted", "have no rights")
# getFile answers these for files it will not serve (over 20 MB) or does not know.
_TOO_BIG = "file is too big"
_NO_FILE = ("invalid file_id", "wrong file_id", "file_id_invalid")
_MUTED = ChatPermissions.no_permissions()
_UNMUTED = ChatPermissions.all_permissions()
# ChatMember statuses in neutral words.
_STATUSES = {
    "creator": "admin",
    "administrator": "admin",
    "member": "member",
    "restricted": "restricted",
    "left": "left",
    "kicked": "banned",
}


def _markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(str(b.text), callback_data=b.data, url=b.url) for b in row]
            for row in buttons
        ]
    )


def classify(error: TelegramError, right: str) -> ChatActionError:
    """Translate a Telegram error into a neutral one; ``right`` is what the call needed."""
    text = str(error).lower()
    if isinstance(error, BadRequest | Forbidden) and any(s in text for s in _NO_RIGHTS):
        return MissingRight(right, str(error))
    if isinstance(error, Forbidden):
        return ChatActionError("chat_gone", str(error))
    if "not found" in text:
        return ChatActionError("not_found", str(error))
    return ChatActionError("failed", str(error))


class TelegramPort:
    """ChatPort over a PTB ``Bot``; a failing call is logged and never kills the process.

    Transient failures (no connection, a 5xx answer) are tried again within the retry
    policy's deadline; see ``bot.platforms.telegram.retry`` for which calls may repeat.
    """

    def __init__(
        self,
        bot: Bot,
        retry: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        # Telegram can do everything the contract names.
        self.capabilities = ALL_CAPABILITIES
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    async def _attempt(self, call: Call[T], what: str, idempotent: bool) -> T:
        """Make a call, again after each transient failure while the policy allows it."""
        if not callable(call):
            return await call
        started, retries = self._clock(), 0
        while True:
            try:
                return await call()
            except TelegramError as error:
                result = outcome(error)
                if not may_repeat(result, idempotent):
                    raise
                pause = self.retry.pause(retries, self._clock() - started)
                if pause is None:
                    raise
                log.info("telegram %s failed (%s: %s); again in %.2fs", what, result, error, pause)
                await self._sleep(pause)
                retries += 1

    async def _act(
        self,
        call: Call[T],
        right: str,
        *,
        idempotent: bool = True,
        what: str = "",
        once: bool = False,
    ) -> T:
        try:
            return await self._attempt(
                call() if once and callable(call) else call, what or right, idempotent
            )
        except TelegramError as error:
            if not idempotent and outcome(error) == "unknown":
                # Sent, but no answer came back: it may have been posted; do not post again.
                raise ChatActionError("unknown", str(error)) from error
            raise classify(error, right) from error

    async def _quietly(self, call: Call[T], what: str, *, idempotent: bool = True) -> T | None:
        try:
            return await self._attempt(call, what, idempotent)
        except TelegramError as error:
            log.warning("telegram %s failed: %s", what, error)
            return None

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a message as HTML (several, if over Telegram's limit); the last one's id, None
        if Telegram refused it."""
        try:
            native = telegram_id(chat_id)
            parts = split_html(to_html(text), TEXT_LIMIT)
            return await self._send_parts(native, parts, reply_to, buttons)
        except ChatActionError as error:
            log.warning("telegram sendMessage to %s failed: %s", chat_id, error)
            return None

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Post a message as HTML (several, if over Telegram's limit) and return the last one's
        id; raise ChatActionError if Telegram refused it."""
        parts = split_html(to_html(text), TEXT_LIMIT)
        return await self._send_parts(telegram_id(chat_id), parts, None, None)

    async def _send_parts(
        self, chat_id: int, parts: list[str], reply_to: int | None, buttons: Keyboard | None
    ) -> int:
        """Send parts in order, the reply on the first and the buttons on the last (``chat_id``
        is Telegram's own)."""
        message_id = 0
        for index, part in enumerate(parts):
            reply = (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and index == 0
                else None
            )
            markup = _markup(buttons) if index == len(parts) - 1 else None

            def call(
                part: str = part,
                reply: ReplyParameters | None = reply,
                markup: InlineKeyboardMarkup | None = markup,
            ) -> Awaitable[Message]:
                return self.bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )

            message_id = (await self._posting(call, f"sendMessage to {chat_id}")).message_id
        return message_id

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Post a copy of a message; raise ChatActionError if Telegram refused it."""
        chat_id = telegram_id(chat_id)
        from_chat_id = telegram_id(from_chat_id)
        call = lambda: self.bot.copy_message(chat_id, from_chat_id, message_id)  # noqa: E731
        return (await self._posting(call, f"copyMessage to {chat_id}")).message_id

    async def _posting(self, call: Call[T], what: str) -> T:
        try:
            return await self._act(call, "post", idempotent=False, what=what)
        except ChatActionError as error:
            # For a send, an unknown chat means the group itself is gone.
            if "chat not found" in error.detail.lower():
                raise ChatActionError("chat_gone", error.detail) from error
            raise

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Replace a message's text."""
        chat_id = telegram_id(chat_id)
        shown = to_html(text)
        result = await self._quietly(
            lambda: self.bot.edit_message_text(
                shown, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=_markup(buttons)
            ),
            f"editMessageText in {chat_id}",
        )
        return result is not None

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; False if it is gone already; MissingRight if not allowed."""
        chat_id = telegram_id(chat_id)
        try:
            call = lambda: self.bot.delete_message(chat_id, message_id)  # noqa: E731
            return bool(await self._act(call, "delete", what=f"deleteMessage in {chat_id}"))
        except ChatActionError as error:
            if isinstance(error, MissingRight):
                raise
            log.info("could not delete message %s in %s: %s", message_id, chat_id, error)
            return False

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Take away a member's right to post."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.restrict_chat_member(chat_id, user_id, _MUTED, until_date=until),
            "restrict",
        )

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Give a member back the right to post."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.restrict_chat_member(chat_id, user_id, _UNMUTED), "restrict"
        )

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and keep them out (until a time, if given)."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.ban_chat_member(chat_id, user_id, until_date=until), "restrict"
        )

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may rejoin: ban, then lift the ban."""
        await self.ban(chat_id, user_id)
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True), "restrict"
        )

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban; a member who was not banned is left alone."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True), "restrict"
        )

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Accept a join request."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        # Approving twice is answered with an error: not repeated when the outcome is unknown.
        await self._act(
            lambda: self.bot.approve_chat_join_request(chat_id, user_id), "invite", idempotent=False
        )

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Turn a join request down."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        await self._act(
            lambda: self.bot.decline_chat_join_request(chat_id, user_id), "invite", idempotent=False
        )

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin quietly."""
        chat_id = telegram_id(chat_id)
        await self._act(
            lambda: self.bot.pin_chat_message(chat_id, message_id, disable_notification=True), "pin"
        )

    async def admins(self, chat_id: int) -> frozenset[int]:
        """The chat's creator and administrators; ChatActionError if Telegram will not say
        (never an empty set for a failed lookup, which would read as "no admins")."""
        chat_id = telegram_id(chat_id)
        # One try: the admin cache waits a little and asks again, and meanwhile checks a
        # sender with getChatMember; retrying here would hold up the chat's next message.
        members = await self._act(
            lambda: self.bot.get_chat_administrators(chat_id),
            "read",
            what=f"getChatAdministrators {chat_id}",
            once=True,
        )
        return frozenset(from_telegram(m.user.id) for m in members)

    async def member_count(self, chat_id: int) -> int | None:
        """The chat's member count."""
        chat_id = telegram_id(chat_id)
        return await self._quietly(
            lambda: self.bot.get_chat_member_count(chat_id), f"getChatMemberCount {chat_id}"
        )

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """A member's standing in the chat; None if Telegram will not say."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        member = await self._quietly(
            lambda: self.bot.get_chat_member(chat_id, user_id), f"getChatMember {chat_id}"
        )
        if member is None:
            return None
        if member.status == "restricted" and not getattr(member, "is_member", True):
            return "left"
        return _STATUSES.get(member.status)

    async def roster(self, chat_id: int) -> list[RosterEntry] | None:
        """None: the Bot API lists a group's administrators, never all its members."""
        return None

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Post a PNG with an HTML caption (a caption over the limit goes on in messages)."""
        chat_id = telegram_id(chat_id)
        first, rest = _caption_parts(caption)
        message = await self._quietly(
            lambda: self.bot.send_photo(chat_id, photo, caption=first, parse_mode=ParseMode.HTML),
            f"sendPhoto to {chat_id}",
            idempotent=False,
        )
        if message is None:
            return None
        await self._caption_rest(chat_id, rest)
        return message.message_id

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post bytes as a document with an HTML caption (a caption over the limit goes on in
        messages); None if Telegram refused it."""
        chat_id = telegram_id(chat_id)
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        first, rest = _caption_parts(caption)
        message = await self._quietly(
            # A new InputFile each try: a failed try has read the previous one to its end.
            lambda: self.bot.send_document(
                chat_id,
                InputFile(io.BytesIO(data), filename=filename),
                caption=first,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
            ),
            f"sendDocument to {chat_id}",
            idempotent=False,
        )
        if message is None:
            return None
        await self._caption_rest(chat_id, rest)
        return message.message_id

    async def _caption_rest(self, chat_id: int, rest: list[str]) -> None:
        """Send what did not fit in a caption, as messages after the media (Telegram's id)."""
        if not rest:
            return
        try:
            await self._send_parts(chat_id, rest, None, None)
        except ChatActionError as error:
            log.warning("telegram caption rest to %s failed: %s", chat_id, error)

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a member's file; ChatActionError ``too_big``, ``not_found`` or ``failed``."""
        try:
            file = await self._attempt(lambda: self.bot.get_file(file_id), "getFile", True)
            _check_size(file.file_size, max_bytes)
            data = bytes(await self._attempt(file.download_as_bytearray, "download", True))
        except TelegramError as error:
            raise _download_error(error) from error
        except RuntimeError as error:  # PTB: the file has no file_path to download from
            raise ChatActionError("failed", str(error)) from error
        _check_size(len(data), max_bytes)
        return data

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """Acknowledge a button press (a toast shows plain text)."""
        toast = str(text) or None
        await self._quietly(
            lambda: self.bot.answer_callback_query(press_id, toast, show_alert=alert),
            "answerCallbackQuery",
        )

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """A person's name and standing (getChatMember); None if Telegram does not know them."""
        chat_id = telegram_id(chat_id)
        user_id = telegram_id(user_id)
        member = await self._quietly(
            self.bot.get_chat_member(chat_id, user_id), f"getChatMember {chat_id} {user_id}"
        )
        if member is None:
            return None
        status = _STATUSES.get(member.status, "member")
        if member.status == "restricted" and not getattr(member, "is_member", True):
            status = "left"
        return MemberInfo(to_user(member.user), status)

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """The group's default member permissions (getChat); None if Telegram will not say."""
        chat_id = telegram_id(chat_id)
        # A callable, so that a transient failure is tried again (reading is idempotent).
        chat = await self._quietly(lambda: self.bot.get_chat(chat_id), f"getChat {chat_id}")
        permissions = chat.permissions if chat is not None else None
        if permissions is None:
            return None
        return ChatRights(
            **{name: bool(getattr(permissions, flag)) for name, flag in _PERMISSION_FLAGS.items()}
        )

    async def set_chat_permissions(self, chat_id: int, rights: ChatRights) -> None:
        """Set the group's default member permissions exactly (each flag on its own)."""
        chat_id = telegram_id(chat_id)
        permissions = ChatPermissions(
            **{flag: getattr(rights, name) for name, flag in _PERMISSION_FLAGS.items()}
        )

        def call() -> Awaitable[bool]:
            return self.bot.set_chat_permissions(
                chat_id, permissions, use_independent_chat_permissions=True
            )

        try:
            # Setting the same permissions twice does no harm: retried like other moderation.
            await self._act(call, "restrict", what=f"setChatPermissions {chat_id}")
        except ChatActionError as error:
            # Telegram refuses to "change" permissions to what they already are: that is done.
            if "chat_not_modified" not in error.detail.lower():
                raise

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """A new named invite link (createChatInviteLink), joining without approval."""
        native = telegram_id(chat_id)

        def call() -> Awaitable[Any]:
            return self.bot.create_chat_invite_link(
                native, name=name[:32], creates_join_request=False
            )

        # Not idempotent: a retry after a lost answer would leave a second link behind.
        link = await self._act(
            call, "invite", idempotent=False, what=f"createChatInviteLink {native}"
        )
        return str(link.invite_link)

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """Revoke an invite link (revokeChatInviteLink); revoking twice does no harm."""
        native = telegram_id(chat_id)

        def call() -> Awaitable[Any]:
            return self.bot.revoke_chat_invite_link(native, link)

        await self._act(call, "invite", what=f"revokeChatInviteLink {native}")


def _caption_parts(caption: Text | str) -> tuple[str | None, list[str]]:
    """A caption within Telegram's 1,024 characters, and the rest as message texts."""
    if not caption:
        return None, []
    parts = split_html(to_html(caption), TEXT_LIMIT, first_limit=CAPTION_LIMIT)
    return parts[0], parts[1:]


def _check_size(size: int | None, max_bytes: int) -> None:
    if size is not None and size > max_bytes:
        raise ChatActionError("too_big", f"{size} bytes, at most {max_bytes}")


def _download_error(error: TelegramError) -> ChatActionError:
    text = str(error).lower()
    if _TOO_BIG in text:
        return ChatActionError("too_big", str(error))
    if any(s in text for s in _NO_FILE):
        return ChatActionError("not_found", str(error))
    neutral = classify(error, "read")
    # A download promises only three reasons; rights and chats do not apply to files.
    return neutral if neutral.reason == "not_found" else ChatActionError("failed", str(error))


# ChatRights' neutral names and Telegram's ChatPermissions flags.
_PERMISSION_FLAGS = {
    "messages": "can_send_messages",
    "audios": "can_send_audios",
    "documents": "can_send_documents",
    "photos": "can_send_photos",
    "videos": "can_send_videos",
    "video_notes": "can_send_video_notes",
    "voice_notes": "can_send_voice_notes",
    "polls": "can_send_polls",
    "other": "can_send_other_messages",
    "link_previews": "can_add_web_page_previews",
    "reactions": "can_react_to_messages",
    "change_info": "can_change_info",
    "invite_users": "can_invite_users",
    "pin_messages": "can_pin_messages",
    "manage_topics": "can_manage_topics",
    "edit_tag": "can_edit_tag",
}
