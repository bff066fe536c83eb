"""Typed choices: buttons on a platform that has none (the sandbox, QQ through OneBot).

``ChoicePort`` shows a message's buttons as lines under its text (``1. Confirm``, or the
labels themselves when they are numbers, as a captcha's sums) and remembers them per chat.
``ChoiceBook.as_press`` turns a member's reply that names one of them (``1``, or the label
typed out, such as ``确认``) into the press the button would have made, for the same dispatch
stage. Only the eligible person's reply is taken (the one the button is for, or an admin
for admin-only buttons), only while the offer is fresh; any other message passes untouched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.presses import TYPED, ButtonStage
from core.chat import Button, ChatPort, Keyboard
from core.events import ButtonPress, Event, Message
from core.runtime import Runtime
from core.text import Text
from storage.unit import UnitOfWork

# How long typed answers to one message are taken.
OFFER_TTL = timedelta(minutes=30)
# Offers kept per chat; the oldest goes first.
MAX_OFFERS = 20


@dataclass(frozen=True, slots=True)
class Offer:
    """The choices under one message, as the feature knows that message."""

    message_id: int
    buttons: tuple[Button, ...]
    expires: datetime

    @property
    def by_label(self) -> bool:
        """Whether members type the labels (all numbers) rather than their positions."""
        return any(_fold(b.text).isdigit() for b in self.buttons)

    def pick(self, typed: str) -> Button | None:
        """The button a typed reply names, if any."""
        word = _fold(typed)
        for button in self.buttons:
            if _fold(button.text) == word:
                return button
        if self.by_label or not (word.isdigit() and len(word) <= 3):
            return None
        index = int(word) - 1
        return self.buttons[index] if 0 <= index < len(self.buttons) else None


def _fold(text: Text | str) -> str:
    """A label or reply compared loosely: full-width digits, case and spaces do not matter."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def choice_lines(buttons: Keyboard) -> str:
    """The choices of a keyboard as text lines (links as ``[label] url``)."""
    actions = [b for row in buttons for b in row if b.action is not None]
    links = [f"[{b.text}] {b.url or ''}" for row in buttons for b in row if b.url]
    offer = Offer(0, tuple(actions), datetime.max)
    if offer.by_label:
        lines = ["  ".join(f"[{b.text}]" for b in actions)] if actions else []
    else:
        lines = [f"{n}. {b.text}" for n, b in enumerate(actions, 1)]
    return "\n".join([*lines, *links])


@dataclass
class ChoiceBook:
    """The open offers of each chat, newest last."""

    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    offers: dict[int, list[Offer]] = field(default_factory=dict)

    def offer(self, chat_id: int, message_id: int, buttons: Keyboard | None) -> None:
        """Remember a message's action buttons (none: forget its earlier ones)."""
        kept = [o for o in self.offers.get(chat_id, []) if o.message_id != message_id]
        actions = tuple(b for row in buttons or () for b in row if b.action is not None)
        if actions:
            kept.append(Offer(message_id, actions, self.clock() + OFFER_TTL))
        if kept:
            self.offers[chat_id] = kept[-MAX_OFFERS:]
        else:
            self.offers.pop(chat_id, None)

    def has(self, chat_id: int, message_id: int) -> bool:
        """Whether a message has open choices."""
        return any(o.message_id == message_id for o in self.offers.get(chat_id, ()))

    def find(self, chat_id: int, user_id: int, typed: str) -> tuple[Offer, Button] | None:
        """The newest fresh offer in a chat with a choice this person may type; or None."""
        now = self.clock()
        fresh = [o for o in self.offers.get(chat_id, []) if o.expires > now]
        if fresh:
            self.offers[chat_id] = fresh
        else:
            self.offers.pop(chat_id, None)
        for offer in reversed(fresh):
            button = offer.pick(typed)
            if button is not None and button.only in (None, user_id):
                return offer, button
        return None

    async def as_press(
        self, event: Event, stage: ButtonStage, runtime: Runtime, uow: UnitOfWork
    ) -> Event:
        """The press a typed reply stands for; any other event as it came."""
        if not isinstance(event, Message) or event.sender.is_bot or not event.text.strip():
            return event
        found = self.find(event.chat.id, event.sender.id, event.text)
        if found is None:
            return event
        offer, button = found
        spec = stage.spec_for(button.action or "")
        admins_only = spec is not None and spec.for_admins
        if admins_only and not await runtime.is_admin_of(event.chat.id, event.sender.id):
            return event
        data = button.data or ""
        press_id = f"{TYPED}{event.message_id}"
        return ButtonPress(
            event.chat, event.sender, offer.message_id, data, press_id, update_id=event.update_id
        )


class ChoicePort:
    """A port without buttons, showing them as typed choices (the rest passes through)."""

    def __init__(self, inner: ChatPort, book: ChoiceBook) -> None:
        self.inner = inner
        self.book = book

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Send the text with its choices written under it, and remember them."""
        message_id = await self.inner.send(chat_id, _with(text, buttons), reply_to=reply_to)
        if message_id is not None and buttons and _has_actions(buttons):
            self.book.offer(chat_id, message_id, buttons)
        return message_id

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Edit the text and its choices (no buttons: the old choices are gone)."""
        done = await self.inner.edit(chat_id, message_id, _with(text, buttons))
        if (buttons and _has_actions(buttons)) or self.book.has(chat_id, message_id):
            self.book.offer(chat_id, message_id, buttons)
        return done

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message and forget its choices."""
        if self.book.has(chat_id, message_id):
            self.book.offer(chat_id, message_id, None)
        return await self.inner.delete(chat_id, message_id)


def _has_actions(buttons: Keyboard) -> bool:
    return any(b.action is not None for row in buttons for b in row)


def _with(text: Text | str, buttons: Keyboard | None) -> Text | str:
    # The choices are plain text: the platform's renderer escapes the labels.
    lines = choice_lines(buttons) if buttons else ""
    return text + "\n" + lines if lines else text
