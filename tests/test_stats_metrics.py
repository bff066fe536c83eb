"""The pure formulas of group statistics, on plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from handlers.stats.metrics import (
    PERIODS,
    TOP_PERIODS,
    Period,
    StatsInputError,
    activity_dropped,
    busiest_hours,
    cohorts,
    digest_period,
    fill_days,
    next_digest,
    parse_clock,
    parse_percent,
    parse_period,
    period_ending,
    still_in,
    summarize,
    week_start,
)
from handlers.stats.report import cohort_cell, number, percent
from storage.stats import DayFigures, MemberEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("args", "days"),
    [((), 7), (("7d",), 7), (("30D",), 30), (("90",), 90), (("90天",), 90), (("30日",), 30)],
)
def test_parse_period(args: tuple[str, ...], days: int) -> None:
    assert parse_period(args, PERIODS, 7) == days


@pytest.mark.parametrize("arg", ["8d", "90d", "week", "", "-7d", "7dd", "1000d"])
def test_parse_period_refuses(arg: str) -> None:
    with pytest.raises(StatsInputError) as caught:
        parse_period((arg,), TOP_PERIODS, 7)
    assert caught.value.key == "bad_period"
    assert caught.value.values == {"allowed": "7d | 30d"}


@pytest.mark.parametrize(
    ("text", "expected"), [("09:00", time(9)), ("9:05", time(9, 5)), ("23:59", time(23, 59))]
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "12", "12:5", "-1:00"])
def test_parse_clock_refuses(text: str) -> None:
    with pytest.raises(StatsInputError, match="bad_time"):
        parse_clock(text)


@pytest.mark.parametrize(("text", "value"), [("50%", 50), ("1", 1), ("100 %", 100)])
def test_parse_percent(text: str, value: int) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize("text", ["0%", "101%", "half", "-5%", "50.5%", ""])
def test_parse_percent_refuses(text: str) -> None:
    with pytest.raises(StatsInputError, match="bad_percent"):
        parse_percent(text)


def test_period_and_fill() -> None:
    period = period_ending(date(2026, 3, 2), 3)
    assert period == Period(date(2026, 2, 28), date(2026, 3, 2))
    assert period.days == 3
    stored = {date(2026, 3, 1): DayFigures(date(2026, 3, 1), messages=5)}
    assert fill_days(period, stored) == [
        DayFigures(date(2026, 2, 28)),
        DayFigures(date(2026, 3, 1), messages=5),
        DayFigures(date(2026, 3, 2)),
    ]


def test_summarize_by_hand() -> None:
    period = period_ending(date(2026, 1, 4), 4)
    days = [
        DayFigures(date(2026, 1, 1), joins=3, leaves=1, messages=40, active=8, checkins=2),
        DayFigures(date(2026, 1, 2), joins=0, leaves=2, messages=0, active=0),
        DayFigures(date(2026, 1, 3), joins=5, leaves=0, messages=20, active=4, checkins=1),
        DayFigures(date(2026, 1, 4), joins=2, leaves=1, messages=12, active=6),
    ]
    hours = [0] * 24
    hours[8], hours[21], hours[13], hours[3] = 10, 30, 10, 2
    s = summarize(period, days, hours, posters=12, mau=24, members_now=106)
    assert (s.joins, s.leaves, s.net) == (10, 4, 6)
    assert (s.members_start, s.members_end) == (100, 106)
    assert s.growth_percent == pytest.approx(6.0)
    assert (s.messages, s.messages_per_day, s.checkins) == (72, 18.0, 3)
    assert s.dau == pytest.approx(4.5)  # (8 + 0 + 4 + 6) / 4
    assert s.stickiness == pytest.approx(4.5 / 24)
    assert s.posted_share == pytest.approx(12 / 106)
    assert s.busiest_hours == (21, 8, 13)  # ties: the earlier hour first


def test_summarize_without_platform_count_uses_the_last_noted_one() -> None:
    period = period_ending(date(2026, 1, 2), 2)
    days = [
        DayFigures(date(2026, 1, 1), joins=1, member_count=50),
        DayFigures(date(2026, 1, 2), leaves=3),
    ]
    s = summarize(period, days, [0] * 24, posters=0, mau=0, members_now=None)
    assert (s.members_start, s.members_end) == (52, 50)
    assert s.growth_percent == pytest.approx(-2 / 52 * 100)
    assert s.stickiness is None and s.busiest_hours == ()


def test_summarize_knowing_nothing() -> None:
    period = period_ending(date(2026, 1, 1), 1)
    s = summarize(
        period, [DayFigures(date(2026, 1, 1))], [0] * 24, posters=0, mau=0, members_now=None
    )
    assert (s.members_start, s.members_end, s.growth_percent, s.posted_share) == (None,) * 4
    assert (number(s.members_start), percent(s.growth_percent, signed=True)) == ("—", "—")


def test_busiest_hours_ignores_silent_hours() -> None:
    hours = [0] * 24
    hours[5] = 1
    assert busiest_hours(hours) == (5,)


@pytest.mark.parametrize(
    ("events", "mark", "expected"),
    [
        ([], 7, True),
        ([(3, False, True)], 1, True),  # left on day 3: still in after 1 day
        ([(3, False, True)], 3, False),  # ... but not after 3
        ([(0, False, True)], 1, False),  # left on the join day
        ([(2, False, True), (4, True, False)], 7, True),  # left and came back
        ([(2, False, True), (9, True, False)], 7, False),  # came back too late
        ([(-5, False, True)], 7, True),  # a leave before this join does not count
    ],
)
def test_still_in(events: list[tuple[int, bool, bool]], mark: int, expected: bool) -> None:
    joined = date(2026, 5, 10)
    history = [
        MemberEvent(1, date.fromordinal(joined.toordinal() + d), j, left) for d, j, left in events
    ]
    assert still_in(history, joined, mark) is expected


def test_cohorts_by_hand() -> None:
    """Two weeks: one old enough for every mark, one only for the first."""
    today = date(2026, 3, 18)  # a Wednesday
    events = [
        MemberEvent(1, date(2026, 3, 9), True, False),  # Monday of the previous week
        MemberEvent(2, date(2026, 3, 10), True, False),
        MemberEvent(2, date(2026, 3, 12), False, True),
        MemberEvent(3, date(2026, 3, 16), True, False),  # this week
        MemberEvent(1, date(2026, 3, 16), True, False),  # a second join: first one counts
    ]
    last_posts = {1: date(2026, 3, 17), 2: date(2026, 3, 11), 3: date(2026, 3, 16)}
    rows = cohorts(events, last_posts, today, weeks=2, marks=(1, 2))
    assert [(c.week, c.size, c.stayed, c.posted) for c in rows] == [
        # user 1 stayed and posted 8 days on; user 2 left on day 2 and posted only on day 1.
        (date(2026, 3, 9), 2, (2, 1), (2, 1)),
        (date(2026, 3, 16), 1, (None, None), (None, None)),
    ]


def test_week_start() -> None:
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("day", "previous", "share", "dropped"),
    [
        (4, [10] * 28, 50, True),
        (5, [10] * 28, 50, False),  # exactly half is not below half
        (0, [0] * 28, 50, False),  # a group that was always silent raises nothing
        (0, [0] * 27 + [1], 100, True),
        (99, [100] * 28, 100, True),
    ],
)
def test_activity_dropped(day: int, previous: list[int], share: int, dropped: bool) -> None:
    assert activity_dropped(day, previous, share) is dropped


@pytest.mark.parametrize(
    ("period", "after", "expected"),
    [
        # 08:59 Shanghai: today at 09:00; 09:00 exactly: tomorrow.
        ("daily", datetime(2026, 11, 26, 0, 59, tzinfo=UTC), datetime(2026, 11, 26, 1, 0)),
        ("daily", datetime(2026, 11, 26, 1, 0, tzinfo=UTC), datetime(2026, 11, 27, 1, 0)),
        # Thursday 11-26: the next Monday is 11-30.
        ("weekly", datetime(2026, 11, 26, 1, 0, tzinfo=UTC), datetime(2026, 11, 30, 1, 0)),
        # Monday 11-30 before nine: the same day.
        ("weekly", datetime(2026, 11, 30, 0, 0, tzinfo=UTC), datetime(2026, 11, 30, 1, 0)),
    ],
)
def test_next_digest(period: str, after: datetime, expected: datetime) -> None:
    due = next_digest(period, time(9), SHANGHAI, after)
    assert due.astimezone(UTC) == expected.replace(tzinfo=UTC)


def test_next_digest_keeps_local_time_across_dst() -> None:
    """New York leaves summer time on 2026-11-01: 09:00 local moves from 13:00 to 14:00 UTC."""
    before = next_digest("daily", time(9), NEW_YORK, datetime(2026, 10, 31, 12, tzinfo=UTC))
    after = next_digest("daily", time(9), NEW_YORK, before)
    assert before.astimezone(UTC).hour == 13 and after.astimezone(UTC).hour == 14
    assert after.astimezone(NEW_YORK).hour == 9


def test_digest_period() -> None:
    due = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    assert digest_period("daily", due, SHANGHAI) == Period(date(2026, 11, 29), date(2026, 11, 29))
    assert digest_period("weekly", due, SHANGHAI) == Period(date(2026, 11, 23), date(2026, 11, 29))


@pytest.mark.parametrize(
    ("count", "size", "text"), [(None, 5, "—"), (3, 5, "3 (60%)"), (0, 0, "0"), (1, 3, "1 (33%)")]
)
def test_cohort_cell(count: int | None, size: int, text: str) -> None:
    assert cohort_cell(count, size) == text
