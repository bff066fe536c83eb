"""Carrying out moderation: delete, warn (with the escalation ladder), mute, ban, kick, report.

Every caller (the automatic checks, the spam filter, the captcha, admins' commands and the
report buttons) goes through ``enforce``, so the rules hold everywhere: admins, owners and
the bot itself are never touched, every action is logged (and mirrored to the group's log
chat), and a missing right is told to the admins once instead of raising.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from core.chat import Button, ChatActionError, MissingRight
from core.context import chat_language, tell_missing_right
from core.durations import format_duration
from core.events import Chat, User
from core.names import look_up, names_of, real_name
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text, as_lines, code, mention
from handlers.moderation.warnings import (
    DEFAULT_EXPIRY,
    Ladder,
    LadderError,
    expiry_start,
    next_rung,
    parse_ladder,
    rung_for,
)
from storage.moderation import EnforcementSettings, LogEntry, ModerationRepository
from storage.repositories import ChatRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

KINDS = ("delete", "warn", "mute", "kick", "ban", "report")
# Message text kept in the log and shown in reports.
MAX_QUOTE = 300
# The report buttons: the action "mr.report" with (report id, d|w|b).
REPORT_PREFIX = "mr"
REPORT_ACTION = "mr.report"
REPORT_CHOICES = {"d": "delete", "w": "warn", "b": "ban"}


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to do to a member or their message."""

    kind: str  # "delete" | "warn" | "mute" | "kick" | "ban" | "report"
    seconds: int | None = None  # mute/ban length; None = indefinitely


@dataclass(frozen=True, slots=True)
class Case:
    """Whom to act on, in which group, and why."""

    chat_id: int
    target: User
    # Machine reason: "link" "contact" "badword" "flood" "repeat" "newcomer" "forward"
    # "emoji" "mentions" "spam" "manual" "captcha" (and "report", "ladder" inside).
    reason: str
    detail: str = ""
    message_id: int | None = None
    message_text: str = ""
    actor_id: int | None = None  # None: the bot's automatic checks
    actor_name: str = ""  # the actor's name when the caller has it (an admin's command)
    # The message was sent as a chat (``Message.sender_chat_id``): the group itself (an
    # anonymous admin) or a channel; the target is then only the platform's stand-in.
    sender_chat_id: int | None = None


@dataclass(slots=True)
class _Run:
    """What one ``enforce`` call knows and has done so far."""

    runtime: Runtime
    uow: UnitOfWork
    case: Case
    dry_run: bool
    announce: bool
    language: str
    settings: EnforcementSettings
    taken: list[str] = field(default_factory=list)
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def repo(self) -> ModerationRepository:
        return ModerationRepository(self.uow)

    def t(self, key: str, **values: object) -> Text:
        return self.runtime.translator(self.language, key, **values)


async def is_protected(runtime: Runtime, chat_id: int, user_id: int) -> bool:
    """Admins, owners and the bot itself are never acted on."""
    if runtime.is_bot(user_id):
        return True
    return await runtime.is_admin_of(chat_id, user_id)


def warn_expiry(runtime: Runtime, settings: EnforcementSettings) -> int:
    """Seconds a warning counts in a group."""
    if settings.warn_expiry is not None:
        return settings.warn_expiry
    days = runtime.settings.enforcement.warn_expiry_days
    return days * 86_400 if days else DEFAULT_EXPIRY


def group_ladder(runtime: Runtime, settings: EnforcementSettings) -> Ladder:
    """A group's escalation ladder (its own, or the configured default)."""
    text = settings.warn_ladder
    if text is None:
        text = runtime.settings.enforcement.warn_ladder
    try:
        return parse_ladder(text)
    except LadderError:
        # Stored ladders are validated when set; an unreadable one escalates nothing.
        log.warning("unreadable warn ladder %r", text)
        return ()


