"""Enforcement commands (处罚): the allow list, warnings and escalation, mutes, bans, kicks.

Admins, as a reply to the member's message or with their user id (or a known @username):
/approve /unapprove /approved; /warn [reason] /unwarn /resetwarns /warns; /warnexpiry
[duration]; /warnladder [rungs|off|default]; /mute [duration] [reason] /unmute;
/ban [duration] [reason] /unban; /kick [reason]; /modlog [n]; /setlog /unsetlog.
Everyone: /report (as a reply) and /warns for their own warnings.
Durations: 30s 10m 2h 3d 1w (or 10分钟 2小时 3天). Admins and owners are never acted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.chat import ChatActionError, MissingRight
from core.context import Context
from core.durations import format_duration, parse_duration
from core.events import Command, Event, MemberMuted, MessageRemoved, User
from core.feature import ButtonSpec, CommandSpec, Feature
from core.ids import shown_id
from core.names import look_up, names_of, person, real_name
from core.runtime import Runtime
from core.text import Text, as_lines, mention
from handlers.moderation import reports
from handlers.moderation.actions import (
    REPORT_PREFIX,
    Action,
    Case,
    enforce,
    group_ladder,
    is_protected,
    mirror_entries,
    remember_title,
    warn_expiry,
)
from handlers.moderation.arguments import (
    ArgumentError,
    parse_penalty,
    parse_reason,
    parse_who,
    split_first,
)
from handlers.moderation.lifting import RestrictionLifter
from handlers.moderation.notices import message_removed, muted_by_hand
from handlers.moderation.warnings import (
    MAX_EXPIRY,
    MIN_EXPIRY,
    LadderError,
    expiry_start,
    ladder_spec,
    next_rung,
    parse_ladder,
)
from storage.moderation import (
    LogEntry,
    ModerationRepository,
    find_member,
    load_known_ids,
)
from storage.repositories import ChatRepository

APPROVED_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a command is about, the argument text after the name, and the message replied to."""

    user: User
    rest: str
    message_id: int | None = None
    text: str = ""


async def resolve_target(command: Command, ctx: Context) -> Target | None:
    """The member replied to, or named first; None after telling the caller what is wrong."""
    reply = command.message.reply_to
    if reply is not None:
        if reply.sender_chat_id is not None:
            await ctx.say("enforcement.channel_target")
            return None
        return Target(reply.sender, command.arg_text, reply.message_id, reply.text)
    first, rest = split_first(command.arg_text)
    who = parse_who(first, ctx.chat.platform) if first else None
    if who is None:
        await ctx.say("enforcement.target_usage", command=command.name)
        return None
    member = await find_member(ctx.uow, ctx.chat.id, who.user_id, who.username)
    if member is not None and real_name(member.name, member.user_id):
        return Target(User(member.user_id, member.name, member.username), rest)
    user_id = member.user_id if member is not None else who.user_id
    if user_id is None:
        await ctx.say("enforcement.unknown_user")
        return None
    # Never seen posting: the platform may still know the person (the name is then stored).
    user = await look_up(ctx.runtime, ctx.uow, ctx.chat.id, user_id)
    return Target(user or User(user_id, ""), rest)


async def record(ctx: Context, action: str, user: User, detail: str = "") -> None:
    """Log an action taken outside ``enforce`` (unmute, unwarn, approve, ...) and mirror it."""
    entry = LogEntry(
        ctx.chat.id,
        action,
        actor_id=ctx.user.id if ctx.user else None,
        target_id=user.id,
        target_name=user.name,
        reason="manual",
        detail=detail,
        actor_name=ctx.user.name if ctx.user else "",
    )
    await ModerationRepository(ctx.uow).log([entry])
    await remember_title(ctx.uow, ctx.chat)
    await mirror_entries(ctx.runtime, ctx.uow, ctx.chat.id, await ctx.language(), [entry])


