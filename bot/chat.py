"""The ChatPort: everything a feature may ask a platform to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a callback (``data``) or a link (``url``)."""

    text: str
    data: str | None = None
    url: str | None = None


Keyboard = Sequence[Sequence[Button]]


class ChatActionError(Exception):
    """A platform call failed; ``reason`` says why in platform-neutral words."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class MissingRight(ChatActionError):
    """The bot lacks an admin right it needs, such as ``delete`` or ``restrict``."""

    def __init__(self, right: str, detail: str = "") -> None:
        super().__init__("missing_right", detail)
        self.right = right


class ChatPort(Protocol):
    """What a feature may ask of the platform. Text is the HTML subset of ``bot.markup``."""

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a message; return its id, or None if it could not be sent."""
        ...

    async def post(self, chat_id: int, text: str) -> int:
        """Post a message and return its id; raise ChatActionError saying why it failed.

        Reasons: ``chat_gone`` (the bot is no longer in the chat), MissingRight("post"),
        ``failed`` (anything else, including time-outs).
        """
        ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Post a copy of a message (text, media or poll); raise like ``post``.

        An extra reason: ``not_found`` when the message to copy no longer exists.
        """
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Replace the text of one of the bot's messages."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; raise MissingRight if the bot may not."""
        ...

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Stop a member from posting until a time (None: until unmuted)."""
        ...

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Let a muted member post again."""
        ...

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and keep them out."""
        ...

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may come back."""
        ...

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban, so the person may join again (not added back)."""
        ...

    async def approve_join(self, chat_id: int, user_id: int) -> None:
        """Accept a join request."""
        ...

    async def decline_join(self, chat_id: int, user_id: int) -> None:
        """Turn a join request down."""
        ...

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin a message without notifying everyone."""
        ...

    async def admins(self, chat_id: int) -> frozenset[int]:
        """Ids of the chat's creator and administrators."""
        ...

    async def member_count(self, chat_id: int) -> int | None:
        """How many members the chat has, if the platform says."""
        ...

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """``member``, ``admin``, ``restricted``, ``left`` or ``banned``; None if unknown."""
        ...

    async def send_photo(self, chat_id: int, photo: bytes, caption: str = "") -> int | None:
        """Post an image (PNG bytes) with an optional caption."""
        ...

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post bytes as a document with an optional HTML caption; None if it could not be sent."""
        ...

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a file a member sent; raise ChatActionError saying why it failed.

        Reasons: ``too_big`` (over max_bytes, checked before downloading when the size is
        known, and again after), ``not_found``, ``failed``.
        """
        ...

    async def answer_button(self, press_id: str, text: str = "", alert: bool = False) -> None:
        """Acknowledge a button press, optionally with a toast."""
        ...
