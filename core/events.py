"""Platform-neutral events: what a feature sees of the chat, whatever the platform."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from core.ids import platform_of


@dataclass(frozen=True, slots=True)
class User:
    """A person (or bot) in a chat; ``id`` is platform-qualified (``core.ids``)."""

    id: int
    name: str
    username: str | None = None
    is_bot: bool = False
    language: str | None = None

    @property
    def platform(self) -> str:
        """The platform this user is on (read from the id, which carries it)."""
        return platform_of(self.id)


@dataclass(frozen=True, slots=True)
class Chat:
    """A group (or private chat) the bot is in; ``id`` is platform-qualified (``core.ids``)."""

    id: int
    title: str = ""
    type: str = "supergroup"

    @property
    def platform(self) -> str:
        """The platform this chat is on (read from the id, which carries it)."""
        return platform_of(self.id)

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups."""
        return self.type in ("group", "supergroup")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent as a document."""

    file_id: str
    file_name: str = ""
    size: int | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A message posted by a member, including commands and edited messages."""

    chat: Chat
    sender: User
    message_id: int
    text: str
    date: datetime
    reply_to: Message | None = None
    # Set when an anonymous admin (or a channel) posts as a chat instead of as a user.
    sender_chat_id: int | None = None
    edited: bool = False
    has_media: bool = False
    is_forward: bool = False
    document: Attachment | None = None
    # Who a forward came from: "user", "hidden_user", "chat" or "channel" (None: no forward).
    forward_origin: str | None = None
    # Link targets not visible in the text (a word linked to a URL).
    hidden_urls: tuple[str, ...] = ()
    # The platform's id of the update this event came from (None: not from an update).
    update_id: int | None = None
    # A post of the group's linked channel, forwarded into the group by the platform itself.
    from_linked_channel: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A ``/command args`` message."""

    message: Message
    name: str
    args: tuple[str, ...] = ()
    arg_text: str = ""
    update_id: int | None = None  # as Message.update_id

    @property
    def chat(self) -> Chat:
        """The chat the command was sent in."""
        return self.message.chat

    @property
    def sender(self) -> User:
        """Who sent the command."""
        return self.message.sender


@dataclass(frozen=True, slots=True)
class MemberJoined:
    """Someone joined (or was added to) a group: one event per join.

    ``service_message_id`` is the platform's notice of the join in the chat, when it came
    with this report (a later notice comes as a ``ServiceNotice``). ``added_by`` is whoever
    added or let the member in, when that was someone else (an admin, or the bot itself
    approving a join request). ``invite_link`` is the URL of the invite link the member
    joined through, when the platform says; ``by_request`` is a join request let in (its
    ``added_by`` approved, and did not invite).
    """

    chat: Chat
    user: User
    date: datetime
    service_message_id: int | None = None
    added_by: int | None = None
    update_id: int | None = None  # as Message.update_id
    invite_link: str | None = None
    by_request: bool = False


@dataclass(frozen=True, slots=True)
class ServiceNotice:
    """The platform's notice in the chat of a join already reported: only a message to tidy.

    (Telegram reports one join twice; its platform turns the second report into this.)
    """

    chat: Chat
    user: User
    message_id: int
    date: datetime
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class MemberLeft:
    """Someone left or was removed from a group."""

    chat: Chat
    user: User
    date: datetime
    service_message_id: int | None = None
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class AdminsChanged:
    """A member's admin status changed: cached admin lists must be refreshed."""

    chat: Chat
    user: User
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class BotStatusChanged:
    """The bot's own membership or rights in a chat changed."""

    chat: Chat
    status: str
    is_admin: bool
    rights: frozenset[str] = field(default_factory=frozenset)
    # True when the bot was not in the chat before this change (it was added or rejoined).
    joined: bool = False
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A press on an inline button under one of the bot's messages."""

    chat: Chat
    user: User
    message_id: int
    data: str
    press_id: str
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class Reaction:
    """A member changed their reaction to a message (where the platform reports it)."""

    chat: Chat
    user: User
    message_id: int
    date: datetime
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """A request to join a group that needs approval.

    ``reference`` is the platform's own handle on the request, opaque to features: it is
    kept with the pending request and given back to ``approve_join`` / ``decline_join``.
    ``comment`` is what the applicant wrote with it (QQ's answer to the join question,
    Telegram's bio): untrusted text, shown only as a Text segment.
    """

    chat: Chat
    user: User
    date: datetime
    update_id: int | None = None  # as Message.update_id
    reference: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class MemberMuted:
    """A member was muted (until ``until``) or their mute was lifted (``until`` None).

    Reported where the platform tells of mutes it did not get from the bot (QQ's
    ``group_ban``): the bot's own mutes are not reported back, it recorded them itself.
    ``by`` is who did it, when the platform says.
    """

    chat: Chat
    user: User
    by: int | None
    until: datetime | None
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class MessageRemoved:
    """A message was removed from a chat (recalled by its sender, or deleted by ``by``)."""

    chat: Chat
    message_id: int
    # Who had sent it.
    user: User
    by: int | None
    update_id: int | None = None  # as Message.update_id


@dataclass(frozen=True, slots=True)
class JoinLink:
    """The invite link a join already reported came by, told later (Telegram reports a
    join twice, in either order, and only its member update names the link)."""

    chat: Chat
    user: User
    invite_link: str
    date: datetime
    update_id: int | None = None  # as Message.update_id


Event = (
    Message
    | Command
    | MemberJoined
    | ServiceNotice
    | MemberLeft
    | AdminsChanged
    | BotStatusChanged
    | ButtonPress
    | JoinRequest
    | Reaction
    | MemberMuted
    | MessageRemoved
    | JoinLink
)


def event_chat(event: Event) -> Chat:
    """The chat an event belongs to."""
    return event.chat


def event_user(event: Event) -> User | None:
    """The person behind an event, if any."""
    if isinstance(event, Message | Command):
        return event.sender
    if isinstance(event, BotStatusChanged):
        return None
    return event.user


# Telegram command names: Latin letters, digits and underscores, at most 32.
_COMMAND_NAME = re.compile(r"[A-Za-z0-9_]{1,32}")


def parse_command(message: Message, bot_username: str | None) -> Command | None:
    """Read ``/name@bot args`` from a message; None if it is no command for this bot."""
    text = message.text
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    head = text[1:].split(maxsplit=1)[0]
    name, _, target = head.partition("@")
    if target and (bot_username is None or target.lower() != bot_username.lower()):
        return None
    if not _COMMAND_NAME.fullmatch(name):
        return None
    rest = text[1 + len(head) :].strip()
    return Command(message, name.lower(), tuple(rest.split()), rest, update_id=message.update_id)
