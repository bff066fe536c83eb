"""Reports (/report and the admins' buttons), the moderation log (/modlog) and its log chat.

A log chat is set from the chat that is to receive the log: an admin sends ``/setlog
<group id>`` there, and it is accepted only if they are an admin of that chat (the command
check) and of the group (checked here, with the group's own admin list, which also proves the
bot is in the group). ``/setlog`` in the group shows its id and these steps.
"""

from __future__ import annotations

from datetime import timedelta

from core.buttons import Ack, Press, StaleButton, refusal
from core.context import Context
from core.events import Command, User
from core.names import look_up, real_name
from core.outbound import reply_later
from core.text import as_lines, mention
from handlers.moderation.actions import (
    REPORT_ACTION,
    REPORT_CHOICES,
    Action,
    Case,
    enforce,
    entry_names,
    file_report,
    group_title,
    is_protected,
    log_line,
    remember_title,
)
from storage.moderation import REMOVED, LogEntry, ModerationRepository
from storage.repositories import ChatRepository

MODLOG_DEFAULT = 10
MODLOG_MAX = 50
# What each report button does.
BUTTON_ACTIONS: dict[str, tuple[Action, ...]] = {
    "delete": (Action("delete"),),
    "warn": (Action("warn"),),
    "ban": (Action("delete"), Action("ban")),
}


def parse_press(args: tuple[str, ...]) -> tuple[int, str] | None:
    """A report button's (report id, d|w|b) as (report id, choice name); None if malformed."""
    if len(args) != 2:
        return None
    number, key = args
    if not number.isdigit() or len(number) > 12 or key not in REPORT_CHOICES:
        return None
    return int(number), REPORT_CHOICES[key]


async def report(command: Command, ctx: Context) -> None:
    """/report as a reply: the admins get the message with buttons (rate-limited per member)."""
    reply, reporter = command.message.reply_to, command.sender
    if reply is None:
        await ctx.say("enforcement.report_usage")
        return
    if reply.sender_chat_id is not None:
        await ctx.say("enforcement.channel_target")
        return
    if reply.sender.id == reporter.id:
        await ctx.say("enforcement.report_self")
        return
    if await is_protected(ctx.runtime, ctx.chat.id, reply.sender.id):
        await ctx.say("enforcement.report_admin")
        return
    settings = ctx.runtime.settings.enforcement
    repo = ModerationRepository(ctx.uow)
    since = ctx.runtime.now() - timedelta(seconds=settings.report_window_seconds)
    if await repo.reports_since(ctx.chat.id, reporter.id, since) >= settings.report_limit:
        await ctx.say("enforcement.report_limit")
        return
    case = Case(
        ctx.chat.id,
        reply.sender,
        "report",
        detail=" ".join(command.arg_text.split())[:200],
        message_id=reply.message_id,
        message_text=reply.text,
        actor_id=reporter.id,
        actor_name=reporter.name,
    )
    await remember_title(ctx.uow, ctx.chat)
    await file_report(ctx.runtime, ctx.uow, case, reporter, await ctx.language())
    entry = LogEntry(
        ctx.chat.id,
        "report",
        actor_id=reporter.id,
        target_id=reply.sender.id,
        target_name=reply.sender.name,
        reason="report",
        detail=case.detail,
        message_id=reply.message_id,
        message_text=reply.text,
    )
    await repo.log([entry])
    await ctx.say("enforcement.report_sent")


