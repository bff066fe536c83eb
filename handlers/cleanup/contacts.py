"""Who may be messaged in private: people who have talked to the bot there.

Telegram lets a bot message someone privately only after they started it, and nobody can
write to a bot without starting it, so any private message (``/start`` included) proves it.
This stage sits before the command stage, which would stop ``/start`` from going further.
"""

from __future__ import annotations

from core.context import Context
from core.events import Command, Event, Message
from core.feature import Feature
from storage.cleanup import CleanupRepository


class StartedUsers(Feature):
    """Remembers private correspondents; one small write per person per process."""

    name = "started-users"

    def __init__(self) -> None:
        self._known: set[int] = set()

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Note the sender of a private message; never stops the event."""
        if not isinstance(event, Message | Command) or event.chat.type != "private":
            return False
        user = event.sender
        if user.is_bot or user.id in self._known:
            return False
        await CleanupRepository(ctx.uow).note_started(user.id, ctx.runtime.now())
        self._known.add(user.id)
        return False