async def enforce(
    runtime: Runtime,
    uow: UnitOfWork,
    case: Case,
    actions: Sequence[Action],
    *,
    dry_run: bool = False,
    announce: bool = True,
) -> list[str]:
    """Carry out ``actions`` on ``case`` in order; the names of the actions actually taken.

    Writes go into ``uow`` (the caller commits; a report commits what was written so far
    before its buttons are posted). Warnings may add the ladder's mute, ban or
    kick. ``announce`` posts a short notice in the group for warn/mute/ban/kick. In dry-run
    mode nothing is done and the log says what would have been.
    """
    # Sent as the group itself: an anonymous admin, never acted on.
    if case.sender_chat_id == case.chat_id or await is_protected(
        runtime, case.chat_id, case.target.id
    ):
        return []
    if unknown := [a.kind for a in actions if a.kind not in KINDS]:
        raise ValueError(f"unknown moderation actions {unknown}")
    if case.sender_chat_id is not None:
        # A post made as a channel: its message can go, but there is no member to punish.
        actions = [a for a in actions if a.kind in ("delete", "report")]
    repo = ModerationRepository(uow)
    run = _Run(
        runtime,
        uow,
        case,
        dry_run,
        announce,
        await chat_language(uow, case.chat_id, runtime.settings.bot.default_language),
        await repo.settings(case.chat_id),
    )
    queue = [(action, case) for action in actions]
    while queue:
        action, run.case = queue.pop(0)
        follow_up = await _carry_out(run, action)
        if follow_up is not None:
            # The ladder's action goes next, logged and announced with its own reason.
            queue.insert(0, follow_up)
    await repo.log(run.entries)
    await _mirror(run)
    return run.taken


async def _carry_out(run: _Run, action: Action) -> tuple[Action, Case] | None:
    """Do one action; a warning may return the ladder's next action."""
    if action.kind == "delete":
        await _delete(run)
        return None
    if action.kind == "warn":
        return await _warn(run)
    if action.kind == "report":
        await _report(run)
        return None
    await _restrict(run, action)
    return None


def _entry(run: _Run, action: str, *, seconds: int | None = None, detail: str = "") -> LogEntry:
    case = run.case
    return LogEntry(
        chat_id=case.chat_id,
        action=action,
        actor_id=case.actor_id,
        target_id=case.target.id,
        target_name=case.target.name,
        reason=case.reason,
        detail=detail or case.detail,
        seconds=seconds,
        message_id=case.message_id,
        message_text=case.message_text[:MAX_QUOTE],
        dry_run=run.dry_run,
        actor_name=case.actor_name,
    )


async def _attempt(run: _Run, call: Awaitable[None]) -> bool:
    """Await a platform call; False (and the admins told once) if it failed."""
    try:
        await call
    except MissingRight as error:
        await tell_missing_right(run.runtime, run.case.chat_id, run.language, error)
        return False
    except ChatActionError as error:
        log.info("moderation in %s failed: %s", run.case.chat_id, error)
        return False
    return True


async def _delete(run: _Run) -> None:
    case = run.case
    if case.message_id is None:
        return
    if not run.dry_run:
        try:
            if not await run.runtime.port.delete(case.chat_id, case.message_id):
                return
        except MissingRight as error:
            await tell_missing_right(run.runtime, case.chat_id, run.language, error)
            return
        run.taken.append("delete")
    run.entries.append(_entry(run, "delete"))


async def _warn(run: _Run) -> tuple[Action, Case] | None:
    """Store a warning, announce it, and return the ladder's action if a rung is reached."""
    case, runtime = run.case, run.runtime
    now = runtime.now()
    since = expiry_start(now, warn_expiry(runtime, run.settings))
    count = await run.repo.count_warnings(case.chat_id, case.target.id, since) + 1
    if not run.dry_run:
        reason = case.detail or case.reason
        await run.repo.add_warning(case.chat_id, case.target.id, reason, case.actor_id, now)
        run.taken.append("warn")
    ladder = group_ladder(runtime, run.settings)
    rung, upcoming = rung_for(ladder, count), next_rung(ladder, count)
    limit = f"{count}/{upcoming.count}" if upcoming else str(count)
    run.entries.append(_entry(run, "warn", detail=f"{limit} {case.detail}".strip()))
    if run.announce and not run.dry_run:
        await reply_later(
            runtime.port,
            case.chat_id,
            run.t("enforcement.done.warn", user=mention(case.target), count=limit) + _because(run),
        )
    if rung is None:
        return None
    return Action(rung.kind, rung.seconds), replace(case, reason="ladder", detail=rung.spec())


