"""The formulas behind the reports: growth, DAU, DAU/MAU, cohorts, alerts, digest times.

Pure functions on plain data, no I/O. Definitions (also in the user notes):

- active member (DAU): a member who posted at least one message that local day;
  DAU of a period is the mean of its days;
- MAU: members who posted at least once in the 30 days ending on the period's last day;
  stickiness is DAU / MAU;
- members at the end: what the platform reports now; at the start: the end less the joins
  and plus the leaves of the period; growth % is (end - start) / start;
- share who posted: members who posted in the period / members at the end;
- cohort: members whose first join in the window falls in one week (Monday first); of them,
  "stayed N" were still in the group N days after joining and "posted N" posted on or after
  day N (the join day is day 0). A cohort's N-day figure exists once all of it is N days old.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from core.clock import parse_clock as read_clock
from core.durations import parse_day_count
from storage.stats import DayFigures, MemberEvent

PERIODS = (7, 30, 90)
TOP_PERIODS = (7, 30)
MAU_DAYS = 30
RETENTION_MARKS = (1, 7, 30)
RETENTION_WEEKS = 8
ALERT_WINDOW_DAYS = 28
BUSIEST = 3

_PERCENT = re.compile(r"(\d{1,3})\s*%?")


class StatsInputError(ValueError):
    """Bad command input; ``key`` names the catalog sentence that explains it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Period:
    """Local days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        """Every day of the period, oldest first."""
        return [self.start + timedelta(days=i) for i in range(self.days)]


def period_ending(end: date, days: int) -> Period:
    """The ``days`` days ending on ``end``."""
    return Period(end - timedelta(days=days - 1), end)


def parse_period(args: Sequence[str], allowed: Sequence[int], default: int) -> int:
    """``7d`` / ``30`` / ``90天`` -> days; the default without an argument."""
    if not args:
        return default
    days = parse_day_count(args[0])
    if days not in allowed:
        raise StatsInputError("bad_period", allowed=" | ".join(f"{n}d" for n in allowed))
    return days


def parse_clock(text: str) -> time:
    """``HH:MM`` (24-hour) -> a time."""
    at = read_clock(text)
    if at is None:
        raise StatsInputError("bad_time", text=text[:20])
    return at


def parse_percent(text: str) -> int:
    """``50%`` or ``50`` -> 50 (from 1 to 100)."""
    match = _PERCENT.fullmatch(text.strip())
    value = int(match.group(1)) if match else 0
    if not 1 <= value <= 100:
        raise StatsInputError("bad_percent", text=text[:20])
    return value


def fill_days(period: Period, stored: Mapping[date, DayFigures]) -> list[DayFigures]:
    """Every day of the period, with zeros where nothing was stored."""
    return [stored.get(day) or DayFigures(day) for day in period.dates()]


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures of one period, as the report shows them."""

    period: Period
    members_start: int | None
    members_end: int | None
    joins: int
    leaves: int
    growth_percent: float | None
    messages: int
    messages_per_day: float
    checkins: int
    dau: float
    mau: int
    stickiness: float | None
    posters: int
    posted_share: float | None
    busiest_hours: tuple[int, ...]

    @property
    def net(self) -> int:
        """Joins less leaves."""
        return self.joins - self.leaves


def summarize(
    period: Period,
    days: Sequence[DayFigures],
    hours: Sequence[int],
    *,
    posters: int,
    mau: int,
    members_now: int | None,
) -> Summary:
    """The report's figures for a period from its days (zero-filled) and a few counts."""
    joins = sum(d.joins for d in days)
    leaves = sum(d.leaves for d in days)
    messages = sum(d.messages for d in days)
    count = len(days) or 1
    end = members_now if members_now is not None else last_member_count(days)
    start = end - (joins - leaves) if end is not None else None
    growth = (end - start) / start * 100 if start and end is not None and start > 0 else None
    dau = sum(d.active for d in days) / count
    return Summary(
        period=period,
        members_start=start,
        members_end=end,
        joins=joins,
        leaves=leaves,
        growth_percent=growth,
        messages=messages,
        messages_per_day=messages / count,
        checkins=sum(d.checkins for d in days),
        dau=dau,
        mau=mau,
        stickiness=dau / mau if mau else None,
        posters=posters,
        posted_share=posters / end if end else None,
        busiest_hours=busiest_hours(hours),
    )


