"""The context one event is handled in: its unit of work, its language, its replies."""

from __future__ import annotations

from typing import Any

from core.chat import Keyboard, MissingRight
from core.events import Chat, Command, Event, Message, User, event_user
from core.outbound import reply_later
from core.outbound_rules import Merge
from core.permissions import is_admin_sender
from core.runtime import Runtime
from core.text import Text
from storage.repositories import ChatRepository
from storage.unit import UnitOfWork


async def chat_language(uow: UnitOfWork, chat_id: int, default: str) -> str:
    """A chat's language, or ``default`` if it never chose one."""
    return (await ChatRepository(uow).settings(chat_id)).language or default


class Context:
    """Per-event helpers; the unit of work is committed once when the event is done."""

    def __init__(self, event: Event, runtime: Runtime, uow: UnitOfWork) -> None:
        self.event = event
        self.runtime = runtime
        self.uow = uow
        self.port = runtime.port
        self._language: str | None = None

    @property
    def chat(self) -> Chat:
        """The event's chat."""
        return self.event.chat

    @property
    def user(self) -> User | None:
        """The person behind the event."""
        return event_user(self.event)

    async def language(self) -> str:
        """The chat's language (looked up once per event)."""
        if self._language is None:
            default = self.runtime.settings.bot.default_language
            self._language = await chat_language(self.uow, self.chat.id, default)
        return self._language

    def set_language(self, language: str) -> None:
        """Use another language for the rest of this event."""
        self._language = language

    async def t(self, key: str, **values: Any) -> Text:
        """A catalog sentence in the chat's language."""
        return self.runtime.translator(await self.language(), key, **values)

    async def is_admin(self, user: User | None = None) -> bool:
        """Whether a user (default: the event's sender) is an admin of this chat."""
        user = user or self.user
        if user is None:
            return False
        owners = self.runtime.settings.bot.all_owner_ids
        if user.id in owners:
            return True
        sender_chat = self._sender_chat_id() if user == self.user else None
        if not self.chat.is_group:
            return False
        admins = await self.runtime.admins.lookup(self.chat.id)
        if admins is None and sender_chat is None:
            # The admin list cannot be had now: one getChatMember about this person instead.
            return await self.port.member_status(self.chat.id, user.id) == "admin"
        return is_admin_sender(
            user.id,
            self.chat.id,
            sender_chat_id=sender_chat,
            admin_ids=admins or frozenset(),
            owner_ids=owners,
        )

    def _sender_chat_id(self) -> int | None:
        event = self.event
        message = event.message if isinstance(event, Command) else event
        return message.sender_chat_id if isinstance(message, Message) else None

    async def reply(
        self,
        text: Text | str,
        *,
        buttons: Keyboard | None = None,
        wait: bool = False,
        merge: Merge | None = None,
    ) -> int | None:
        """Answer the event's message (or post in its chat).

        The reply is queued and None returned at once, so handling never waits for a
        throttled chat; ``wait=True`` sends it now and returns its id (or None if it failed).
        ``merge`` lets a burst of such replies become one message (``core.outbound``).
        """
        event = self.event
        message = event.message if isinstance(event, Command) else event
        reply_to = message.message_id if isinstance(message, Message) else None
        if wait:
            return await self.port.send(self.chat.id, text, reply_to=reply_to, buttons=buttons)
        await reply_later(
            self.port, self.chat.id, text, reply_to=reply_to, buttons=buttons, merge=merge
        )
        return None

    async def say(
        self, key: str, *, wait: bool = False, merge: Merge | None = None, **values: Any
    ) -> int | None:
        """Reply with a catalog sentence (queued unless ``wait``, as ``reply``)."""
        return await self.reply(await self.t(key, **values), wait=wait, merge=merge)

    async def tell_missing_right(self, error: MissingRight) -> None:
        """Tell the admins once that the bot lacks a right; keep running either way."""
        await tell_missing_right(self.runtime, self.chat.id, await self.language(), error)


async def tell_missing_right(
    runtime: Runtime, chat_id: int, language: str, error: MissingRight
) -> None:
    """Tell a group once (per process) that the bot lacks a right it needs."""
    if not runtime.rights.should_tell(chat_id, error.right):
        return
    t = runtime.translator
    right = t(language, f"rights.{error.right}")
    await reply_later(runtime.port, chat_id, t(language, "common.missing_right", right=right))
