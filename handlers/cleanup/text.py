"""The cleanup's messages: list pages, reports and summaries (catalog sentences, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from core.events import User
from core.runtime import Runtime
from core.text import Text, as_lines, mention, plain
from handlers.cleanup.actions import NeverSeen
from handlers.cleanup.removal import REASONS, RemovalReport
from handlers.cleanup.rules import Member, RunPlan, clip

Translate = Callable[..., Text]
# Members per /inactive page. A line is at most ~170 characters (name clipped to NAME_CHARS),
# so a page stays far below Telegram's 4,096.
PAGE_SIZE = 20
NAME_CHARS = 24
# Mentions per warning message, and names shown in reports before "and N more".
MENTIONS_PER_MESSAGE = 40
NAMES_IN_REPORT = 15


def translator_for(runtime: Runtime, language: str) -> Translate:
    """Catalog sentences in one language."""

    def t(key: str, **values: object) -> Text:
        return runtime.translator(language, key, **values)

    return t


def day(when: datetime | None, tz: tzinfo) -> str:
    """A date in the group's time zone, or a dash."""
    return when.astimezone(tz).date().isoformat() if when is not None else "—"


def member_line(t: Translate, number: int, member: Member, now: datetime, tz: tzinfo) -> Text:
    """One row of the /inactive list."""
    return t(
        "cleanup.list_line",
        n=number,
        name=clip(member.name, NAME_CHARS),
        seen=day(member.last_seen, tz),
        ago=max((now - member.last_seen).days, 0),
        messages=member.messages,
        joined=day(member.joined_at, tz),
    )


def never_seen_line(t: Translate, info: NeverSeen, days: int, tz: tzinfo) -> Text:
    """What /inactive says about members the bot never saw."""
    if info.count == 0:
        return Text()
    if info.silent:
        return t("cleanup.never_seen_counted", count=info.count, since=day(info.since, tz))
    return t("cleanup.never_seen_waiting", count=info.count, since=day(info.since, tz))


def names(members: Sequence[Member], t: Translate) -> Text:
    """A short list of names for reports (``and N more`` after a few)."""
    shown = plain(", ".join(clip(m.name, NAME_CHARS) for m in members[:NAMES_IN_REPORT]))
    more = len(members) - NAMES_IN_REPORT
    if more > 0:
        return shown + " " + t("cleanup.and_more", count=more)
    return shown


def removal_report(t: Translate, report: RemovalReport, right_name: Text | str) -> Text:
    """The result of a removal: how many went, and who did not and why."""
    lines = [t("cleanup.report_removed", count=len(report.removed))]
    if report.removed:
        lines.append(names(report.removed, t))
    for reason in REASONS:
        failed = report.failed.get(reason)
        if failed:
            lines.append(
                t(f"cleanup.failed_{reason}", count=len(failed), right=right_name)
                + ": "
                + names(failed, t)
            )
    return as_lines(lines)


def warning_messages(t: Translate, members: Sequence[Member], days: int, warn: int) -> list[Text]:
    """The group warning, with the warned members mentioned, in as few messages as fit."""
    messages: list[Text] = []
    for start in range(0, len(members), MENTIONS_PER_MESSAGE):
        batch = members[start : start + MENTIONS_PER_MESSAGE]
        who = Text(", ").join(mention(User(m.user_id, clip(m.name, NAME_CHARS))) for m in batch)
        messages.append(t("cleanup.warn_group", mentions=who, days=days, warn=warn))
    return messages


def run_summary(
    t: Translate,
    plan: RunPlan,
    report: RemovalReport | None,
    *,
    title: str,
    dry_run: bool,
    never: NeverSeen,
    right_name: Text | str,
) -> Text:
    """What an automatic run did (or, dry, would do) in one group, for its admins."""
    key = "cleanup.summary_dry" if dry_run else "cleanup.summary"
    lines = [t(key, group=title)]
    lines.append(t("cleanup.summary_warned", count=len(plan.warn)))
    if plan.warn:
        lines.append(names(plan.warn, t))
    if dry_run or report is None:
        lines.append(t("cleanup.summary_would_remove", count=len(plan.remove)))
        if plan.remove:
            lines.append(names(plan.remove, t))
    else:
        lines.append(removal_report(t, report, right_name))
    lines.append(t("cleanup.summary_spared", count=len(plan.spared)))
    lines.append(t("cleanup.summary_waiting", count=plan.waiting))
    if never.count:
        lines.append(t("cleanup.summary_never_seen", count=never.count))
    return as_lines(lines)
