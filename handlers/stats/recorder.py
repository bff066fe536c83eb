"""The statistics side of activity tracking: note events in local time, store a flush."""

from __future__ import annotations

from datetime import datetime

from core.context import Context
from core.events import Command, Event, MemberJoined, MemberLeft, Message
from handlers.stats.tracking import StatsBatch, StatsBuffer, batch_rows
from storage.repositories import ChatRepository
from storage.stats import StatsRepository
from storage.unit import UnitOfWork


async def note_event(buffer: StatsBuffer, event: Event, ctx: Context) -> None:
    """Count a group event on the group's local day and hour (members only, no bots)."""
    if isinstance(event, Message | Command):
        message = event.message if isinstance(event, Command) else event
        if message.sender_chat_id is not None or message.edited or message.sender.is_bot:
            return
        buffer.message(event.chat.id, message.sender.id, await _local_now(ctx))
    elif isinstance(event, MemberJoined | MemberLeft) and not event.user.is_bot:
        day = (await _local_now(ctx)).date()
        if isinstance(event, MemberJoined):
            buffer.joined(event.chat.id, event.user.id, day)
        else:
            buffer.left(event.chat.id, event.user.id, day)


async def _local_now(ctx: Context) -> datetime:
    """Now in the group's time zone (the zone comes from the settings cache)."""
    settings = await ChatRepository(ctx.uow).settings(ctx.chat.id)
    return ctx.runtime.now().astimezone(ctx.runtime.timezone(settings.timezone))


async def store_batch(uow: UnitOfWork, batch: StatsBatch) -> None:
    """Store a drained batch and roll its days up, in the flush's unit of work."""
    if batch:
        members, hours = batch_rows(batch)
        await StatsRepository(uow).record(members, hours)
