"""Turn python-telegram-bot updates into platform-neutral events (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import CallbackQuery, ChatMember, ChatMemberUpdated, MessageEntity, Update
from telegram import Chat as TgChat
from telegram import Message as TgMessage
from telegram import User as TgUser

from core.chat import ChatActionError
from core.events import (
    AdminsChanged,
    Attachment,
    BotStatusChanged,
    ButtonPress,
    Chat,
    Event,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    Message,
    Reaction,
    User,
    parse_command,
)
from core.ids import TELEGRAM, IdError, native_for, scoped

# Telegram's service account: it posts a linked channel's posts, auto-forwarded into the group.
TELEGRAM_SERVICE_ID = 777000
# The user an anonymous admin posts as (sender_chat: the group), and the one a channel
# posting into a group does (sender_chat: the channel).
ANONYMOUS_ADMIN_ID = 1087968824
CHANNEL_BOT_ID = 136817688
# Telegram's users that stand for a chat speaking, never for a person.
TELEGRAM_STAND_INS = frozenset({ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID})
_ADMIN = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}
_PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}
_RIGHTS = {
    "can_delete_messages": "delete",
    "can_restrict_members": "restrict",
    "can_pin_messages": "pin",
    "can_invite_users": "invite",
}


def from_telegram(native_id: int) -> int:
    """Telegram's id of a chat or user as a platform-qualified id (``core.ids``)."""
    return scoped(TELEGRAM, native_id)


def telegram_id(scoped_id: int) -> int:
    """Telegram's own id behind a platform-qualified id; ChatActionError ``wrong_platform``
    for an id of another platform (Telegram cannot act on it)."""
    try:
        return native_for(TELEGRAM, scoped_id)
    except IdError as error:
        raise ChatActionError("wrong_platform", str(error)) from error


def to_user(user: TgUser) -> User:
    """A Telegram user as a neutral user."""
    uid = from_telegram(user.id)
    return User(uid, user.full_name, user.username, user.is_bot, user.language_code)


def to_chat(chat: TgChat) -> Chat:
    """A Telegram chat as a neutral chat."""
    title = chat.title or chat.full_name or chat.username or str(chat.id)
    return Chat(from_telegram(chat.id), title, chat.type)


def events_from_update(update: Update, bot_username: str | None) -> list[Event]:
    """Every neutral event one update stands for (often one, sometimes none or several).

    Each carries the update's id, by which a redelivered update is recognised.
    """
    uid = update.update_id
    if update.message is not None:
        return _from_message(update.message, bot_username, edited=False, uid=uid)
    if update.edited_message is not None:
        return _from_message(update.edited_message, bot_username, edited=True, uid=uid)
    if update.chat_member is not None:
        return _from_member_update(update.chat_member, uid)
    if update.my_chat_member is not None:
        return [_from_bot_update(update.my_chat_member, uid)]
    if update.callback_query is not None:
        press = _from_callback(update.callback_query, uid)
        return [press] if press is not None else []
    if update.chat_join_request is not None:
        request = update.chat_join_request
        chat, user = to_chat(request.chat), to_user(request.from_user)
        # The requester's bio is all Telegram tells of them: the nearest thing to a comment.
        comment = request.bio or ""
        return [JoinRequest(chat, user, request.date, update_id=uid, comment=comment)]
    if update.message_reaction is not None:
        # Anonymous reactions (by a chat, or counted only) name nobody to credit.
        reaction = update.message_reaction
        if reaction.user is None:
            return []
        user = to_user(reaction.user)
        chat = to_chat(reaction.chat)
        return [Reaction(chat, user, reaction.message_id, reaction.date, update_id=uid)]
    return []


def _from_message(
    message: TgMessage, bot_username: str | None, *, edited: bool, uid: int | None = None
) -> list[Event]:
    chat = to_chat(message.chat)
    if message.new_chat_members:
        adder = from_telegram(message.from_user.id) if message.from_user is not None else None
        return [
            MemberJoined(
                chat,
                to_user(user),
                message.date,
                message.message_id,
                added_by=adder if adder != from_telegram(user.id) else None,
                update_id=uid,
            )
            for user in message.new_chat_members
        ]
    if message.left_chat_member is not None:
        user = to_user(message.left_chat_member)
        return [MemberLeft(chat, user, message.date, message.message_id, update_id=uid)]
    neutral = to_message(message, edited=edited, update_id=uid)
    if neutral is None:
        return []
    command = None if edited else parse_command(neutral, bot_username)
    return [command if command is not None else neutral]


