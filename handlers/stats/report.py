"""Reports put together: read the roll-ups, compute the figures, word them, draw the chart.

Used by the commands and by the digest; the chart is drawn in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import Translator
from core.text import Text, as_lines
from handlers.stats.labels import ActivityLabels, HourLabels
from handlers.stats.metrics import (
    MAU_DAYS,
    RETENTION_MARKS,
    RETENTION_WEEKS,
    Cohort,
    Period,
    Summary,
    cohorts,
    fill_days,
    period_ending,
    summarize,
    week_start,
)
from storage.invites import InviteRepository
from storage.stats import DayFigures, StatsRepository
from storage.unit import UnitOfWork

# Telegram's limit on photo captions.
MAX_CAPTION = 1024
NONE = "—"


@dataclass(frozen=True, slots=True)
class ActivityReport:
    """A period's figures and the days behind them."""

    summary: Summary
    days: list[DayFigures]
    # Messages per local hour of the day (0-23) over the period.
    hours: tuple[int, ...] = ()


async def activity_report(
    uow: UnitOfWork, chat_id: int, period: Period, members_now: int | None
) -> ActivityReport:
    """Read what a period's report needs (a few hundred rows at most) and compute it."""
    repo = StatsRepository(uow)
    days = fill_days(period, await repo.days(chat_id, period.start, period.end))
    hours = await repo.hours(chat_id, period.start, period.end)
    month = period_ending(period.end, MAU_DAYS)
    posters, mau = await repo.distinct_posters(chat_id, period.end, period.start, month.start)
    summary = summarize(period, days, hours, posters=posters, mau=mau, members_now=members_now)
    return ActivityReport(summary, days, tuple(hours))


def number(value: float | None, digits: int = 1) -> str:
    """A figure for people: whole numbers as such, others rounded; a dash when unknown."""
    if value is None:
        return NONE
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


def percent(value: float | None, *, signed: bool = False) -> str:
    """A share (0.25) or a percentage (25.0 with ``signed``) as text."""
    if value is None:
        return NONE
    if signed:
        return f"{value:+.1f}%"
    return f"{value * 100:.1f}%"


def summary_text(t: Translator, language: str, title: Text, summary: Summary) -> Text:
    """The report's text: one line per figure, in the group's language."""
    hours = ", ".join(f"{h:02d}:00" for h in summary.busiest_hours) or NONE
    lines = [
        title,
        t(
            language,
            "stats.line_members",
            start=number(summary.members_start),
            end=number(summary.members_end),
            joins=summary.joins,
            leaves=summary.leaves,
            net=f"{summary.net:+d}",
            growth=percent(summary.growth_percent, signed=True),
        ),
        t(
            language,
            "stats.line_messages",
            messages=summary.messages,
            per_day=number(summary.messages_per_day),
        ),
        t(
            language,
            "stats.line_active",
            dau=number(summary.dau),
            mau=summary.mau,
            stickiness=percent(summary.stickiness),
        ),
        t(
            language,
            "stats.line_posters",
            share=percent(summary.posted_share),
            posters=summary.posters,
        ),
        t(language, "stats.line_checkins", checkins=summary.checkins),
        t(language, "stats.line_hours", hours=hours),
    ]
    return as_lines(lines)


def period_title(t: Translator, language: str, period: Period) -> Text:
    """'Last 7 days (11-20 – 11-26)' in the group's language."""
    return t(
        language,
        "stats.title",
        days=period.days,
        start=f"{period.start:%m-%d}",
        end=f"{period.end:%m-%d}",
    )


def chart_labels(t: Translator, language: str, period: Period, group: str) -> ActivityLabels:
    """The chart's words in the group's language (plain text: matplotlib draws no markup)."""

    def say(key: str, **values: object) -> str:
        return t.text(language, f"stats.{key}", **values)

    title = say(
        "chart_title",
        # matplotlib reads $...$ as mathematics: a title is plain text.
        group=group.replace("$", r"\$"),
        days=period.days,
        start=f"{period.start:%Y-%m-%d}",
        end=f"{period.end:%Y-%m-%d}",
    )
    return ActivityLabels(
        title=title,
        messages=say("chart_messages"),
        active=say("chart_active"),
        joins=say("chart_joins"),
        leaves=say("chart_leaves"),
        members=say("chart_members"),
        date=say("chart_date"),
        count=say("chart_count"),
    )


