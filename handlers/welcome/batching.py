"""Combining a burst of joins into one welcome. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.events import Chat, User


@dataclass
class PendingWelcome:
    """Newcomers of one chat waiting for their combined welcome."""

    chat: Chat
    first_at: datetime
    last_at: datetime
    users: list[User] = field(default_factory=list)


class JoinBatcher:
    """Holds joins until the chat has been quiet for a moment, or a maximum wait passed."""

    def __init__(self, quiet_seconds: float, max_seconds: float) -> None:
        self._quiet = timedelta(seconds=quiet_seconds)
        self._max = timedelta(seconds=max(max_seconds, quiet_seconds))
        self._pending: dict[int, PendingWelcome] = {}

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._pending

    def add(self, chat: Chat, user: User, now: datetime) -> datetime:
        """Queue a newcomer; return when the chat's welcome is due."""
        pending = self._pending.get(chat.id)
        if pending is None:
            pending = self._pending[chat.id] = PendingWelcome(chat, now, now)
        pending.chat = chat
        pending.last_at = now
        if all(known.id != user.id for known in pending.users):
            pending.users.append(user)
        return self.due(chat.id)

    def due(self, chat_id: int) -> datetime:
        """When the chat's pending welcome should be posted."""
        pending = self._pending[chat_id]
        return min(pending.last_at + self._quiet, pending.first_at + self._max)

    def take(self, chat_id: int) -> PendingWelcome | None:
        """Remove and return a chat's pending newcomers."""
        return self._pending.pop(chat_id, None)

    def chats(self) -> list[int]:
        """Chats with newcomers waiting."""
        return list(self._pending)
