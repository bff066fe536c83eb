"""Night mode (夜间模式): the group closes every night and reopens in the morning.

/nightmode shows the setting, /nightmode 23:00-07:00 sets the nightly period in the group's
time zone (/settimezone), /nightmode off turns it off (reopening the group at once if it is
closed). Admins only. While closed, members may not post; admins may. The switching itself is
timed work (``handlers.nightmode.watch``), run by the leading process.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.args import clip
from core.context import Context
from core.events import BotStatusChanged, Command, Event
from core.feature import CommandSpec, Feature
from core.quiet_hours import QuietHours, read_quiet_hours
from core.runtime import Runtime
from handlers.nightmode.watch import NightWatch, local_clock, read_hours
from handlers.nightmode.window import next_switch, night_at
from storage.nightmode import NightModeRepository
from storage.repositories import ChatRepository

OFF_WORDS = frozenset({"off", "关闭", "关"})
# The bot's own statuses in which it can no longer change anything in the group.
GONE_STATUSES = ("left", "kicked", "banned")


class NightMode(Feature):
    """Closes a group at night and reopens it in the morning."""

    name = "nightmode"

    def __init__(self) -> None:
        self._watch: NightWatch | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """/nightmode, for admins."""
        return (CommandSpec("nightmode", self.nightmode, admin_only=True),)

    async def start(self, runtime: Runtime) -> None:
        """Register the switching as timed work."""
        self._watch = NightWatch(runtime)
        runtime.timed.add(self._watch)

    @property
    def watch(self) -> NightWatch:
        """The timed side (exists once the feature started)."""
        assert self._watch is not None, "the night mode feature has not started"
        return self._watch

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """When the bot's rights change, try again what it could not do."""
        if isinstance(event, BotStatusChanged) and event.status not in GONE_STATUSES:
            self.watch.forget_refusals(event.chat.id)
            await ctx.uow.commit()
            await self.watch.refresh(event.chat.id)
        return False

    async def nightmode(self, command: Command, ctx: Context) -> None:
        """/nightmode [23:00-07:00|off]: show, set or turn off the nightly closing."""
        text = command.arg_text.strip()
        if not text:
            await self._show(ctx)
            return
        if text.lower() in OFF_WORDS:
            await self._set(ctx, None)
            return
        hours = read_quiet_hours(text)
        if hours is None:
            await ctx.say("nightmode.usage", value=clip(text))
            return
        await self._set(ctx, hours)

    async def _show(self, ctx: Context) -> None:
        row = await NightModeRepository(ctx.uow).get(ctx.chat.id)
        hours = read_hours(row.hours if row else None)
        if hours is None:
            await ctx.say("nightmode.none")
            return
        tz, now = await _zone(ctx), ctx.runtime.now()
        night = night_at(hours, tz, now)
        if night is not None and row is not None and row.closed_at is not None:
            await ctx.say(
                "nightmode.show_closed", hours=str(hours), tz=tz.key, end=local_clock(night[1], tz)
            )
            return
        following = next_switch(hours, tz, now) if night is None else night[1]
        key = "nightmode.show_open" if night is None else "nightmode.show_not_closed"
        await ctx.say(key, hours=str(hours), tz=tz.key, next=_when(following, tz))

    async def _set(self, ctx: Context, period: QuietHours | None) -> None:
        row = await NightModeRepository(ctx.uow).get(ctx.chat.id)
        was_closed = row is not None and row.closed_at is not None
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        hours = str(period) if period is not None else None
        await NightModeRepository(ctx.uow).set_hours(ctx.chat.id, hours)
        await ctx.uow.commit()
        if period is None:
            await ctx.say("nightmode.off_reopen" if was_closed else "nightmode.off")
        else:
            tz, now = await _zone(ctx), ctx.runtime.now()
            night = night_at(period, tz, now)
            await ctx.say(
                "nightmode.set_now" if night is not None else "nightmode.set",
                hours=hours,
                tz=tz.key,
                start=f"{period.start:%H:%M}",
                end=f"{period.end:%H:%M}",
                next=_when(next_switch(period, tz, now), tz),
            )
        # Switch at once if this process runs timed work; otherwise the leader's next pass does.
        await self.watch.refresh(ctx.chat.id)


async def _zone(ctx: Context) -> ZoneInfo:
    return ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)


def _when(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"
