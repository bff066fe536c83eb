"""The ChatPort on Telegram: python-telegram-bot calls, with errors in neutral words."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.chat import ChatActionError, Keyboard, MissingRight

log = logging.getLogger(__name__)
T = TypeVar("T")

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
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
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
    """ChatPort over a PTB ``Bot``; a failing call is logged and never kills the process."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _act(self, call: Awaitable[T], right: str) -> T:
        try:
            return await call
        except TelegramError as error:
            raise classify(error, right) from error

    async def _quietly(self, call: Awaitable[T], what: str) -> T | None:
        try:
            return await call
        except TelegramError as error:
            log.warning("telegram %s failed: %s", what, error)
            return None

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post an HTML message; None if Telegram refused it."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        message = await self._quietly(
            self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                reply_markup=_markup(buttons),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            f"sendMessage to {chat_id}",
        )
        return message.message_id if message is not None else None

    async def post(self, chat_id: int, text: str) -> int:
        """Post an HTML message; raise ChatActionError if Telegram refused it."""
        call = self.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        return (await self._posting(call)).message_id

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Post a copy of a message; raise ChatActionError if Telegram refused it."""
        return (
            await self._posting(self.bot.copy_message(chat_id, from_chat_id, message_id))
        ).message_id

    async def _posting(self, call: Awaitable[T]) -> T:
        try:
            return await self._act(call, "post")
        except ChatActionError as error:
            # For a send, an unknown chat means the group itself is gone.
            if "chat not found" in error.detail.lower():
                raise ChatActionError("chat_gone", error.detail) from error
            raise

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Replace a message's text."""
        result = await self._quietly(
            self.bot.edit_message_text(
                text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=_markup(buttons)
            ),
            f"editMessageText in {chat_id}",
        )
        return result is not None

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; False if it is gone already; MissingRight if not allowed."""
        try:
            return bool(await self._act(self.bot.delete_message(chat_id, message_id), "delete"))
        except ChatActionError as error:
            if isinstance(error, MissingRight):
                raise
            log.info("could not delete message %s in %s: %s", message_id, chat_id, error)
            return False

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Take away a member's right to post."""
        call = self.bot.restrict_chat_member(chat_id, user_id, _MUTED, until_date=until)
        await self._act(call, "restrict")

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Give a member back the right to post."""
        await self._act(self.bot.restrict_chat_member(chat_id, user_id, _UNMUTED), "restrict")

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and keep them out (until a time, if given)."""
        await self._act(self.bot.ban_chat_member(chat_id, user_id, until_date=until), "restrict")

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may rejoin: ban, then lift the ban."""
        await self.ban(chat_id, user_id)
        await self._act(
            self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True), "restrict"
        )

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban; a member who was not banned is left alone."""
        await self._act(
            self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True), "restrict"
        )

    async def approve_join(self, chat_id: int, user_id: int) -> None:
        """Accept a join request."""
        await self._act(self.bot.approve_chat_join_request(chat_id, user_id), "invite")

    async def decline_join(self, chat_id: int, user_id: int) -> None:
        """Turn a join request down."""
        await self._act(self.bot.decline_chat_join_request(chat_id, user_id), "invite")

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin quietly."""
        await self._act(
            self.bot.pin_chat_message(chat_id, message_id, disable_notification=True), "pin"
        )

    async def admins(self, chat_id: int) -> frozenset[int]:
        """The chat's creator and administrators; empty if Telegram will not say."""
        members = await self._quietly(
            self.bot.get_chat_administrators(chat_id), f"getChatAdministrators {chat_id}"
        )
        return frozenset(m.user.id for m in members or ())

    async def member_count(self, chat_id: int) -> int | None:
        """The chat's member count."""
        return await self._quietly(
            self.bot.get_chat_member_count(chat_id), f"getChatMemberCount {chat_id}"
        )

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """A member's standing in the chat; None if Telegram will not say."""
        member = await self._quietly(
            self.bot.get_chat_member(chat_id, user_id), f"getChatMember {chat_id}"
        )
        if member is None:
            return None
        if member.status == "restricted" and not getattr(member, "is_member", True):
            return "left"
        return _STATUSES.get(member.status)

    async def send_photo(self, chat_id: int, photo: bytes, caption: str = "") -> int | None:
        """Post a PNG with an HTML caption."""
        message = await self._quietly(
            self.bot.send_photo(chat_id, photo, caption=caption or None, parse_mode=ParseMode.HTML),
            f"sendPhoto to {chat_id}",
        )
        return message.message_id if message is not None else None

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post bytes as a document with an HTML caption; None if Telegram refused it."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        message = await self._quietly(
            self.bot.send_document(
                chat_id,
                InputFile(io.BytesIO(data), filename=filename),
                caption=caption or None,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
            ),
            f"sendDocument to {chat_id}",
        )
        return message.message_id if message is not None else None

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a member's file; ChatActionError ``too_big``, ``not_found`` or ``failed``."""
        try:
            file = await self.bot.get_file(file_id)
            _check_size(file.file_size, max_bytes)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise _download_error(error) from error
        except RuntimeError as error:  # PTB: the file has no file_path to download from
            raise ChatActionError("failed", str(error)) from error
        _check_size(len(data), max_bytes)
        return data

    async def answer_button(self, press_id: str, text: str = "", alert: bool = False) -> None:
        """Acknowledge a button press."""
        await self._quietly(
            self.bot.answer_callback_query(press_id, text or None, show_alert=alert),
            "answerCallbackQuery",
        )


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
