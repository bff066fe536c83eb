"""A group's history, played through the real activity tracker on a controlled clock, and
every figure of the reports checked against hand-computed values (SQLite and PostgreSQL).

The group keeps Shanghai time (UTC+8). "Today" is Thursday 2026-11-26; /stats 7d covers
11-20 .. 11-26. Members u1..u10; what each did (local time) is in ``HISTORY``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.platforms.recording import RecordingPort
from core.context import Context
from core.events import Chat, Event, MemberJoined, MemberLeft, Message, User
from handlers.activity import ActivityTracker
from handlers.stats.metrics import period_ending
from handlers.stats.report import activity_report, retention_cohorts, summary_text
from handlers.stats.timed import StatsTimer
from storage.models import CheckinRow
from storage.repositories import ChatRepository
from storage.stats import DayFigures, MemberDayCount, StatsRepository
from storage.unit import Store
from tests.schedule_support import Clock, make_runtime, notices, posting_port

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP = Chat(-100777, "History Group")
TODAY = date(2026, 11, 26)
USERS = {n: User(n, f"u{n}") for n in range(1, 11)}

# (local time, member, what): "post" one message, "join", "leave".
HISTORY: list[tuple[str, int, str]] = [
    ("2026-10-06 09:00", 9, "join"),
    ("2026-10-07 09:00", 10, "join"),
    ("2026-10-10 09:00", 10, "leave"),
    ("2026-10-20 12:00", 9, "post"),
    ("2026-11-01 12:00", 7, "post"),
    ("2026-11-10 12:00", 9, "leave"),
    ("2026-11-20 10:00", 1, "post"),
    ("2026-11-20 10:00", 1, "post"),
    ("2026-11-20 10:00", 1, "post"),
    ("2026-11-20 10:30", 2, "post"),
    ("2026-11-21 09:00", 3, "join"),
    ("2026-11-21 09:05", 3, "post"),
    ("2026-11-21 09:05", 3, "post"),
    ("2026-11-21 21:00", 1, "post"),
    ("2026-11-22 12:00", 4, "join"),
    ("2026-11-22 12:10", 5, "join"),
    ("2026-11-23 08:00", 2, "leave"),
    ("2026-11-23 08:30", 5, "leave"),
    *[("2026-11-23 20:00", 4, "post")] * 4,
    *[("2026-11-23 20:15", 1, "post")] * 2,
    ("2026-11-24 23:59", 4, "post"),
    ("2026-11-26 00:01", 1, "post"),
    ("2026-11-26 10:00", 3, "post"),
    # Telegram reports a join twice: counted once.
    ("2026-11-26 10:00", 6, "join"),
    ("2026-11-26 10:00", 6, "join"),
    ("2026-11-26 10:05", 6, "leave"),
]

# Check-ins (member, day, made up): make-ups are not activity of their day.
CHECKINS = [
    (1, date(2026, 11, 20), False),
    (1, date(2026, 11, 21), False),
    (1, date(2026, 11, 25), True),
    (1, date(2026, 11, 26), False),
    (3, date(2026, 11, 26), False),
]


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def event_for(when: datetime, user: User, what: str, message_id: int) -> Event:
    if what == "post":
        return Message(GROUP, user, message_id, "hello", when)
    if what == "join":
        return MemberJoined(GROUP, user, when)
    return MemberLeft(GROUP, user, when)


async def play_history(store: Store, clock: Clock) -> RecordingPort:
    """Every event through the tracker at its time, flushing whenever the local day changes."""
    port = posting_port()
    runtime = make_runtime(store, port, clock)
    tracker = ActivityTracker()
    await tracker.start(runtime)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(GROUP.id)
        session = await uow.session()
        for user_id, day, made_up in CHECKINS:
            session.add(CheckinRow(chat_id=GROUP.id, user_id=user_id, day=day, made_up=made_up))
    last_day = None
    for number, (when_text, user_id, what) in enumerate(HISTORY, start=1):
        when = local(when_text)
        if last_day is not None and when.date() != last_day:
            await tracker.flush()
        last_day = when.date()
        clock.now = when
        event = event_for(when, USERS[user_id], what, number)
        async with store.unit() as uow:
            await tracker.on_event(event, Context(event, runtime, uow))
        if number % 5 == 0:
            await tracker.flush()  # several flushes within one day add up
    await tracker.flush()
    return port


@pytest.fixture
def clock() -> Clock:
    return Clock(local("2026-11-26 12:00"))


async def test_daily_rollups(store: Store, clock: Clock) -> None:
    await play_history(store, clock)
    async with store.unit() as uow:
        days = await StatsRepository(uow).days(GROUP.id, date(2026, 11, 20), TODAY)
    got = {d: (f.joins, f.leaves, f.messages, f.active, f.checkins) for d, f in days.items()}
    assert got == {
        date(2026, 11, 20): (0, 0, 4, 2, 1),
        date(2026, 11, 21): (1, 0, 3, 2, 1),
        date(2026, 11, 22): (2, 0, 0, 0, 0),
        date(2026, 11, 23): (0, 2, 6, 2, 0),
        date(2026, 11, 24): (0, 0, 1, 1, 0),
        # 11-25: nothing happened (the make-up check-in is not counted), so no row.
        date(2026, 11, 26): (1, 1, 2, 2, 2),
    }


async def test_seven_day_report(store: Store, clock: Clock) -> None:
    await play_history(store, clock)
    period = period_ending(TODAY, 7)
    async with store.unit() as uow:
        report = await activity_report(uow, GROUP.id, period, members_now=10)
    s = report.summary
    assert (s.joins, s.leaves, s.net) == (4, 3, 1)
    assert (s.members_start, s.members_end) == (9, 10)
    assert s.growth_percent == pytest.approx(100 / 9)  # +1 on 9
    assert s.messages == 16
    assert s.messages_per_day == pytest.approx(16 / 7)
    assert s.dau == pytest.approx(9 / 7)  # 2+2+0+2+1+0+2 active member-days
    assert s.mau == 5  # u1..u4 in the period and u7 on 11-01; u9's 10-20 is too old
    assert s.stickiness == pytest.approx(9 / 7 / 5)
    assert s.posters == 4
    assert s.posted_share == pytest.approx(0.4)
    assert s.checkins == 4
    assert s.busiest_hours == (20, 10, 9)  # 6, 5 and 2 messages
    assert [d.day for d in report.days] == period.dates()
    runtime = make_runtime(store, posting_port(), clock)
    text = summary_text(runtime.translator, "en", "T", s)
    assert "Members: 9 → 10 (joined 4, left 3, net +1, growth +11.1%)" in text
    assert "Messages: 16, 2.3 per day" in text
    assert "(DAU): 1.3; monthly active (MAU): 5; stickiness DAU/MAU: 25.7%" in text
    assert "Members who posted: 40.0% (4 members)" in text
    assert "Check-ins: 4" in text
    assert "Busiest hours: 20:00, 10:00, 09:00" in text


async def test_thirty_day_report(store: Store, clock: Clock) -> None:
    await play_history(store, clock)
    async with store.unit() as uow:
        report = await activity_report(uow, GROUP.id, period_ending(TODAY, 30), members_now=10)
    s = report.summary
    assert (s.joins, s.leaves, s.members_start, s.growth_percent) == (4, 4, 10, 0.0)
    assert (s.messages, s.posters, s.mau) == (17, 5, 5)
    assert s.dau == pytest.approx(10 / 30)


async def test_retention_cohorts(store: Store, clock: Clock) -> None:
    await play_history(store, clock)
    async with store.unit() as uow:
        rows = await retention_cohorts(uow, GROUP.id, TODAY)
    by_week = {c.week: c for c in rows}
    assert [c.week for c in rows] == [date(2026, 10, 5) + timedelta(weeks=i) for i in range(8)]
    oldest = by_week[date(2026, 10, 5)]  # u9, u10
    assert (oldest.size, oldest.stayed, oldest.posted) == (2, (2, 1, 1), (1, 1, 0))
    recent = by_week[date(2026, 11, 16)]  # u3, u4, u5; 7 and 30 days not reached
    assert (recent.size, recent.stayed, recent.posted) == (3, (2, None, None), (2, None, None))
    current = by_week[date(2026, 11, 23)]  # u6 joined (twice reported) and left today
    assert (current.size, current.stayed, current.posted) == (1, (None,) * 3, (None,) * 3)
    empty = by_week[date(2026, 10, 12)]
    assert (empty.size, empty.stayed, empty.posted) == (0, (0, 0, 0), (0, 0, 0))


async def test_top_members(store: Store, clock: Clock) -> None:
    await play_history(store, clock)
    async with store.unit() as uow:
        repo = StatsRepository(uow)
        top = await repo.top_posters(GROUP.id, date(2026, 11, 20), TODAY, 3)
        checkins = await repo.checkins_of(GROUP.id, [1, 3, 4], date(2026, 11, 20), TODAY)
        names = await repo.names(GROUP.id, [1, 4])
    assert top == [(1, 7), (4, 5), (3, 3)]
    assert checkins == {1: 3, 3: 1}
    assert names == {1: "u1", 4: "u4"}


async def test_day_close_notes_member_count_and_alert(store: Store) -> None:
    """After the day closes, its member count is noted and a drop below 50% is reported once."""
    clock = Clock(local("2026-11-26 12:00"))
    port = posting_port(member_count=57)
    runtime = make_runtime(store, port, clock)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(GROUP.id)
        repo = StatsRepository(uow)
        # 28 days of 10 messages, then 4 on 11-26.
        for offset in range(29):
            day = TODAY - timedelta(days=offset)
            messages = 4 if offset == 0 else 10
            await repo.record(
                [_member_day(day, user, 1) for user in range(messages)], [(GROUP.id, day, 12, 1)]
            )
        settings = await repo.ensure_settings(GROUP.id)
        settings.alert_percent = 50
        settings.alert_checked_day = TODAY - timedelta(days=1)
    timer = StatsTimer(runtime)
    timer.leading = True
    await timer.periodic()  # the day is not over yet: nothing
    assert notices(port) == []
    clock.now = local("2026-11-27 00:05")
    await timer.periodic()
    await timer.periodic()  # checked once only
    assert [chat for chat, _ in notices(port)] == [77]
    assert "在 2026-11-26 只有 4 条消息，低于近 4 周日均（10.0 条）的 50%" in notices(port)[0][1]
    async with store.unit() as uow:
        day = (await StatsRepository(uow).days(GROUP.id, TODAY, TODAY))[TODAY]
    assert day == DayFigures(TODAY, 0, 0, 4, 4, 0, 57)


def _member_day(day: date, user_id: int, messages: int) -> MemberDayCount:
    return MemberDayCount(GROUP.id, day, user_id, messages, False, False)
