"""Scheduled posts (定时发送): the admin commands, and pausing when the bot is removed.

/schedule <when> [--pin] [--replace] [--until DATE] [--count N] <text> (or as a reply, to
post a copy of that message), /schedules, /unschedule <id>, /pauseschedule <id>,
/resumeschedule <id>, /testschedule <id>, /retryschedule <id> (send a failed post again),
/quiethours 23:00-07:00|off, /settimezone <zone>.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.args import page_number
from core.chat import ChatActionError
from core.context import Context
from core.events import BotStatusChanged, Command, Event
from core.fallbacks import capabilities_of
from core.feature import CommandSpec, Feature
from core.runtime import Runtime
from core.text import Text, plain
from handlers.schedule.options import Options, merge_options, options_summary, parse_options
from handlers.schedule.quiet import parse_quiet
from handlers.schedule.runner import Post, ScheduleRunner
from handlers.schedule.when import Plan, WhenError, next_run, parse_when, plan_from_spec
from storage.models import ScheduleRow, ScheduleRunRow
from storage.repositories import ChatRepository
from storage.schedules import RETRYABLE, ScheduleRepository

MAX_TEXT = 4000
PREVIEW_CHARS = 40
# Entries per /schedules message, well within Telegram's 4,096 characters.
PAGE_SIZE = 15
GONE_STATUSES = ("left", "kicked", "banned")


class Schedules(Feature):
    """Admins plan posts; the runner posts them on time."""

    name = "schedule"

    def __init__(self) -> None:
        self._runner: ScheduleRunner | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """The scheduling commands, all for admins."""
        return (
            CommandSpec("schedule", self.create, admin_only=True),
            CommandSpec("schedules", self.show_list, admin_only=True),
            CommandSpec("unschedule", self.remove, admin_only=True),
            CommandSpec("pauseschedule", self.pause, admin_only=True),
            CommandSpec("resumeschedule", self.resume, admin_only=True),
            CommandSpec("testschedule", self.test, admin_only=True),
            CommandSpec("retryschedule", self.retry, admin_only=True),
            CommandSpec("quiethours", self.quiet_hours, admin_only=True),
            CommandSpec("settimezone", self.set_timezone, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register the runner as timed work (it arms timers while this process leads)."""
        self._runner = ScheduleRunner(runtime)
        runtime.timed.add(self._runner)

    @property
    def runner(self) -> ScheduleRunner:
        """The runner (exists once the feature started)."""
        assert self._runner is not None, "the schedule feature has not started"
        return self._runner

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Pause a group's schedules when the bot leaves it or is removed."""
        if isinstance(event, BotStatusChanged) and event.status in GONE_STATUSES:
            paused = await ScheduleRepository(ctx.uow).pause_chat(ctx.chat.id, "bot_removed")
            if paused:
                await ctx.uow.commit()
                await self.runner.after_pause(
                    ctx.chat.id, ctx.chat.title, paused, "bot_removed", await ctx.language()
                )
        return False

    async def create(self, command: Command, ctx: Context) -> None:
        """/schedule <when> [options] <text>, or as a reply to copy a message."""
        now = ctx.runtime.now()
        tz = await _zone(ctx)
        reply = command.message.reply_to
        if not command.arg_text:
            await _say_forms(ctx, "schedule.usage")
            return
        try:
            options, plan, text = _parse(command.arg_text, now, tz)
        except WhenError as error:
            await _say_when_error(ctx, error)
            return
        if not text and reply is not None and not capabilities_of(ctx.port, ctx.chat.id).copy:
            # A platform that cannot repost a message gets its text (the copy fallback).
            text = reply.text.strip()
        if not text and reply is None:
            await ctx.say("schedule.nothing_to_post")
            return
        if len(text) > MAX_TEXT:
            await ctx.say("common.too_long", length=len(text), limit=MAX_TEXT)
            return
        limit = ctx.runtime.settings.schedule.max_per_chat
        repo = ScheduleRepository(ctx.uow)
        if await repo.count_in_chat(ctx.chat.id) >= limit:
            await ctx.say("schedule.too_many", limit=limit)
            return
        first = next_run(plan, now, tz, now)
        if first is None:
            await ctx.say("schedule.past", when=await _local(ctx, now, tz))
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row = await repo.add(
            chat_id=ctx.chat.id,
            created_by=command.sender.id,
            spec=plan.spec,
            text=text or None,
            source_message_id=reply.message_id if reply is not None and not text else None,
            pin=options.pin,
            replace=options.replace,
            until=options.until,
            max_posts=options.count,
            anchor_at=now,
            next_run_at=first,
        )
        await ctx.uow.commit()
        await self.runner.refresh(ids=[row.id])
        await ctx.say(
            "schedule.created",
            id=row.id,
            spec=await _spec(ctx, row, tz),
            next=await _local(ctx, first, tz),
        )

    async def show_list(self, command: Command, ctx: Context) -> None:
        """/schedules [page]: the group's active and paused schedules, a page at a time."""
        rows = await ScheduleRepository(ctx.uow).in_chat(ctx.chat.id)
        if not rows:
            await ctx.say("schedule.list_empty")
            return
        page, pages = page_number(command.args, len(rows), PAGE_SIZE)
        tz = await _zone(ctx)
        lines = [await ctx.t("schedule.list_header", count=len(rows))]
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        outcomes = await ScheduleRepository(ctx.uow).latest_outcomes([row.id for row in shown])
        for row in shown:
            lines.append(await _describe(ctx, row, tz, outcomes.get(row.id)))
        if pages > 1:
            following = page % pages + 1
            lines.append(await ctx.t("schedule.list_page", page=page, pages=pages, next=following))
        await ctx.reply(Text("\n\n").join(lines))

    async def remove(self, command: Command, ctx: Context) -> None:
        """/unschedule <id>: delete a schedule and its history."""
        row = await _target(command, ctx)
        if row is None:
            return
        await ScheduleRepository(ctx.uow).remove(row)
        await ctx.uow.commit()
        self.runner.cancel(row.id)
        await ctx.say("schedule.deleted", id=row.id)

    async def pause(self, command: Command, ctx: Context) -> None:
        """/pauseschedule <id>: stop posting until resumed."""
        row = await _target(command, ctx)
        if row is None:
            return
        if row.state == "paused":
            await ctx.say("schedule.already_paused", id=row.id)
            return
        row.state, row.pause_reason = "paused", "admin"
        await ctx.uow.commit()
        self.runner.cancel(row.id)
        await ctx.say("schedule.paused", id=row.id)

    async def resume(self, command: Command, ctx: Context) -> None:
        """/resumeschedule <id>: post again from the next occurrence on."""
        row = await _target(command, ctx)
        if row is None:
            return
        if row.state == "active":
            await ctx.say("schedule.not_paused", id=row.id)
            return
        now, tz = ctx.runtime.now(), await _zone(ctx)
        following = next_run(plan_from_spec(row.spec), now, tz, row.anchor_at)
        if following is None or (row.until is not None and _local_date(following, tz) > row.until):
            await ctx.say("schedule.expired", id=row.id)
            return
        row.state, row.pause_reason, row.next_run_at = "active", None, following
        await ctx.uow.commit()
        await self.runner.refresh(ids=[row.id])
        await ctx.say("schedule.resumed", id=row.id, next=await _local(ctx, following, tz))

    async def test(self, command: Command, ctx: Context) -> None:
        """/testschedule <id>: post it now; the plan stays as it is."""
        row = await _target(command, ctx)
        if row is None:
            return
        post = Post(
            row.id,
            row.chat_id,
            ctx.runtime.now(),
            row.text,
            row.source_message_id,
            pin=False,
            replace=False,
        )
        error = await self.runner.send_test(post)
        if error is not None and error.reason == "unknown":
            await ctx.say("delivery.test_unknown", id=row.id)
        elif error is not None:
            await ctx.say("schedule.test_failed", id=row.id)

    async def retry(self, command: Command, ctx: Context) -> None:
        """/retryschedule <id>: send the schedule's latest post again if it failed."""
        row = await _target(command, ctx, finished_too=True)
        if row is None:
            return
        result = await self.runner.retry(row.id)
        if result is None:
            await ctx.say("delivery.retry_nothing", id=row.id)
        elif isinstance(result, ChatActionError) and result.reason == "unknown":
            await ctx.say("delivery.retry_unknown", id=row.id)
        elif isinstance(result, ChatActionError):
            await ctx.say(
                "delivery.retry_failed",
                id=row.id,
                detail=result.detail[:160] or result.reason,
            )
        else:
            await ctx.say("delivery.retried", id=row.id)

    async def quiet_hours(self, command: Command, ctx: Context) -> None:
        """/quiethours [23:00-07:00|off]: show or set when scheduled posts wait."""
        current = (await ChatRepository(ctx.uow).settings(ctx.chat.id)).quiet_hours
        if not command.arg_text:
            if current:
                await ctx.say("schedule.quiet_show", hours=current, tz=(await _zone(ctx)).key)
            else:
                await ctx.say("schedule.quiet_none")
            return
        if command.arg_text.strip().lower() in ("off", "关", "关闭", "none"):
            value = None
        else:
            try:
                value = str(parse_quiet(command.arg_text))
            except WhenError as error:
                await _say_when_error(ctx, error)
                return
        row = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.quiet_hours = value
        await ScheduleRepository(ctx.uow).touch_chat(ctx.chat.id)
        await ctx.uow.commit()
        await self.runner.refresh(chat_id=ctx.chat.id)
        if value is None:
            await ctx.say("schedule.quiet_off")
        else:
            await ctx.say("schedule.quiet_set", hours=value, tz=(await _zone(ctx)).key)

    async def set_timezone(self, command: Command, ctx: Context) -> None:
        """/settimezone <IANA zone>: the group's clock for schedules and days."""
        now = ctx.runtime.now()
        if not command.args:
            tz = await _zone(ctx)
            await ctx.say("schedule.tz_show", tz=tz.key, time=await _local(ctx, now, tz))
            return
        name = _zone_name(command.args[0])
        if name is None:
            await ctx.say("schedule.tz_bad", name=command.args[0][:64])
            return
        row = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.timezone = name
        tz = ZoneInfo(name)
        await _rezone(ScheduleRepository(ctx.uow), ctx.chat.id, now, tz)
        await ctx.uow.commit()
        await self.runner.refresh(chat_id=ctx.chat.id)
        await ctx.say("schedule.tz_set", tz=name, time=await _local(ctx, now, tz))