async def on_press(press: Press, ctx: Context) -> Ack:
    """A report button: only the group's admins may press; the first press wins."""
    parsed = parse_press(press.args) if press.action == REPORT_ACTION else None
    if parsed is None:
        raise StaleButton(f"report press {press.action} {press.args}")
    report_id, choice = parsed
    port, runtime = ctx.port, ctx.runtime
    repo = ModerationRepository(ctx.uow)
    row = await repo.report(report_id)
    if row is None:
        return refusal(await ctx.t("enforcement.button_gone"))
    # The buttons may be in the log chat: what counts is being an admin of the group.
    if not await runtime.is_admin_of(row.chat_id, press.user.id):
        return refusal(await ctx.t("enforcement.button_admins"))
    if row.handled_action == REMOVED:
        return refusal(await ctx.t("enforcement.button_removed"))
    if not await repo.handle_report(report_id, press.user.id, choice):
        return refusal(await ctx.t("enforcement.button_handled"))
    target = User(row.target_id, real_name(row.target_name, row.target_id))
    if not target.name:
        target = await look_up(runtime, ctx.uow, row.chat_id, row.target_id) or target
    case = Case(
        row.chat_id,
        target,
        "report",
        detail=f"#{report_id}",
        message_id=row.message_id,
        message_text=row.message_text,
        actor_id=press.user.id,
        actor_name=press.user.name,
    )
    taken = await enforce(runtime, ctx.uow, case, BUTTON_ACTIONS[choice])
    action = await ctx.t(f"enforcement.button.{choice}")
    if not taken:
        await ctx.uow.rollback()  # the report stays open for another try
        return refusal(await ctx.t("enforcement.button_failed"))
    ack = Ack(await ctx.t("enforcement.button_done", action=action))
    text = await ctx.t(
        "enforcement.report_handled",
        id=report_id,
        user=mention(target),
        action=action,
        admin=mention(press.user),
    )
    await port.edit(press.chat.id, press.message_id, text)
    return ack


async def modlog(command: Command, ctx: Context) -> None:
    """/modlog [n]: the group's latest moderation actions, newest first."""
    count = MODLOG_DEFAULT
    if command.args:
        word = command.args[0]
        if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= MODLOG_MAX:
            await ctx.say("enforcement.modlog_bad")
            return
        count = int(word)
    rows = await ModerationRepository(ctx.uow).recent_log(ctx.chat.id, count)
    if not rows:
        await ctx.say("enforcement.modlog_empty")
        return
    language = await ctx.language()
    tz = ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)
    lines = [await ctx.t("enforcement.modlog_header", count=len(rows))]
    entries = [
        LogEntry(
            row.chat_id,
            row.action,
            actor_id=row.actor_id,
            target_id=row.target_id,
            target_name=row.target_name,
            reason=row.reason,
            detail=row.detail,
            seconds=row.seconds,
            message_text=row.message_text,
            dry_run=row.dry_run,
        )
        for row in rows
    ]
    names = await entry_names(ctx.runtime, ctx.uow, ctx.chat.id, entries)
    for row, entry in zip(rows, entries, strict=True):
        when = row.created_at.astimezone(tz).strftime("%m-%d %H:%M")
        line = log_line(ctx.runtime, language, entry, names)
        lines.append(await ctx.t("enforcement.log.modlog_line", when=when, line=line))
    await ctx.reply(as_lines(lines))


async def setlog(command: Command, ctx: Context) -> None:
    """/setlog in a group: how to; /setlog <group id> in the log chat: mirror that group here."""
    if not command.args:
        await remember_title(ctx.uow, ctx.chat)
        current = (await ModerationRepository(ctx.uow).settings(ctx.chat.id)).log_chat_id
        if current is not None:
            await ctx.say("enforcement.setlog_current", chat_id=current)
        await ctx.say("enforcement.setlog_how", chat_id=ctx.chat.id)
        return
    word = command.args[0]
    digits = word[1:] if word.startswith("-") else word
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 16:
        await ctx.say("enforcement.setlog_bad_id", text=word)
        return
    group_id = int(word)
    if group_id == ctx.chat.id:
        await ctx.say("enforcement.setlog_same")
        return
    if not await ctx.runtime.is_admin_of(group_id, command.sender.id):
        await ctx.say("enforcement.setlog_not_admin", chat_id=group_id)
        return
    row = await ModerationRepository(ctx.uow).edit_settings(group_id)
    row.log_chat_id = ctx.chat.id
    group = await ChatRepository(ctx.uow).get(group_id)
    await ctx.say("enforcement.setlog_done", group=await group_title(ctx.uow, group_id))
    language = (group.language if group else None) or ctx.runtime.settings.bot.default_language
    told = ctx.runtime.translator(
        language, "enforcement.setlog_told", chat=ctx.chat.title or str(ctx.chat.id)
    )
    await reply_later(ctx.port, group_id, told)


async def unsetlog(command: Command, ctx: Context) -> None:
    """/unsetlog in the group: stop mirroring its log."""
    repo = ModerationRepository(ctx.uow)
    if (await repo.settings(ctx.chat.id)).log_chat_id is None:
        await ctx.say("enforcement.unsetlog_none")
        return
    row = await repo.edit_settings(ctx.chat.id)
    row.log_chat_id = None
    await ctx.say("enforcement.unsetlog_done")
