"""Group statistics (群数据统计): growth, activity and retention, as charts in the chat.

Members (unless the group restricts them with /statsaccess admins): /stats [7d|30d|90d],
/retention, /topmembers [7d|30d]. Admins: /digest daily|weekly HH:MM [private] and
/digest off, /activityalert 50% and /activityalert off, /exportstats, /statsaccess admins|all.

Counting happens in the activity tracker's buffered flush (see ``handlers.stats.recorder``);
this feature only reads the roll-ups, and runs the digests and alerts through ``StatsTimer``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from core.context import Context
from core.csvfiles import export_stem, send_csv
from core.events import Command
from core.feature import CommandSpec, Feature
from core.ids import shown_id
from core.runtime import Runtime
from core.text import Text, as_lines
from handlers.stats.metrics import (
    PERIODS,
    TOP_PERIODS,
    StatsInputError,
    next_digest,
    parse_clock,
    parse_percent,
    parse_period,
    period_ending,
)
from handlers.stats.report import (
    activity_chart,
    activity_report,
    caption,
    chart_labels,
    group_name,
    hour_labels,
    joins_by_source,
    period_title,
    retention_cohorts,
    retention_table,
    summary_text,
)
from handlers.stats.timed import StatsTimer
from storage.repositories import ChatRepository
from storage.stats import StatsRepository

DIGEST_PERIODS = {"daily": "daily", "weekly": "weekly", "每天": "daily", "每周": "weekly"}
PRIVATE_WORDS = ("private", "私聊")
OFF_WORDS = ("off", "关闭")
ACCESS = ("admins", "all")


class Stats(Feature):
    """Reports, digests and activity alerts of a group."""

    name = "stats"

    def __init__(self, flush_activity: Callable[[], Awaitable[None]] | None = None) -> None:
        """``flush_activity`` stores buffered activity, so a report includes the last seconds."""
        self._flush_activity = flush_activity
        self._timer: StatsTimer | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """Reports for members (if the group allows) and settings for admins."""
        return (
            CommandSpec("stats", self.stats),
            CommandSpec("retention", self.retention),
            CommandSpec("topmembers", self.top_members),
            CommandSpec("digest", self.digest, admin_only=True),
            CommandSpec("activityalert", self.activity_alert, admin_only=True),
            CommandSpec("exportstats", self.export, admin_only=True),
            CommandSpec("statsaccess", self.access, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register digests and day closing as timed work."""
        self._timer = StatsTimer(runtime)
        runtime.timed.add(self._timer)

    @property
    def timer(self) -> StatsTimer:
        """The timed side (exists once the feature started)."""
        assert self._timer is not None, "the stats feature has not started"
        return self._timer

    # ------------------------------------------------------------------ reports

    async def _up_to_date(self, ctx: Context) -> None:
        """Store buffered activity first; end the unit's transaction so its reads see it."""
        if self._flush_activity is not None:
            await self._flush_activity()
            await ctx.uow.commit()

    async def stats(self, command: Command, ctx: Context) -> None:
        """/stats [7d|30d|90d]: the activity chart and its figures."""
        if not await self._may_view(ctx):
            return
        await self._up_to_date(ctx)
        try:
            days = parse_period(command.args, PERIODS, PERIODS[0])
        except StatsInputError as error:
            await _say_error(ctx, error)
            return
        zone = await _zone(ctx)
        period = period_ending(ctx.runtime.now().astimezone(zone).date(), days)
        members = await ctx.port.member_count(ctx.chat.id)
        report = await activity_report(ctx.uow, ctx.chat.id, period, members)
        language, t = await ctx.language(), ctx.runtime.translator
        joins = await joins_by_source(ctx.uow, ctx.chat.id, period, zone)
        await ctx.uow.commit()  # no transaction stays open while the chart is drawn
        text = summary_text(t, language, period_title(t, language, period), report.summary)
        if joins:
            text = as_lines([text, t(language, "stats.line_joins", **joins)])
        labels = chart_labels(t, language, period, group_name(ctx.chat.title, ctx.chat.id))
        # The busiest hours as a third panel of the same picture (one message, one caption).
        png = await activity_chart(report, labels, hour_labels(t, language, zone.key))
        await _send_image(ctx, png, text)

    async def retention(self, command: Command, ctx: Context) -> None:
        """/retention: weekly join cohorts, who stayed and who posted after 1, 7, 30 days."""
        if not await self._may_view(ctx):
            return
        await self._up_to_date(ctx)
        rows = await retention_cohorts(ctx.uow, ctx.chat.id, await _today(ctx))
        if not any(c.size for c in rows):
            await ctx.say("stats.retention_empty")
            return
        language = await ctx.language()
        await ctx.uow.commit()  # no transaction stays open while the table is drawn
        png = await retention_table(ctx.runtime.translator, language, rows)
        await _send_image(ctx, png, await ctx.t("stats.retention_caption"))

    async def top_members(self, command: Command, ctx: Context) -> None:
        """/topmembers [7d|30d]: who posted most, with their check-ins."""
        if not await self._may_view(ctx):
            return
        await self._up_to_date(ctx)
        try:
            days = parse_period(command.args, TOP_PERIODS, TOP_PERIODS[0])
        except StatsInputError as error:
            await _say_error(ctx, error)
            return
        period = period_ending(await _today(ctx), days)
        repo = StatsRepository(ctx.uow)
        limit = ctx.runtime.settings.stats.top_rows
        top = await repo.top_posters(ctx.chat.id, period.start, period.end, limit)
        if not top:
            await ctx.say("stats.top_empty", days=days)
            return
        ids = [user_id for user_id, _ in top]
        checkins = await repo.checkins_of(ctx.chat.id, ids, period.start, period.end)
        names = await repo.names(ctx.chat.id, ids)
        lines = [await ctx.t("stats.top_header", days=days)]
        for index, (user_id, messages) in enumerate(top):
            lines.append(
                await ctx.t(
                    "stats.top_line",
                    rank=_rank(index),
                    name=names.get(user_id) or shown_id(user_id),
                    messages=messages,
                    checkins=checkins.get(user_id, 0),
                )
            )
        await ctx.reply(as_lines(lines))

    async def _may_view(self, ctx: Context) -> bool:
        """Whether the sender may see reports here; says why not if they may not."""
        row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
        access = (row.access if row else None) or ctx.runtime.settings.stats.default_access
        if access == "all" or await ctx.is_admin():
            return True
        await ctx.say("stats.admins_only")
        return False

    # ------------------------------------------------------------------ admin settings

    async def access(self, command: Command, ctx: Context) -> None:
        """/statsaccess admins|all: who may use /stats, /retention and /topmembers."""
        choice = command.args[0].lower() if command.args else ""
        if not command.args:
            row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
            current = (row.access if row else None) or ctx.runtime.settings.stats.default_access
            await ctx.say("stats.access_now", access=await ctx.t(f"stats.access_{current}"))
            return
        if choice not in ACCESS or len(command.args) > 1:
            await ctx.say("stats.access_usage")
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row = await StatsRepository(ctx.uow).ensure_settings(ctx.chat.id)
        row.access = choice
        await ctx.uow.commit()
        await ctx.say("stats.access_set", access=await ctx.t(f"stats.access_{choice}"))

    async def digest(self, command: Command, ctx: Context) -> None:
        """/digest daily|weekly HH:MM [private] | off: the scheduled digest."""
        args = [a.lower() for a in command.args]
        if not args:
            await self._show_digest(ctx)
            return
        if len(args) == 1 and args[0] in OFF_WORDS:
            await self._digest_off(ctx)
            return
        period = DIGEST_PERIODS.get(args[0])
        private = len(args) == 3 and args[2] in PRIVATE_WORDS
        if period is None or len(args) not in (2, 3) or (len(args) == 3 and not private):
            await ctx.say("stats.digest_usage")
            return
        try:
            at = parse_clock(args[1])
        except StatsInputError as error:
            await _say_error(ctx, error)
            return
        zone = await _zone(ctx)
        following = next_digest(period, at, zone, ctx.runtime.now())
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row = await StatsRepository(ctx.uow).ensure_settings(ctx.chat.id)
        row.digest_period, row.digest_time = period, f"{at:%H:%M}"
        row.digest_private, row.digest_to = private, command.sender.id if private else None
        row.digest_next_at = following
        await ctx.uow.commit()
        await self.timer.refresh(ctx.chat.id)
        key = "stats.digest_set_private" if private else "stats.digest_set"
        await ctx.say(
            key,
            period=await ctx.t(f"stats.period_{period}"),
            time=f"{at:%H:%M}",
            next=f"{following.astimezone(zone):%Y-%m-%d %H:%M}",
        )

    async def _show_digest(self, ctx: Context) -> None:
        row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
        if row is None or row.digest_next_at is None or row.digest_period is None:
            await ctx.say("stats.digest_none")
            return
        zone = await _zone(ctx)
        await ctx.say(
            "stats.digest_now",
            period=await ctx.t(f"stats.period_{row.digest_period}"),
            time=row.digest_time or "",
            next=f"{row.digest_next_at.astimezone(zone):%Y-%m-%d %H:%M}",
        )

    async def _digest_off(self, ctx: Context) -> None:
        row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
        if row is not None:
            row.digest_period = row.digest_time = row.digest_next_at = row.digest_to = None
            row.digest_private = False
            await ctx.uow.commit()
        await self.timer.refresh(ctx.chat.id)
        await ctx.say("stats.digest_off")

    async def activity_alert(self, command: Command, ctx: Context) -> None:
        """/activityalert 50% | off: warn admins when a day falls below that share."""
        if not command.args:
            row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
            if row is None or row.alert_percent is None:
                await ctx.say("stats.alert_none")
            else:
                await ctx.say("stats.alert_now", percent=row.alert_percent)
            return
        if len(command.args) > 1:
            await ctx.say("stats.alert_usage")
            return
        if command.args[0].lower() in OFF_WORDS:
            row = await StatsRepository(ctx.uow).settings(ctx.chat.id)
            if row is not None:
                row.alert_percent = None
                await ctx.uow.commit()
            await ctx.say("stats.alert_off")
            return
        try:
            percent = parse_percent(command.args[0])
        except StatsInputError as error:
            await _say_error(ctx, error)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row = await StatsRepository(ctx.uow).ensure_settings(ctx.chat.id)
        row.alert_percent = percent
        # The first day checked is today, once it is over.
        row.alert_checked_day = await _today(ctx) - timedelta(days=1)
        await ctx.uow.commit()
        await ctx.say("stats.alert_set", percent=percent)

    async def export(self, command: Command, ctx: Context) -> None:
        """/exportstats: a CSV of the group's daily figures."""
        await self._up_to_date(ctx)
        days = await StatsRepository(ctx.uow).all_days(ctx.chat.id)
        if not days:
            await ctx.say("stats.export_empty")
            return
        header = ("date", "members", "joins", "leaves", "messages", "active_members", "checkins")
        rows = [
            (d.day, d.member_count, d.joins, d.leaves, d.messages, d.active, d.checkins)
            for d in days
        ]
        sent = await send_csv(
            ctx.port,
            ctx.chat.id,
            export_stem("stats", ctx.chat.id),
            header,
            rows,
            await ctx.t("stats.exported", days=len(days)),
            reply_to=command.message.message_id,
        )
        if not sent:
            await ctx.say("stats.export_failed")


async def _send_image(ctx: Context, png: bytes, text: Text) -> None:
    """The image with the text as its caption (or after it, if too long or the photo failed)."""
    short = caption(text)
    sent = await ctx.port.send_photo(ctx.chat.id, png, short or "")
    if sent is None or short is None:
        await ctx.reply(text)


def _rank(index: int) -> str:
    return ("🥇", "🥈", "🥉")[index] if index < 3 else f"{index + 1}."


async def _zone(ctx: Context) -> ZoneInfo:
    """The group's time zone."""
    settings = await ChatRepository(ctx.uow).settings(ctx.chat.id)
    return ctx.runtime.timezone(settings.timezone)


async def _today(ctx: Context) -> date:
    """The group's calendar day now."""
    return ctx.runtime.now().astimezone(await _zone(ctx)).date()


async def _say_error(ctx: Context, error: StatsInputError) -> None:
    await ctx.say(f"stats.{error.key}", **{k: str(v) for k, v in error.values.items()})