async def _restrict(run: _Run, action: Action) -> None:
    """Mute, ban or kick; temporary mutes and bans are stored so they are lifted on time."""
    case, runtime = run.case, run.runtime
    port, chat_id, user_id = runtime.port, case.chat_id, case.target.id
    seconds = action.seconds if action.kind != "kick" else None
    until = runtime.now() + timedelta(seconds=seconds) if seconds else None
    if not run.dry_run:
        if action.kind == "mute":
            done = await _attempt(run, port.mute(chat_id, user_id, until))
        elif action.kind == "ban":
            done = await _attempt(run, port.ban(chat_id, user_id, until))
        else:
            done = await _attempt(run, port.kick(chat_id, user_id))
        if not done:
            return
        run.taken.append(action.kind)
        await _remember_end(run, action.kind, until)
    run.entries.append(_entry(run, action.kind, seconds=seconds))
    if run.announce and not run.dry_run:
        text = _restricted_text(run, action.kind, seconds) + _because(run)
        await reply_later(port, chat_id, text)


async def _remember_end(run: _Run, kind: str, until: datetime | None) -> None:
    """Store when a mute/ban ends; a permanent one replaces an earlier temporary one.

    A ban is kept even without an end: the banned person's join requests are refused
    while it holds (``handlers.moderation.bans``). A permanent mute needs no row.
    """
    repo, chat_id, user_id = run.repo, run.case.chat_id, run.case.target.id
    if kind == "kick":
        return
    if until is None and kind == "mute":
        await repo.forget_restriction(chat_id, user_id, kind)
    else:
        await repo.restrict_until(chat_id, user_id, kind, until)


def _restricted_text(run: _Run, kind: str, seconds: int | None) -> Text:
    user = mention(run.case.target)
    if seconds is None:
        return run.t(f"enforcement.done.{kind}", user=user)
    duration = format_duration(seconds, run.language)
    return run.t(f"enforcement.done.{kind}_for", user=user, duration=duration)


def _because(run: _Run) -> Text:
    """ " Reason: ..." for a public notice (the admin's words, or the check's name)."""
    case = run.case
    if case.reason == "manual":
        shown = case.detail
    else:
        shown = reason_name(run.runtime, run.language, case.reason)
    return "\n" + run.t("enforcement.done.reason", reason=shown) if shown else Text()


def explain(runtime: Runtime, language: str, reason: str, detail: str) -> str:
    """Why, for the log: the admin's words, or the reason's name and what matched."""
    if reason == "manual":
        return detail or reason_name(runtime, language, reason)
    name = reason_name(runtime, language, reason)
    return f"{name} ({detail})" if detail else name


def reason_name(runtime: Runtime, language: str, reason: str) -> str:
    """A machine reason in words ("link" -> "links"); unknown reasons as they are."""
    key = f"enforcement.reason.{reason}"
    text = runtime.translator.plain(language, key)
    return reason if text == key else text


async def _report(run: _Run) -> None:
    """Store the report and show it to the admins with delete / warn / ban buttons."""
    case = run.case
    if run.dry_run:
        run.entries.append(_entry(run, "report"))
        return
    reporter = None
    if case.actor_id is not None:
        reporter = User(case.actor_id, case.actor_name) if case.actor_name else None
        reporter = reporter or await look_up(run.runtime, run.uow, case.chat_id, case.actor_id)
        reporter = reporter or User(case.actor_id, "")
    report_id = await file_report(run.runtime, run.uow, case, reporter, run.language)
    run.entries.append(_entry(run, "report", detail=f"#{report_id} {case.detail}".strip()))
    run.taken.append("report")


async def file_report(
    runtime: Runtime, uow: UnitOfWork, case: Case, reporter: User | None, language: str
) -> int:
    """Store a report and post it to the admins (log chat, else the group); its id.

    The unit is committed before the report is posted: an admin may press its buttons at
    once (in the log chat, handled concurrently), and they must find the report.
    """
    repo = ModerationRepository(uow)
    report_id = await repo.add_report(
        case.chat_id,
        reporter.id if reporter else None,
        case.target.id,
        case.target.name,
        case.message_id,
        case.message_text,
        runtime.now(),
    )
    await uow.commit()
    t = runtime.translator
    quote = case.message_text[:MAX_QUOTE]
    body = t(
        language,
        "enforcement.report.text",
        id=report_id,
        user=mention(case.target),
        who=mention(reporter) if reporter else t(language, "enforcement.report.by_bot"),
        reason=case.detail or reason_name(runtime, language, case.reason),
        text=code(quote) if quote else "-",
    )
    buttons = report_buttons(runtime, language, report_id)
    log_chat = (await repo.settings(case.chat_id)).log_chat_id
    if log_chat is not None:
        title = await group_title(uow, case.chat_id)
        head = t(language, "enforcement.report.in_group", group=title)
        if await runtime.port.send(log_chat, head + "\n" + body, buttons=buttons):
            return report_id
    # No log chat (or it refused): in the group, calling up to five admins.
    admins = sorted(await runtime.admins.get(case.chat_id))[:5]
    calls = Text(" ").join(mention(User(a, ""), "👮") for a in admins)
    text = body + ("\n" + calls if calls else Text())
    await reply_later(runtime.port, case.chat_id, text, reply_to=case.message_id, buttons=buttons)
    return report_id


