"""Inactivity cleanup (清理不活跃成员): find long-silent members and remove them safely.

Admins: /inactive [days] [page] lists members silent that long, oldest silence first, and
counts the members the bot never saw; /cleanup <days> asks for confirmation with buttons,
then removes them (they may rejoin) at a gentle pace and reports; /autoclean <days>
[warn <days>] [dry] | off | test runs it daily with a warning first; /exempt (as a reply),
/unexempt, /exempted keep members out of it. Admins, owners, the allow list, bots and
newcomers are always exempt. Where the platform lists every member (QQ), that list seeds
the members table first (``handlers.cleanup.roster``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.buttons import Ack, Press, StaleButton, refusal
from core.chat import Button, Keyboard, MissingRight
from core.context import Context, tell_missing_right
from core.events import BotStatusChanged, Command, Event, User
from core.feature import ButtonSpec, CommandSpec, Feature
from core.ids import shown_id
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text, as_lines, mention
from handlers.cleanup.actions import (
    PendingSeen,
    candidates,
    exemptions,
    never_seen_members,
    record_removals,
    silence_check,
    silent_filter,
    to_member,
)
from handlers.cleanup.job import AutoCleaner
from handlers.cleanup.removal import remove_members
from handlers.cleanup.roster import RosterSeeder
from handlers.cleanup.rules import (
    PREFIX,
    AutoRequest,
    CleanupError,
    confirm_args,
    page_args,
    pages_for,
    parse_autoclean,
    parse_days,
    parse_inactive,
    parse_press,
)
from handlers.cleanup.text import (
    PAGE_SIZE,
    Translate,
    day,
    member_line,
    names,
    never_seen_line,
    removal_report,
    translator_for,
)
from storage.cleanup import CleanupRepository
from storage.repositories import ChatRepository

log = logging.getLogger(__name__)
EXEMPTED_SHOWN = 50
GONE_STATUSES = ("left", "kicked", "banned")


class Cleanup(Feature):
    """The cleanup commands, their buttons, and the bot's join time per group."""

    name = "cleanup"

    def __init__(self, pending: PendingSeen | None = None) -> None:
        """``pending``: activity seen but not stored yet (the activity tracker's buffer)."""
        self._pending = pending
        self._runtime: Runtime | None = None
        self._cleaner: AutoCleaner | None = None
        self._seeder: RosterSeeder | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._stopping = False

    def commands(self) -> Sequence[CommandSpec]:
        """Every cleanup command is for admins."""
        return (
            CommandSpec("inactive", self.inactive, admin_only=True),
            CommandSpec("cleanup", self.ask_cleanup, admin_only=True),
            CommandSpec("autoclean", self.autoclean, admin_only=True),
            CommandSpec("exempt", self.exempt, admin_only=True),
            CommandSpec("unexempt", self.unexempt, admin_only=True),
            CommandSpec("exempted", self.show_exempted, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register the daily job as timed work (it runs in the leading process only)."""
        self._runtime = runtime
        self._stopping = False
        self._seeder = RosterSeeder(runtime)
        self._cleaner = AutoCleaner(runtime, self._pending, self._seeder)
        runtime.timed.add(self._cleaner)

    async def stop(self) -> None:
        """Let running removals stop at the next member and report what they did."""
        self._stopping = True
        if self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    def seeder(self, runtime: Runtime) -> RosterSeeder:
        """The member list seeding, shared with the daily job (made on first use if need be)."""
        if self._seeder is None:
            self._seeder = RosterSeeder(runtime)
        return self._seeder

    @property
    def cleaner(self) -> AutoCleaner:
        """The daily job (exists once the feature started)."""
        assert self._cleaner is not None, "the cleanup feature has not started"
        return self._cleaner

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Note when the bot joined a group; answer the cleanup's buttons."""
        if not event.chat.is_group:
            return False
        if isinstance(event, BotStatusChanged):
            if event.joined and event.status not in GONE_STATUSES:
                await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
                await CleanupRepository(ctx.uow).note_bot_joined(ctx.chat.id, ctx.runtime.now())
            return False
        return False

    def buttons(self) -> Sequence[ButtonSpec]:
        """Page, confirm and cancel buttons: admins only (confirm: by who asked)."""
        return (ButtonSpec(PREFIX, self.on_press, admin_only=True, refusal="cleanup.admins_only"),)

    # ------------------------------------------------------------ /inactive

    async def inactive(self, command: Command, ctx: Context) -> None:
        """/inactive [days] [page]: who has been silent that long, oldest silence first."""
        try:
            days, page = parse_inactive(command.args, ctx.runtime.settings.cleanup.default_days)
        except CleanupError as error:
            await ctx.say(error.key, **error.values)
            return
        text, buttons = await self.inactive_page(ctx, days, page)
        await ctx.reply(text, buttons=buttons)

    async def inactive_page(
        self, ctx: Context, days: int, page: int
    ) -> tuple[Text, Keyboard | None]:
        """One page of the /inactive answer, with its page buttons."""
        await self.seeder(ctx.runtime).refresh(ctx.uow, ctx.chat.id)
        now = ctx.runtime.now()
        exempt = await exemptions(ctx.runtime, ctx.uow, ctx.chat.id)
        where = silent_filter(ctx.chat.id, exempt, now, days)
        repo = CleanupRepository(ctx.uow)
        count = await repo.count_silent(where)
        pages = pages_for(count, PAGE_SIZE)
        page = min(page, pages)
        rows = await repo.silent(where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        never = await never_seen_members(ctx.runtime, ctx.uow, ctx.chat.id, now, days)
        tz = await _zone(ctx)
        t = await _translate(ctx)
        lines = [t("cleanup.list_header", count=count, days=days, page=page, pages=pages)]
        first = (page - 1) * PAGE_SIZE + 1
        lines += [member_line(t, first + i, to_member(r), now, tz) for i, r in enumerate(rows)]
        if not rows:
            lines.append(t("cleanup.list_empty", days=days))
        extra = never_seen_line(t, never, days, tz)
        if extra:
            lines.append(extra)
        return as_lines(lines), _page_buttons(days, page, pages)

    # ------------------------------------------------------------ /cleanup

    async def ask_cleanup(self, command: Command, ctx: Context) -> None:
        """/cleanup <days>: say how many would go, and ask to confirm with buttons."""
        if len(command.args) != 1:
            await ctx.say("cleanup.cleanup_usage")
            return
        try:
            days = parse_days(command.args[0])
        except CleanupError as error:
            await ctx.say(error.key, **error.values)
            return
        if ctx.chat.id in self._running:
            await ctx.say("cleanup.busy")
            return
        await self.seeder(ctx.runtime).refresh(ctx.uow, ctx.chat.id)
        now = ctx.runtime.now()
        exempt = await exemptions(ctx.runtime, ctx.uow, ctx.chat.id)
        chosen = await candidates(ctx.uow, ctx.chat.id, exempt, now, days)
        if not chosen:
            await ctx.say("cleanup.nobody", days=days)
            return
        t = await _translate(ctx)
        admin = command.sender.id
        buttons = [
            [
                Button(
                    t("cleanup.confirm_yes", count=len(chosen)),
                    "cln.ok",
                    confirm_args(days, admin, now),
                ),
                Button(t("cleanup.confirm_no"), "cln.no", confirm_args(days, admin, now)),
            ]
        ]
        text = t("cleanup.confirm", count=len(chosen), days=days, names=names(chosen, t))
        await ctx.reply(text, buttons=buttons)

    async def on_press(self, press: Press, ctx: Context) -> Ack | None:
        """A page, confirm or cancel button (admins only); confirm only by who asked."""
        parsed = parse_press(press.verb, press.args)
        if parsed is None:
            raise StaleButton(f"cleanup press {press.action} {press.args}")
        port, t = ctx.port, await _translate(ctx)
        if parsed.verb == "page":
            text, buttons = await self.inactive_page(ctx, parsed.days, parsed.owner)
            await port.edit(press.chat.id, press.message_id, text, buttons=buttons)
            return None
        if press.user.id != parsed.owner:
            return refusal(t("cleanup.not_yours"))
        issued = datetime.fromtimestamp(parsed.issued, UTC)
        age = (ctx.runtime.now() - issued).total_seconds()
        if age > ctx.runtime.settings.cleanup.confirm_seconds or age < -60:
            await port.edit(press.chat.id, press.message_id, t("cleanup.expired"))
            return refusal(t("cleanup.expired"))
        if parsed.verb == "no":
            await port.edit(press.chat.id, press.message_id, t("cleanup.cancelled"))
            return None
        if press.chat.id in self._running:
            await port.edit(press.chat.id, press.message_id, t("cleanup.busy"))
            return None
        await port.edit(
            press.chat.id, press.message_id, t("cleanup.started", who=mention(press.user))
        )
        language = await ctx.language()
        task = asyncio.create_task(self._run_cleanup(press.chat.id, parsed.days, language))
        self._running[press.chat.id] = task
        task.add_done_callback(lambda _: self._running.pop(press.chat.id, None))
        return None

    async def _run_cleanup(self, chat_id: int, days: int, language: str) -> None:
        """Remove the members silent ``days`` days (chosen afresh), then report."""
        runtime = self._runtime
        assert runtime is not None
        try:
            async with runtime.store.unit() as uow:
                await self.seeder(runtime).refresh(uow, chat_id)
                now = runtime.now()
                exempt = await exemptions(runtime, uow, chat_id)
                chosen = await candidates(uow, chat_id, exempt, now, days)
            report = await remove_members(
                runtime.port,
                chat_id,
                chosen,
                interval=runtime.settings.cleanup.removal_interval_seconds,
                stopping=lambda: self._stopping,
                still_silent=silence_check(runtime, chat_id, self._pending),
            )
            async with runtime.store.unit() as uow:
                await record_removals(uow, chat_id, report, runtime.now())
            t = translator_for(runtime, language)
            right = t(f"rights.{report.missing_right}") if report.missing_right else Text()
            await reply_later(runtime.port, chat_id, removal_report(t, report, right))
            if report.missing_right:
                await tell_missing_right(
                    runtime, chat_id, language, MissingRight(report.missing_right)
                )
        except Exception:
            log.exception("cleanup of chat %s failed", chat_id)

    # ------------------------------------------------------------ /autoclean

    async def autoclean(self, command: Command, ctx: Context) -> None:
        """/autoclean <days> [warn <days>] [dry] | off | test, or alone to show the setting."""
        config = ctx.runtime.settings.cleanup
        try:
            request = parse_autoclean(command.args, config.warn_days)
        except CleanupError as error:
            await ctx.say(error.key, **error.values)
            return
        repo = CleanupRepository(ctx.uow)
        if request.kind == "show":
            await self._show_auto(ctx)
            return
        if request.kind == "test":
            settings = await repo.settings(ctx.chat.id)
            if settings.auto_days is None:
                await ctx.say("cleanup.auto_off_now")
                return
            text = await self.cleaner.preview(ctx.uow, ctx.chat.id, ctx.chat.title, settings)
            await ctx.reply(text)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        if request.kind == "off":
            await repo.save_settings(ctx.chat.id, None, config.warn_days, False, ctx.runtime.now())
            await ctx.uow.commit()
            await ctx.say("cleanup.auto_off")
            return
        await _save(ctx, request)
        await ctx.say(
            "cleanup.auto_on",
            days=request.days,
            warn=request.warn_days,
            dry=await ctx.t("cleanup.dry_yes" if request.dry_run else "cleanup.dry_no"),
        )

    async def _show_auto(self, ctx: Context) -> None:
        settings = await CleanupRepository(ctx.uow).settings(ctx.chat.id)
        if settings.auto_days is None:
            await ctx.say("cleanup.auto_off_now")
            return
        tz = await _zone(ctx)
        await ctx.say(
            "cleanup.auto_show",
            days=settings.auto_days,
            warn=settings.warn_days,
            dry=await ctx.t("cleanup.dry_yes" if settings.dry_run else "cleanup.dry_no"),
            last=day(settings.last_run_at, tz),
        )

    # ------------------------------------------------------------ exemptions

    async def exempt(self, command: Command, ctx: Context) -> None:
        """/exempt as a reply: never remove that member for inactivity."""
        target = _reply_target(command)
        if target is None:
            await ctx.say("cleanup.exempt_usage")
            return
        if target.is_bot:
            await ctx.say("cleanup.exempt_bot")
            return
        await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
        added = await CleanupRepository(ctx.uow).exempt(
            ctx.chat.id, target.id, target.name, command.sender.id, ctx.runtime.now()
        )
        await ctx.uow.commit()
        key = "cleanup.exempted_now" if added else "cleanup.exempted_already"
        await ctx.say(key, name=target.name)

    async def unexempt(self, command: Command, ctx: Context) -> None:
        """/unexempt as a reply (or with a user id): lift an exemption."""
        target = _reply_target(command)
        user_id = target.id if target is not None else _user_id(command.args)
        if user_id is None:
            await ctx.say("cleanup.unexempt_usage")
            return
        removed = await CleanupRepository(ctx.uow).unexempt(ctx.chat.id, user_id)
        await ctx.uow.commit()
        name = target.name if target is not None else shown_id(user_id)
        await ctx.say("cleanup.unexempted" if removed else "cleanup.not_exempted", name=name)

    async def show_exempted(self, command: Command, ctx: Context) -> None:
        """/exempted: the members exempted by an admin."""
        rows = await CleanupRepository(ctx.uow).exempted(ctx.chat.id)
        if not rows:
            await ctx.say("cleanup.exempted_empty")
            return
        t = await _translate(ctx)
        lines = [t("cleanup.exempted_header", count=len(rows))]
        for row in rows[:EXEMPTED_SHOWN]:
            lines.append(t("cleanup.exempted_line", name=row.name or "?", id=row.user_id))
        if len(rows) > EXEMPTED_SHOWN:
            lines.append(t("cleanup.and_more", count=len(rows) - EXEMPTED_SHOWN))
        await ctx.reply(as_lines(lines))


async def _save(ctx: Context, request: AutoRequest) -> None:
    await CleanupRepository(ctx.uow).save_settings(
        ctx.chat.id, request.days, request.warn_days, request.dry_run, ctx.runtime.now()
    )
    await ctx.uow.commit()


def _reply_target(command: Command) -> User | None:
    reply = command.message.reply_to
    if reply is None or reply.sender_chat_id is not None:
        return None
    return reply.sender


def _user_id(args: tuple[str, ...]) -> int | None:
    if len(args) != 1:
        return None
    word = args[0]
    digits = word[1:] if word.startswith("-") else word
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    return int(word)


def _page_buttons(days: int, page: int, pages: int) -> Keyboard | None:
    if pages <= 1:
        return None
    row: list[Button] = []
    if page > 1:
        row.append(Button(f"◀ {page - 1}/{pages}", "cln.page", page_args(days, page - 1)))
    if page < pages:
        row.append(Button(f"{page + 1}/{pages} ▶", "cln.page", page_args(days, page + 1)))
    return [row]


async def _translate(ctx: Context) -> Translate:
    return translator_for(ctx.runtime, await ctx.language())


async def _zone(ctx: Context) -> ZoneInfo:
    settings = await ChatRepository(ctx.uow).settings(ctx.chat.id)
    return ctx.runtime.timezone(settings.timezone)
