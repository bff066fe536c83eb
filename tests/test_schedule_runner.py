"""The schedule runner on a controlled clock: posting, quiet hours, limits, downtime, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.platforms.recording import RecordingPort
from bot.platforms.telegram.render import to_html
from core.chat import ChatActionError, MissingRight
from handlers.schedule.runner import ScheduleRunner, job_id
from handlers.schedule.when import parse_when
from storage.models import ScheduleRow
from storage.repositories import ChatRepository
from storage.schedules import ScheduleRepository
from storage.unit import Store
from tests.schedule_support import (
    ADMIN,
    GROUP,
    Clock,
    copies,
    deleted,
    fail_with,
    make_runtime,
    notices,
    pins,
    posting_port,
    posts,
    utc,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-12-01 09:30 in Shanghai.
T0 = utc(2026, 12, 1, 1, 30)


@pytest_asyncio.fixture
async def runner(sqlite_store: Store) -> AsyncIterator[ScheduleRunner]:
    """A leading runner on SQLite, its clock at T0, its scheduler running."""
    runtime = make_runtime(sqlite_store, posting_port(), Clock(T0))
    runtime.scheduler.start()
    runner = ScheduleRunner(runtime)
    runner.leading = True
    yield runner
    await runtime.scheduler.stop()


def port_of(runner: ScheduleRunner) -> RecordingPort:
    """The recording port behind a runner."""
    port: Any = runner.runtime.port
    return port


def clock_of(runner: ScheduleRunner) -> Clock:
    """The hand-moved clock behind a runner."""
    clock: Any = runner.runtime.clock
    return clock


async def add(
    store: Store,
    when: str,
    *,
    now: datetime = T0,
    tz: ZoneInfo = SHANGHAI,
    chat_id: int = GROUP,
    next_run_at: datetime | None = None,
    **values: Any,
) -> int:
    """Store a schedule as /schedule would; return its id."""
    plan, _ = parse_when(when, now, tz)
    from handlers.schedule.when import next_run

    first = next_run_at or next_run(plan, now, tz, now)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(chat_id, "G")
        row = await ScheduleRepository(uow).add(
            chat_id=chat_id,
            created_by=ADMIN,
            spec=plan.spec,
            text=values.pop("text", "hello"),
            anchor_at=now,
            next_run_at=first,
            **values,
        )
        return row.id


async def load(store: Store, schedule_id: int) -> ScheduleRow:
    """A schedule as stored now."""
    async with store.unit() as uow:
        row = await ScheduleRepository(uow).get(schedule_id)
        assert row is not None
        return row


async def statuses(store: Store, schedule_id: int) -> list[tuple[datetime, str]]:
    """The run history: (occurrence, status)."""
    async with store.unit() as uow:
        return [
            (r.occurrence_at, r.status) for r in await ScheduleRepository(uow).runs(schedule_id)
        ]


async def test_daily_posts_on_time_and_moves_to_the_next_day(runner: ScheduleRunner) -> None:
    """A due occurrence is posted once, recorded with its message id, and the plan moves on."""
    store = runner.runtime.store
    sid = await add(store, "daily 09:30", now=T0 - timedelta(hours=1))
    row = await load(store, sid)
    assert row.next_run_at == T0
    await runner.fire(sid, T0)
    assert posts(port_of(runner)) == [(GROUP, "hello")]
    row = await load(store, sid)
    assert row.next_run_at == T0 + timedelta(days=1)
    assert row.posts == 1 and row.last_message_id == 1000
    assert await statuses(store, sid) == [(T0, "posted")]
    assert runner.runtime.scheduler.due(job_id(sid)) == T0 + timedelta(days=1)
    await runner.fire(sid, T0)
    assert len(posts(port_of(runner))) == 1, "a stale timer posts nothing"


async def test_text_is_posted_literally(runner: ScheduleRunner) -> None:
    """Markup in a scheduled text is escaped, not interpreted."""
    sid = await add(runner.runtime.store, "in 1m", text="<b>5 > 3</b> & more")
    await runner.fire(sid, T0 + timedelta(minutes=1))
    assert posts(port_of(runner)) == []  # the clock is not there yet: it waits
    clock_of(runner).now = T0 + timedelta(minutes=1)
    await runner.fire(sid, T0 + timedelta(minutes=1))
    shown = [(chat, to_html(text)) for chat, text in posts(port_of(runner))]
    assert shown == [(GROUP, "&lt;b&gt;5 &gt; 3&lt;/b&gt; &amp; more")]
    assert (await load(runner.runtime.store, sid)).state == "done"


async def test_quiet_hours_hold_a_post_until_they_end(runner: ScheduleRunner) -> None:
    """Due at 23:30 with quiet hours 23:00-07:00: posted at 07:00, keyed by 23:30."""
    store = runner.runtime.store
    async with store.unit() as uow:
        (await ChatRepository(uow).ensure(GROUP, "G")).quiet_hours = "23:00-07:00"
    due = utc(2026, 12, 1, 15, 30)  # 23:30 in Shanghai
    end = utc(2026, 12, 1, 23, 0)  # 07:00 the next morning
    sid = await add(store, "daily 23:30", now=T0)
    assert (await load(store, sid)).next_run_at == due
    clock_of(runner).now = due
    await runner.fire(sid, due)
    assert posts(port_of(runner)) == []
    assert runner.runtime.scheduler.due(job_id(sid)) == end
    clock_of(runner).now = end
    await runner.fire(sid, due)
    assert posts(port_of(runner)) == [(GROUP, "hello")]
    assert await statuses(store, sid) == [(due, "posted")]
    assert (await load(store, sid)).next_run_at == due + timedelta(days=1)


async def test_far_from_utc_zone(runner: ScheduleRunner) -> None:
    """UTC+14: a daily 09:00 post fires at 19:00 UTC the day before."""
    store = runner.runtime.store
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    async with store.unit() as uow:
        (await ChatRepository(uow).ensure(GROUP, "G")).timezone = "Pacific/Kiritimati"
    sid = await add(store, "daily 09:00", tz=kiritimati)
    first = utc(2026, 12, 1, 19, 0)
    assert (await load(store, sid)).next_run_at == first
    clock_of(runner).now = first
    await runner.fire(sid, first)
    assert len(posts(port_of(runner))) == 1
    assert (await load(store, sid)).next_run_at == first + timedelta(days=1)


async def test_count_stops_after_n_posts(runner: ScheduleRunner) -> None:
    """--count 2 posts twice, then the schedule is done."""
    store = runner.runtime.store
    sid = await add(store, "every 1h", max_posts=2)
    for hour in (1, 2):
        at = T0 + timedelta(hours=hour)
        clock_of(runner).now = at
        await runner.fire(sid, at)
    row = await load(store, sid)
    assert len(posts(port_of(runner))) == 2
    assert row.state == "done" and row.next_run_at is None and row.posts == 2
    assert runner.runtime.scheduler.due(job_id(sid)) is None


async def test_until_ends_after_the_last_local_day(runner: ScheduleRunner) -> None:
    """--until 2026-12-02: posts on the 1st and 2nd (local), then done."""
    store = runner.runtime.store
    sid = await add(store, "daily 09:30", now=T0 - timedelta(hours=1), until=date(2026, 12, 2))
    for day in (0, 1):
        at = T0 + timedelta(days=day)
        clock_of(runner).now = at
        await runner.fire(sid, at)
    row = await load(store, sid)
    assert len(posts(port_of(runner))) == 2
    assert row.state == "done" and row.next_run_at is None


async def test_an_occurrence_late_beyond_grace_is_missed(runner: ScheduleRunner) -> None:
    """Down for an hour: the occurrence is recorded as missed and the plan moves on."""
    store = runner.runtime.store
    sid = await add(store, "daily 09:30", now=T0 - timedelta(hours=1))
    clock_of(runner).now = T0 + timedelta(hours=1)
    await runner.fire(sid, T0)
    assert posts(port_of(runner)) == []
    assert await statuses(store, sid) == [(T0, "missed")]
    assert (await load(store, sid)).next_run_at == T0 + timedelta(days=1)


async def test_long_outage_posts_only_the_latest_occurrence(runner: ScheduleRunner) -> None:
    """every 1h, down for 5 hours, back 2 minutes after the last one: one post, four missed."""
    store = runner.runtime.store
    sid = await add(store, "every 1h")
    first = T0 + timedelta(hours=1)
    clock_of(runner).now = T0 + timedelta(hours=5, minutes=2)
    await runner.fire(sid, first)
    assert len(posts(port_of(runner))) == 1
    history = await statuses(store, sid)
    assert [s for _, s in history] == ["missed"] * 4 + ["posted"]
    assert history[-1][0] == T0 + timedelta(hours=5)


async def test_replace_deletes_the_previous_post_and_pin_pins(runner: ScheduleRunner) -> None:
    """--replace --pin: each post is pinned and the one before it deleted."""
    store = runner.runtime.store
    sid = await add(store, "every 1h", replace=True, pin=True)
    for hour in (1, 2):
        at = T0 + timedelta(hours=hour)
        clock_of(runner).now = at
        await runner.fire(sid, at)
    port = port_of(runner)
    assert pins(port) == [1000, 1001]
    assert deleted(port) == [1000]


async def test_copy_of_a_message(runner: ScheduleRunner) -> None:
    """A schedule made by replying posts a copy of that message."""
    sid = await add(runner.runtime.store, "in 1m", text=None, source_message_id=55)
    clock_of(runner).now = T0 + timedelta(minutes=1)
    await runner.fire(sid, T0 + timedelta(minutes=1))
    assert copies(port_of(runner)) == [(GROUP, GROUP, 55)]


@pytest.mark.parametrize(
    ("error", "reason", "told"),
    [
        (ChatActionError("chat_gone", "bot was kicked"), "bot_removed", ADMIN),
        (MissingRight("post", "not enough rights"), "no_right", ADMIN),
        (ChatActionError("not_found", "message to copy not found"), "source_gone", GROUP),
    ],
)
async def test_a_post_that_cannot_be_made_pauses(
    runner: ScheduleRunner, error: ChatActionError, reason: str, told: int
) -> None:
    """Removed or muted: every schedule of the group pauses and its creator is told
    privately; a deleted source pauses only its schedule and the group is told."""
    store = runner.runtime.store
    sid = await add(store, "every 1h")
    other = await add(store, "daily 20:00")
    fail_with(port_of(runner), error)
    at = T0 + timedelta(hours=1)
    clock_of(runner).now = at
    await runner.fire(sid, at)
    row = await load(store, sid)
    assert (row.state, row.pause_reason) == ("paused", reason)
    assert (await load(store, other)).state == ("active" if reason == "source_gone" else "paused")
    assert await statuses(store, sid) == [(at, "failed")]
    assert [chat for chat, _ in notices(port_of(runner))] == [told]
    assert runner.runtime.scheduler.due(job_id(sid)) is None


async def test_a_transient_failure_keeps_the_schedule(runner: ScheduleRunner) -> None:
    """A post still failing after the port's retries is recorded as failed, the schedule
    goes on, and the group is told how to send it again (tests/test_schedule_delivery.py)."""
    store = runner.runtime.store
    sid = await add(store, "every 1h")
    fail_with(port_of(runner), ChatActionError("failed", "Bad Gateway"))
    at = T0 + timedelta(hours=1)
    clock_of(runner).now = at
    await runner.fire(sid, at)
    row = await load(store, sid)
    assert row.state == "active" and row.next_run_at == at + timedelta(hours=1)
    assert await statuses(store, sid) == [(at, "failed")]
    assert [chat for chat, _ in notices(port_of(runner))] == [GROUP]


async def test_restart_posts_a_recent_occurrence_once_and_skips_an_old_one(
    sqlite_store: Store,
) -> None:
    """At start-up: 5 minutes late is posted (grace 10 min), an hour late is missed;
    a second start-up posts nothing more."""
    # On a fixed clock, each schedule due on its own plan: with the wall clock and plain
    # offsets from it, "old"'s real 09:30 fell between its stored time and now from 09:30
    # to 10:30 in Shanghai, and was caught up as a post or a second miss.
    now = T0 + timedelta(hours=1)
    before = now - timedelta(days=1)
    recent = await add(
        sqlite_store, "daily 10:25", now=before, next_run_at=now - timedelta(minutes=5)
    )
    old = await add(sqlite_store, "daily 09:30", now=before, next_run_at=T0)
    port = posting_port()
    for _ in range(2):
        runtime = make_runtime(sqlite_store, port, Clock(now))
        runtime.scheduler.start()
        runner = ScheduleRunner(runtime)
        await runner.lead()
        await asyncio.sleep(0.3)
        await runner.unlead()
        await runtime.scheduler.stop()
    assert len(posts(port)) == 1
    assert [s for _, s in await statuses(sqlite_store, recent)] == ["posted"]
    assert [s for _, s in await statuses(sqlite_store, old)] == ["missed"]
    for sid in (recent, old):
        assert (await load(sqlite_store, sid)).next_run_at > now  # type: ignore[operator]


async def test_sync_arms_a_schedule_another_process_created(runner: ScheduleRunner) -> None:
    """A schedule stored by another process gets its timer at the leader's next sync."""
    await runner.lead()
    sid = await add(runner.runtime.store, "daily 10:00")
    assert runner.runtime.scheduler.due(job_id(sid)) is None
    await runner.sync()
    assert runner.runtime.scheduler.due(job_id(sid)) == utc(2026, 12, 1, 2, 0)
    async with runner.runtime.store.unit() as uow:
        row = await ScheduleRepository(uow).get(sid)
        assert row is not None
        row.state = "paused"
    await runner.sync()
    assert runner.runtime.scheduler.due(job_id(sid)) is None
    await runner.unlead()
