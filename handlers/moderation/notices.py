"""What admins do by hand on the platform itself, as far as moderation must know of it.

A mute set or lifted by hand (QQ's ``group_ban``) replaces whatever the bot stored: the
stored timed mute is forgotten, so the lifting job does not unmute a member an admin
muted again, or act on a mute already lifted. When the platform names the admin, the
action goes into the moderation log as theirs. A removed message closes the open reports
of it: there is nothing left for the report buttons to act on.
"""

from __future__ import annotations

from datetime import datetime

from core.context import Context
from core.events import MemberMuted, MessageRemoved
from handlers.moderation.actions import mirror_entries
from storage.moderation import LogEntry, ModerationRepository


def mute_entry(event: MemberMuted, now: datetime) -> LogEntry | None:
    """The log line of a mute set or lifted by hand; None when nobody is named to log it for.

    Without an actor the line would read as the bot's own; the platform may also report a
    mute that simply ran out that way.
    """
    if event.by is None:
        return None
    seconds = None
    if event.until is not None:
        seconds = max(int((event.until - now).total_seconds()), 1)
    return LogEntry(
        event.chat.id,
        "mute" if event.until is not None else "unmute",
        actor_id=event.by,
        target_id=event.user.id,
        target_name=event.user.name,
        reason="manual",
        seconds=seconds,
    )


async def muted_by_hand(event: MemberMuted, ctx: Context) -> None:
    """Forget the stored timed mute of the member; log the admin's action."""
    repo = ModerationRepository(ctx.uow)
    await repo.forget_restriction(event.chat.id, event.user.id, "mute")
    entry = mute_entry(event, ctx.runtime.now())
    if entry is None:
        return
    await repo.log([entry])
    await mirror_entries(ctx.runtime, ctx.uow, event.chat.id, await ctx.language(), [entry])


async def message_removed(event: MessageRemoved, ctx: Context) -> None:
    """Close the open reports of a removed message (by its remover, else its sender)."""
    by = event.by if event.by is not None else event.user.id
    await ModerationRepository(ctx.uow).close_reports(event.chat.id, event.message_id, by)