def to_message(
    message: TgMessage, *, edited: bool = False, depth: int = 0, update_id: int | None = None
) -> Message | None:
    """A member's message as a neutral message; None for service messages."""
    if message.from_user is None:
        return None
    text = message.text or message.caption or ""
    has_media = bool(message.effective_attachment) if not message.text else False
    if not text and not has_media:
        return None
    reply = message.reply_to_message
    return Message(
        chat=to_chat(message.chat),
        sender=to_user(message.from_user),
        message_id=message.message_id,
        text=text,
        date=message.date or datetime.now(UTC),
        reply_to=to_message(reply, depth=depth + 1) if reply is not None and depth == 0 else None,
        sender_chat_id=from_telegram(message.sender_chat.id) if message.sender_chat else None,
        edited=edited,
        has_media=has_media,
        is_forward=message.forward_origin is not None,
        document=_document(message),
        forward_origin=message.forward_origin.type if message.forward_origin else None,
        hidden_urls=_hidden_urls(message),
        update_id=update_id,
        from_linked_channel=_from_linked_channel(message),
    )


def _from_linked_channel(message: TgMessage) -> bool:
    """A linked channel's post that Telegram forwarded into the group by itself."""
    sender = message.from_user
    return bool(message.is_automatic_forward) or (
        sender is not None and sender.id == TELEGRAM_SERVICE_ID
    )


def _hidden_urls(message: TgMessage) -> tuple[str, ...]:
    """The targets of words linked to a URL (text_link entities), which the text hides."""
    entities = message.entities or message.caption_entities or ()
    return tuple(e.url for e in entities if e.type == MessageEntity.TEXT_LINK and e.url)


def _document(message: TgMessage) -> Attachment | None:
    doc = message.document
    if doc is None:
        return None
    return Attachment(doc.file_id, doc.file_name or "", doc.file_size, doc.mime_type)


def _is_present(member: ChatMember) -> bool:
    if member.status in _PRESENT:
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))


def _from_member_update(change: ChatMemberUpdated, uid: int | None = None) -> list[Event]:
    chat = to_chat(change.chat)
    old, new = change.old_chat_member, change.new_chat_member
    user = to_user(new.user)
    events: list[Event] = []
    if old.status in _ADMIN or new.status in _ADMIN:
        events.append(AdminsChanged(chat, user, update_id=uid))
    was, now = _is_present(old), _is_present(new)
    if now and not was:
        adder = from_telegram(change.from_user.id) if change.from_user is not None else None
        added_by = adder if adder != user.id else None
        link = change.invite_link.invite_link if change.invite_link is not None else None
        events.append(
            MemberJoined(
                chat,
                user,
                change.date,
                added_by=added_by,
                update_id=uid,
                invite_link=link,
                by_request=bool(change.via_join_request),
            )
        )
    elif was and not now:
        events.append(MemberLeft(chat, user, change.date, update_id=uid))
    return events


def _from_bot_update(change: ChatMemberUpdated, uid: int | None = None) -> BotStatusChanged:
    member = change.new_chat_member
    rights = frozenset(name for attr, name in _RIGHTS.items() if getattr(member, attr, False))
    joined = _is_present(member) and not _is_present(change.old_chat_member)
    return BotStatusChanged(
        to_chat(change.chat), member.status, member.status in _ADMIN, rights, joined, uid
    )


def _from_callback(query: CallbackQuery, uid: int | None = None) -> ButtonPress | None:
    message = query.message
    if message is None or query.data is None:
        return None
    chat, user = to_chat(message.chat), to_user(query.from_user)
    return ButtonPress(chat, user, message.message_id, query.data, query.id, update_id=uid)


def chat_key(update: object) -> int | None:
    """The chat an update belongs to, for per-chat ordering."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return from_telegram(update.effective_chat.id)
    return None