def report_buttons(runtime: Runtime, language: str, report_id: int) -> list[list[Button]]:
    """The delete / warn / ban buttons under a report."""
    t = runtime.translator
    return [
        [
            Button(t(language, f"enforcement.button.{name}"), REPORT_ACTION, (report_id, key))
            for key, name in REPORT_CHOICES.items()
        ]
    ]


async def group_title(uow: UnitOfWork, chat_id: int) -> str:
    """A group's stored title, or its id."""
    row = await ChatRepository(uow).get(chat_id)
    return row.title if row is not None and row.title else str(chat_id)


async def remember_title(uow: UnitOfWork, chat: Chat) -> None:
    """Keep a group's title stored, so its log chat and reports name it rather than its id."""
    if chat.is_group and chat.title and await group_title(uow, chat.id) != chat.title[:255]:
        await ChatRepository(uow).ensure(chat.id, chat.title)


async def _mirror(run: _Run) -> None:
    """Copy this call's log lines to the group's log chat, if it has one."""
    # Reports reach the log chat by themselves, with their buttons.
    entries = [e for e in run.entries if e.action != "report"]
    await mirror_entries(run.runtime, run.uow, run.case.chat_id, run.language, entries)


async def mirror_entries(
    runtime: Runtime, uow: UnitOfWork, chat_id: int, language: str, entries: Sequence[LogEntry]
) -> None:
    """Post log lines to the group's log chat, if it has one (a failure is only logged)."""
    if not entries:
        return
    log_chat = (await ModerationRepository(uow).settings(chat_id)).log_chat_id
    if log_chat is None:
        return
    title = await group_title(uow, chat_id)
    names = await entry_names(runtime, uow, chat_id, entries)
    lines = [log_line(runtime, language, entry, names) for entry in entries]
    header = runtime.translator(language, "enforcement.log.header", group=title)
    await reply_later(runtime.port, log_chat, header + "\n" + as_lines(lines))


async def entry_names(
    runtime: Runtime, uow: UnitOfWork, chat_id: int, entries: Sequence[LogEntry]
) -> dict[int, str]:
    """Names of the people in log lines whose name the lines do not carry themselves."""
    known = {e.actor_id: e.actor_name for e in entries if e.actor_id is not None and e.actor_name}
    people = [e.actor_id for e in entries if e.actor_id is not None]
    people += [
        e.target_id
        for e in entries
        if e.target_id is not None and not real_name(e.target_name, e.target_id)
    ]
    return await names_of(runtime, uow, chat_id, people, known=known)


def log_line(
    runtime: Runtime, language: str, entry: LogEntry, names: Mapping[int, str] | None = None
) -> Text:
    """One moderation log line for people: action, whom, by whom, why, which message.

    ``names`` gives the names of the people the entry does not name (else their id is shown).
    """
    t, names = runtime.translator, names or {}
    action = t(language, f"enforcement.action.{entry.action}")
    if entry.seconds:
        action = action + " " + format_duration(entry.seconds, language)
    target: Text | str = "-"
    if entry.target_id is not None:
        shown = real_name(entry.target_name, entry.target_id) or names.get(entry.target_id, "")
        target = mention(User(entry.target_id, shown))
    actor = (
        mention(User(entry.actor_id, names.get(entry.actor_id) or entry.actor_name))
        if entry.actor_id is not None
        else t(language, "enforcement.log.bot")
    )
    why = explain(runtime, language, entry.reason, entry.detail)
    line = t(language, "enforcement.log.line", action=action, user=target, actor=actor, why=why)
    if entry.dry_run:
        line = t(language, "enforcement.log.dry_run") + " " + line
    if entry.message_text:
        line = line + " " + code(entry.message_text[:80])
    return line