def hour_labels(t: Translator, language: str, zone: str) -> HourLabels:
    """The busiest-hours panel's words; the hours are the group's local ones (``zone``)."""
    return HourLabels(
        title=t.text(language, "stats.chart_hours_title", tz=zone),
        hour=t.text(language, "stats.chart_hour", tz=zone),
        count=t.text(language, "stats.chart_count"),
    )


async def activity_chart(
    report: ActivityReport, labels: ActivityLabels, hours: HourLabels | None = None
) -> bytes:
    """The activity chart as PNG, drawn off the event loop; with ``hours``, the busiest hours."""
    counts = report.hours if hours is not None else None
    return await asyncio.to_thread(_render_activity, report.days, labels, counts, hours)


# ---------------------------------------------------------------------- retention


async def retention_cohorts(uow: UnitOfWork, chat_id: int, today: date) -> list[Cohort]:
    """The weekly join cohorts of the last weeks, with their stay and post counts."""
    repo = StatsRepository(uow)
    since = week_start(today) - timedelta(weeks=RETENTION_WEEKS - 1)
    events = await repo.member_events(chat_id, since)
    last_posts = await repo.last_posts_of_joiners(chat_id, since)
    return cohorts(events, last_posts, today)


def cohort_cell(count: int | None, size: int) -> str:
    """'3 (60%)', or a dash before the cohort is old enough."""
    if count is None:
        return NONE
    if size == 0:
        return "0"
    return f"{count} ({count * 100 / size:.0f}%)"


def cohort_rows(rows: Sequence[Cohort]) -> list[list[str]]:
    """The table's cells, one row per cohort."""
    return [
        [f"{c.week:%Y-%m-%d}", str(c.size)]
        + [cohort_cell(n, c.size) for n in c.stayed]
        + [cohort_cell(n, c.size) for n in c.posted]
        for c in rows
    ]


def cohort_header(t: Translator, language: str) -> list[str]:
    """The table's column names."""
    stayed = [t.text(language, "stats.col_stayed", days=n) for n in RETENTION_MARKS]
    posted = [t.text(language, "stats.col_posted", days=n) for n in RETENTION_MARKS]
    return [
        t.plain(language, "stats.col_week"),
        t.plain(language, "stats.col_joined"),
        *stayed,
        *posted,
    ]


async def retention_table(t: Translator, language: str, rows: Sequence[Cohort]) -> bytes:
    """The cohort table as PNG, drawn off the event loop."""
    title = t.plain(language, "stats.retention_title")
    return await asyncio.to_thread(
        _render_table, title, cohort_header(t, language), cohort_rows(rows)
    )


def group_name(title: str, chat_id: int) -> str:
    """A group's title for chart titles (plain text wherever it is shown)."""
    return title or str(chat_id)


def caption(text: Text) -> Text | None:
    """The text as a photo caption, or None if it is too long for one."""
    return text if len(text) <= MAX_CAPTION else None


# matplotlib is loaded on the first chart, in the worker thread: a bot whose groups never ask
# for statistics keeps neither its import time nor its memory.
def _render_activity(
    days: Sequence[DayFigures],
    labels: ActivityLabels,
    hours: Sequence[int] | None = None,
    hour_words: HourLabels | None = None,
) -> bytes:
    from handlers.stats.charts import render_activity

    if hours is None:
        return render_activity(days, labels)
    return render_activity(days, labels, hours, hour_words)


def _render_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    from handlers.stats.charts import render_table

    return render_table(title, header, rows)


async def joins_by_source(
    uow: UnitOfWork, chat_id: int, period: Period, zone: ZoneInfo
) -> dict[str, int]:
    """First joins of the period by source (link, added, unknown); empty if there were none."""
    start = datetime.combine(period.start, time(), tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=zone)
    counts = await InviteRepository(uow).sources(chat_id, start, end)
    if not counts:
        return {}
    return {source: counts.get(source, 0) for source in ("link", "added", "unknown")}