def last_member_count(days: Sequence[DayFigures]) -> int | None:
    """The most recent member count noted in the days, if any."""
    for day in reversed(days):
        if day.member_count is not None:
            return day.member_count
    return None


def busiest_hours(hours: Sequence[int], top: int = BUSIEST) -> tuple[int, ...]:
    """The hours with most messages, busiest first (ties: earlier hour first)."""
    ranked = sorted((h for h in range(len(hours)) if hours[h] > 0), key=lambda h: (-hours[h], h))
    return tuple(ranked[:top])


# ---------------------------------------------------------------------- retention


@dataclass(frozen=True, slots=True)
class Cohort:
    """Members who first joined in one week, and how many stayed and posted."""

    week: date
    size: int
    stayed: tuple[int | None, ...]
    posted: tuple[int | None, ...]


def week_start(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def cohorts(
    events: Iterable[MemberEvent],
    last_posts: Mapping[int, date],
    today: date,
    *,
    weeks: int = RETENTION_WEEKS,
    marks: Sequence[int] = RETENTION_MARKS,
) -> list[Cohort]:
    """Weekly join cohorts of the last ``weeks`` weeks (this week included), oldest first."""
    first_week = week_start(today) - timedelta(weeks=weeks - 1)
    history: dict[int, list[MemberEvent]] = {}
    for event in sorted(events, key=lambda e: e.day):
        history.setdefault(event.user_id, []).append(event)
    joined_on: dict[int, date] = {}
    for user_id, items in history.items():
        first = next((e.day for e in items if e.joined and e.day >= first_week), None)
        if first is not None:
            joined_on[user_id] = first
    result = []
    for index in range(weeks):
        week = first_week + timedelta(weeks=index)
        members = [u for u, d in joined_on.items() if week_start(d) == week]
        stayed: list[int | None] = []
        posted: list[int | None] = []
        for mark in marks:
            if week + timedelta(days=6 + mark) > today:
                stayed.append(None)
                posted.append(None)
                continue
            stayed.append(sum(still_in(history[u], joined_on[u], mark) for u in members))
            posted.append(
                sum(
                    1
                    for u in members
                    if u in last_posts and last_posts[u] >= joined_on[u] + timedelta(days=mark)
                )
            )
        result.append(Cohort(week, len(members), tuple(stayed), tuple(posted)))
    return result


def still_in(events: Sequence[MemberEvent], joined: date, mark: int) -> bool:
    """Whether a member who joined on ``joined`` was in the group ``mark`` days later.

    A leave on a day from the join to the mark removes them, unless they joined again on a
    later day before the mark (a leave and a rejoin on one day read as having left).
    """
    horizon = joined + timedelta(days=mark)
    inside = True
    for event in events:
        if event.day < joined or event.day > horizon:
            continue
        if event.left:
            inside = False
        elif event.joined and event.day > joined:
            inside = True
    return inside


# ---------------------------------------------------------------------- alerts


def daily_average(messages: Sequence[int]) -> float:
    """The mean of some days' message counts (0 without days)."""
    return sum(messages) / len(messages) if messages else 0.0


def activity_dropped(day_messages: int, previous: Sequence[int], percent: int) -> bool:
    """Whether a day's messages fell below ``percent`` % of the previous days' average."""
    average = daily_average(previous)
    return average > 0 and day_messages < average * percent / 100


# ---------------------------------------------------------------------- digests


def next_digest(period: str, at: time, zone: tzinfo, after: datetime) -> datetime:
    """The first digest time strictly after ``after``: daily, or weekly on Mondays."""
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(9):
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate > local and (period == "daily" or day.weekday() == 0):
            return candidate
        day += timedelta(days=1)
    raise AssertionError("a digest time exists within nine days")


def digest_period(period: str, due: datetime, zone: tzinfo) -> Period:
    """What a digest due at ``due`` reports: the day before, or the seven days before."""
    end = due.astimezone(zone).date() - timedelta(days=1)
    return period_ending(end, 1 if period == "daily" else 7)