def _parse(text: str, now: datetime, tz: ZoneInfo) -> tuple[Options, Plan, str]:
    """Options may come before the <when>, after it, or both."""
    today = now.astimezone(tz).date()
    before, rest = parse_options(text, today)
    plan, rest = parse_when(rest, now, tz)
    after, rest = parse_options(rest, today)
    return merge_options(before, after), plan, rest.strip()


async def _rezone(repo: ScheduleRepository, chat_id: int, now: datetime, tz: ZoneInfo) -> None:
    """Recurring schedules keep their local times in the new zone; one-offs keep their instant."""
    for row in await repo.in_chat(chat_id):
        plan = plan_from_spec(row.spec)
        if plan.recurring and row.state == "active":
            row.next_run_at = next_run(plan, now, tz, row.anchor_at)
    await repo.touch_chat(chat_id)


async def _target(
    command: Command, ctx: Context, *, finished_too: bool = False
) -> ScheduleRow | None:
    """The schedule a command names by id, in this group (a finished one only if
    ``finished_too``); says what is wrong if none."""
    raw = command.args[0].lstrip("#") if command.args else ""
    if not raw.isdigit() or len(raw) > 9:
        await ctx.say("schedule.id_usage", command=command.name)
        return None
    row = await ScheduleRepository(ctx.uow).get(int(raw))
    if row is None or row.chat_id != ctx.chat.id or (row.state == "done" and not finished_too):
        await ctx.say("schedule.no_such", id=raw)
        return None
    return row