class Enforcement(Feature):
    """Admins' moderation commands, members' reports, and the timers that lift restrictions."""

    name = "enforcement"

    def commands(self) -> Sequence[CommandSpec]:
        """Every enforcement command; all admin-only except /report and /warns."""
        admin = [
            ("approve", self.approve),
            ("unapprove", self.unapprove),
            ("approved", self.approved),
            ("warn", self.warn),
            ("unwarn", self.unwarn),
            ("resetwarns", self.resetwarns),
            ("warnexpiry", self.warnexpiry),
            ("warnladder", self.warnladder),
            ("mute", self.mute),
            ("unmute", self.unmute),
            ("ban", self.ban),
            ("unban", self.unban),
            ("kick", self.kick),
            ("modlog", reports.modlog),
            ("setlog", reports.setlog),
            ("unsetlog", reports.unsetlog),
        ]
        return (
            *(CommandSpec(name, handler, admin_only=True) for name, handler in admin),
            CommandSpec("warns", self.warns),
            CommandSpec("report", reports.report),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register the lifting of temporary restrictions; learn which groups have settings."""
        runtime.timed.add(RestrictionLifter(runtime))
        async with runtime.store.unit() as uow:
            await load_known_ids(uow)

    def buttons(self) -> Sequence[ButtonSpec]:
        """The report buttons (the group's admins: checked on press, they may be elsewhere)."""
        return (ButtonSpec(REPORT_PREFIX, reports.on_press, group_admins=True),)

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Mutes set or lifted and messages removed by hand on the platform (never stops)."""
        if isinstance(event, MemberMuted) and event.chat.is_group:
            await muted_by_hand(event, ctx)
        elif isinstance(event, MessageRemoved) and event.chat.is_group:
            await message_removed(event, ctx)
        return False

    # ------------------------------------------------------------------ allow list

    async def approve(self, command: Command, ctx: Context) -> None:
        """/approve: automatic checks leave the member alone."""
        target = await resolve_target(command, ctx)
        if target is None:
            return
        repo = ModerationRepository(ctx.uow)
        user = mention(target.user)
        if not await repo.approve(ctx.chat.id, target.user.id, target.user.name, command.sender.id):
            await ctx.say("enforcement.approved_already", user=user)
            return
        await record(ctx, "approve", target.user)
        await ctx.say("enforcement.approved_added", user=user)

    async def unapprove(self, command: Command, ctx: Context) -> None:
        """/unapprove: the member is checked again."""
        target = await resolve_target(command, ctx)
        if target is None:
            return
        user = mention(target.user)
        if not await ModerationRepository(ctx.uow).unapprove(ctx.chat.id, target.user.id):
            await ctx.say("enforcement.approved_missing", user=user)
            return
        await record(ctx, "unapprove", target.user)
        await ctx.say("enforcement.approved_removed", user=user)

    async def approved(self, command: Command, ctx: Context) -> None:
        """/approved: the allow list."""
        rows = await ModerationRepository(ctx.uow).approved(ctx.chat.id)
        if not rows:
            await ctx.say("enforcement.approved_empty")
            return
        lines = [await ctx.t("enforcement.approved_header", count=len(rows))]
        shown = rows[:APPROVED_SHOWN]
        stored = {row.user_id: real_name(row.name, row.user_id) for row in shown}
        names = await names_of(
            ctx.runtime, ctx.uow, ctx.chat.id, [row.user_id for row in shown], known=stored
        )
        for row in shown:
            user = mention(person(row.user_id, names))
            lines.append("• " + user + f" ({shown_id(row.user_id)})")
        if len(rows) > APPROVED_SHOWN:
            lines.append("…")
        await ctx.reply(as_lines(lines))

    # ------------------------------------------------------------------ warnings

    async def warn(self, command: Command, ctx: Context) -> None:
        """/warn [reason]: one warning; the ladder may mute, ban or kick."""
        target = await resolve_target(command, ctx)
        if target is None:
            return
        try:
            reason = parse_reason(target.rest)
        except ArgumentError as error:
            await ctx.say(error.key, **error.values)
            return
        await self._enforce(command, ctx, target, reason, Action("warn"))

    async def unwarn(self, command: Command, ctx: Context) -> None:
        """/unwarn: take back the latest active warning."""
        target = await resolve_target(command, ctx)
        if target is None:
            return
        since = await self._warnings_since(ctx)
        repo, user = ModerationRepository(ctx.uow), mention(target.user)
        if not await repo.remove_latest_warning(ctx.chat.id, target.user.id, since):
            await ctx.say("enforcement.unwarn_none", user=user)
            return
        left = len(await repo.warnings(ctx.chat.id, target.user.id, since))
        await record(ctx, "unwarn", target.user)
        await ctx.say("enforcement.unwarned", user=user, count=left)

    async def resetwarns(self, command: Command, ctx: Context) -> None:
        """/resetwarns: clear every warning of the member."""
        target = await resolve_target(command, ctx)
        if target is None:
            return
        count = await ModerationRepository(ctx.uow).reset_warnings(ctx.chat.id, target.user.id)
        await record(ctx, "resetwarns", target.user, str(count))
        await ctx.say("enforcement.resetwarns_done", user=mention(target.user), count=count)

    async def warns(self, command: Command, ctx: Context) -> None:
        """/warns: your own active warnings; admins may ask about anyone."""
        asks_about_other = command.message.reply_to is not None or bool(command.args)
        if asks_about_other and not await ctx.is_admin():
            await ctx.say("enforcement.warns_others")
            return
        if asks_about_other:
            target = await resolve_target(command, ctx)
            if target is None:
                return
            user = target.user
        else:
            user = command.sender
        await ctx.reply(await self._warns_text(ctx, user))

    async def _warns_text(self, ctx: Context, user: User) -> Text:
        repo = ModerationRepository(ctx.uow)
        settings = await repo.settings(ctx.chat.id)
        expiry = warn_expiry(ctx.runtime, settings)
        since = await self._warnings_since(ctx)
        rows = await repo.warnings(ctx.chat.id, user.id, since)
        if not rows:
            return await ctx.t("enforcement.warns_none", user=mention(user))
        language = await ctx.language()
        tz = ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)
        lines = [
            await ctx.t(
                "enforcement.warns_header",
                user=mention(user),
                count=len(rows),
                expiry=format_duration(expiry, language),
            )
        ]
        for row in rows:
            when = row.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            lines.append(await ctx.t("enforcement.warns_line", when=when, reason=row.reason or "-"))
        upcoming = next_rung(group_ladder(ctx.runtime, settings), len(rows))
        if upcoming is not None:
            lines.append(
                await ctx.t("enforcement.warns_next", count=upcoming.count, action=upcoming.spec())
            )
        return as_lines(lines)

    async def _warnings_since(self, ctx: Context) -> datetime:
        """Warnings given after this instant still count in the group."""
        settings = await ModerationRepository(ctx.uow).settings(ctx.chat.id)
        return expiry_start(ctx.runtime.now(), warn_expiry(ctx.runtime, settings))

    async def warnexpiry(self, command: Command, ctx: Context) -> None:
        """/warnexpiry [duration]: how long warnings count."""
        language = await ctx.language()
        repo = ModerationRepository(ctx.uow)
        if not command.args:
            expiry = warn_expiry(ctx.runtime, await repo.settings(ctx.chat.id))
            await ctx.say("enforcement.expiry_show", expiry=format_duration(expiry, language))
            return
        seconds = parse_duration(command.arg_text)
        if seconds is None or not MIN_EXPIRY <= seconds <= MAX_EXPIRY:
            await ctx.say("enforcement.expiry_bad", text=command.arg_text[:50])
            return
        row = await repo.edit_settings(ctx.chat.id)
        row.warn_expiry = seconds
        await ctx.say("enforcement.expiry_set", expiry=format_duration(seconds, language))

    async def warnladder(self, command: Command, ctx: Context) -> None:
        """/warnladder [rungs | off | default]: show or set the escalation ladder."""
        repo = ModerationRepository(ctx.uow)
        word = command.arg_text.strip().lower()
        if not word:
            ladder = group_ladder(ctx.runtime, await repo.settings(ctx.chat.id))
            shown = (
                await ctx.t("enforcement.ladder_show", ladder=ladder_spec(ladder))
                if ladder
                else await ctx.t("enforcement.ladder_none")
            )
            await ctx.reply(shown + "\n" + await ctx.t("enforcement.ladder_help"))
            return
        if word == "default":
            row = await repo.edit_settings(ctx.chat.id)
            row.warn_ladder = None
            default = ctx.runtime.settings.enforcement.warn_ladder
            await ctx.say("enforcement.ladder_default", ladder=default or "-")
            return
        try:
            spec = "" if word == "off" else ladder_spec(parse_ladder(command.arg_text))
        except LadderError as error:
            await ctx.say(error.key, rung=error.rung[:60])
            return
        row = await repo.edit_settings(ctx.chat.id)
        row.warn_ladder = spec
        if spec:
            await ctx.say("enforcement.ladder_set", ladder=spec)
        else:
            await ctx.say("enforcement.ladder_none")

    # ------------------------------------------------------------------ restrictions

    async def mute(self, command: Command, ctx: Context) -> None:
        """/mute [duration] [reason]."""
        await self._restrict(command, ctx, "mute", timed=True)

    async def ban(self, command: Command, ctx: Context) -> None:
        """/ban [duration] [reason]."""
        await self._restrict(command, ctx, "ban", timed=True)

    async def kick(self, command: Command, ctx: Context) -> None:
        """/kick [reason]."""
        await self._restrict(command, ctx, "kick", timed=False)

    async def _restrict(self, command: Command, ctx: Context, kind: str, *, timed: bool) -> None:
        target = await resolve_target(command, ctx)
        if target is None:
            return
        try:
            penalty = parse_penalty(target.rest, timed=timed)
        except ArgumentError as error:
            await ctx.say(error.key, **error.values)
            return
        action = Action(kind, penalty.seconds)
        await self._enforce(command, ctx, target, penalty.reason, action)

    async def _enforce(
        self, command: Command, ctx: Context, target: Target, reason: str, action: Action
    ) -> None:
        if await is_protected(ctx.runtime, ctx.chat.id, target.user.id):
            await ctx.say("enforcement.protected")
            return
        case = Case(
            ctx.chat.id,
            target.user,
            "manual",
            detail=reason,
            message_id=target.message_id,
            message_text=target.text,
            actor_id=command.sender.id,
            actor_name=command.sender.name,
        )
        await remember_title(ctx.uow, ctx.chat)
        taken = await enforce(ctx.runtime, ctx.uow, case, [action])
        if action.kind not in taken:
            await ctx.say("enforcement.failed")

    async def unmute(self, command: Command, ctx: Context) -> None:
        """/unmute: the member may post again (a timed mute is forgotten)."""
        await self._lift(command, ctx, "mute")

    async def unban(self, command: Command, ctx: Context) -> None:
        """/unban: the person may join again."""
        await self._lift(command, ctx, "ban")

    async def _lift(self, command: Command, ctx: Context, kind: str) -> None:
        target = await resolve_target(command, ctx)
        if target is None:
            return
        chat_id, user_id = ctx.chat.id, target.user.id
        try:
            if kind == "mute":
                await ctx.port.unmute(chat_id, user_id)
            else:
                await ctx.port.unban(chat_id, user_id)
        except MissingRight as error:
            await ctx.tell_missing_right(error)
            await ctx.say("enforcement.failed")
            return
        except ChatActionError:
            await ctx.say("enforcement.failed")
            return
        await ModerationRepository(ctx.uow).forget_restriction(chat_id, user_id, kind)
        await record(ctx, f"un{kind}", target.user)
        key = "enforcement.unmuted" if kind == "mute" else "enforcement.unbanned"
        await ctx.say(key, user=mention(target.user))
