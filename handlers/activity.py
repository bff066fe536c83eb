"""Activity tracking: who was last seen when, buffered in memory and flushed in batches.

Nothing is written per message: counters collect here and are stored every
``bot.activity_flush_seconds`` and at shutdown. A crash loses at most one interval.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.context import Context
from core.events import (
    ButtonPress,
    Command,
    Event,
    MemberJoined,
    MemberLeft,
    Message,
    Reaction,
    User,
)
from core.feature import Feature
from core.runtime import Runtime
from handlers.stats.recorder import note_event, store_batch
from handlers.stats.tracking import StatsBuffer
from storage.repositories import Activity, MemberRepository

log = logging.getLogger(__name__)


class ActivityBuffer:
    """Per (chat, member), what happened since the last flush. No I/O."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, int], Activity] = {}

    def __len__(self) -> int:
        return len(self._items)

    def touch(self, chat_id: int, user: User, when: datetime) -> Activity:
        """Note that a member was active now."""
        key = (chat_id, user.id)
        item = self._items.get(key)
        if item is None:
            item = Activity(chat_id, user.id, user.name, user.username, user.is_bot, when)
            self._items[key] = item
        else:
            item.last_seen = max(item.last_seen, when)
            item.name, item.username = user.name, user.username
        return item

    def last_seen(self, chat_id: int, user_id: int) -> datetime | None:
        """When a member was last active, if that is not stored yet."""
        item = self._items.get((chat_id, user_id))
        return item.last_seen if item is not None else None

    def drain(self) -> list[Activity]:
        """Take everything collected so far."""
        items, self._items = list(self._items.values()), {}
        return items


class ActivityTracker(Feature):
    """Notes messages, joins, leaves and button presses; never stops an event."""

    name = "activity"

    def __init__(self) -> None:
        self.buffer = ActivityBuffer()
        # Per member and local day, for statistics; stored by the same flush.
        self.stats = StatsBuffer()
        self._runtime: Runtime | None = None

    async def start(self, runtime: Runtime) -> None:
        """Flush on a timer."""
        self._runtime = runtime
        runtime.scheduler.every(
            "activity:flush", runtime.settings.bot.activity_flush_seconds, self.flush
        )

    async def stop(self) -> None:
        """Flush what is left."""
        if self._runtime is not None:
            self._runtime.scheduler.cancel("activity:flush")
        await self.flush()

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Record the event's member as active (reactions too, where reported)."""
        if not event.chat.is_group:
            return False
        await note_event(self.stats, event, ctx)
        now = ctx.runtime.now()
        if isinstance(event, Message | Command):
            message = event.message if isinstance(event, Command) else event
            if message.sender_chat_id is None and not message.edited:
                self.buffer.touch(event.chat.id, message.sender, now).messages += 1
        elif isinstance(event, MemberJoined):
            item = self.buffer.touch(event.chat.id, event.user, now)
            item.joined_at, item.left_at = item.joined_at or event.date, None
        elif isinstance(event, MemberLeft):
            self.buffer.touch(event.chat.id, event.user, now).left_at = event.date
        elif isinstance(event, ButtonPress | Reaction):
            self.buffer.touch(event.chat.id, event.user, now)
        return False

    async def flush(self) -> None:
        """Store the buffered activity in one transaction."""
        if self._runtime is None or not len(self.buffer):
            return
        batch, stats = self.buffer.drain(), self.stats.drain()
        async with self._runtime.store.unit() as uow:
            await MemberRepository(uow).record(batch)
            await store_batch(uow, stats)
        log.debug("flushed activity of %d members", len(batch))