async def _describe(
    ctx: Context, row: ScheduleRow, tz: ZoneInfo, latest: ScheduleRunRow | None = None
) -> Text:
    """One schedule as a list entry: id, plan, next time, state and the first words, and a
    warning when its latest post failed (or may not have arrived)."""
    if row.state == "paused":
        reason = await ctx.t(f"schedule.reason_{row.pause_reason or 'admin'}")
        when = await ctx.t("schedule.state_paused", reason=reason)
    else:
        when = await ctx.t(
            "schedule.next", next=await _local(ctx, row.next_run_at, tz) if row.next_run_at else "—"
        )
    if row.source_message_id is not None:
        preview = await ctx.t("schedule.copy_of", id=row.source_message_id)
    else:
        text = " ".join((row.text or "").split())
        preview = text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")
    spec = await _spec(ctx, row, tz)
    entry = f"#{row.id} · {spec} · {when}\n    {preview}"
    if latest is not None and latest.status in RETRYABLE:
        at = await _local(ctx, latest.occurrence_at, tz)
        warning = await ctx.t(f"delivery.list_{latest.status}", id=row.id, when=at)
        entry += f"\n    {warning}"
    # Every piece is plain text (sentences with plain values): a str says no less.
    return plain(entry)


async def _spec(ctx: Context, row: ScheduleRow, tz: ZoneInfo) -> str:
    """The plan in words: recurring specs as typed; one-offs as a local time."""
    plan = plan_from_spec(row.spec)
    words = row.spec if plan.recurring else await ctx.t("schedule.once")
    extra = options_summary(
        Options(pin=row.pin, replace=row.replace, until=row.until, count=row.max_posts)
    )
    if row.max_posts is not None:
        extra += " " + await ctx.t("schedule.posted_count", posts=row.posts)
    return f"{words} {extra}".strip()


async def _local(ctx: Context, at: datetime, tz: ZoneInfo) -> str:
    """A UTC time as the group reads it: 2026-12-01 09:30 (Tue)."""
    local = at.astimezone(tz)
    weekday = (await ctx.t("schedule.weekdays")).plain().split()[local.weekday()]
    return f"{local:%Y-%m-%d %H:%M} ({weekday})"


def _local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def _zone_name(text: str) -> str | None:
    """A known IANA zone name, matched without regard to case; None if unknown."""
    return _zone_names().get(text.strip().lower())


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone name this system knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


async def _zone(ctx: Context) -> ZoneInfo:
    return ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)


async def _say_when_error(ctx: Context, error: WhenError) -> None:
    if error.key == "bad_when":
        await _say_forms(ctx, "schedule.bad_when")
        return
    await ctx.say(error.catalog_key, **error.values)


async def _say_forms(ctx: Context, key: str) -> None:
    await ctx.reply(await ctx.t(key) + "\n" + await ctx.t("schedule.forms"))
