"""Night mode's timed side on a real store and a recording port: failures, races, timers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.platforms.recording import RecordingPort
from core.chat import SENDING_RIGHTS, ChatActionError, ChatRights, MissingRight
from core.runtime import Runtime
from handlers.nightmode.watch import NightWatch, switch_job
from storage.nightmode import NightModeRepository
from storage.repositories import ChatRepository
from storage.unit import Store
from tests.schedule_support import Clock, make_runtime, utc

GROUP = -1009
# A group that lets members post but not invite.
BEFORE = ChatRights(**dict.fromkeys(SENDING_RIGHTS, True), reactions=True)
NOON = utc(2026, 11, 26, 4, 0)  # 12:00 in Shanghai
NIGHT = utc(2026, 11, 26, 15, 0)  # 23:00
MORNING = utc(2026, 11, 26, 23, 0)  # 07:00 the next day
NEXT_NIGHT = utc(2026, 11, 27, 15, 0)


def night_port() -> RecordingPort:
    """Keeps one group's permissions (``chat_rights``); ``fail_next`` makes the next sets fail."""
    return RecordingPort(chat_rights=BEFORE)


def fail_next(port: RecordingPort, *errors: ChatActionError) -> None:
    """The next ``len(errors)`` permission changes raise these, in order (none: no more)."""
    port.recover("set_chat_permissions")
    for error in errors:
        port.fail("set_chat_permissions", error, times=1)


def sets(port: RecordingPort) -> list[ChatRights]:
    """The permissions set, in order (failed attempts not)."""
    return port.made("set_chat_permissions", "rights")


def notices(port: RecordingPort) -> list[str]:
    """The texts sent."""
    return port.made("send", "text")


async def night_watch(store: Store, port: RecordingPort, clock: Clock) -> NightWatch:
    runtime: Runtime = make_runtime(store, port, clock, BOT_BOT__DEFAULT_LANGUAGE="en")  # type: ignore[arg-type]
    watch = NightWatch(runtime)
    watch.leading = True
    return watch


async def turn_on(store: Store, hours: str | None = "23:00-07:00") -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "Night Group")
        await NightModeRepository(uow).set_hours(GROUP, hours)


async def closed_at(store: Store) -> object:
    async with store.unit() as uow:
        state = await NightModeRepository(uow).state(GROUP)
    assert state is not None
    return state.closed_at


async def test_a_failed_close_is_undone_and_retried_on_the_next_pass(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    fail_next(port, ChatActionError("failed", "Bad Gateway"))
    await watch.sync()
    assert sets(port) == [] and notices(port) == []
    assert await closed_at(sqlite_store) is None, "not marked closed when the call failed"
    await watch.sync()
    assert sets(port) == [BEFORE.without_sending()]
    assert await closed_at(sqlite_store) == NIGHT
    assert len(notices(port)) == 1 and "until 07:00 (Asia/Shanghai)" in notices(port)[0]


async def test_a_missing_right_is_not_retried_that_night(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    fail_next(
        port,
        MissingRight("restrict", "not enough rights"),
        MissingRight("restrict", "not enough rights"),
    )
    await watch.sync()
    await watch.sync()
    # One attempt and one notice about the right (the runtime's notices tell once).
    assert port.failures_left("set_chat_permissions") == 1
    assert len(notices(port)) == 1 and "Ban users" in notices(port)[0]
    clock.now = NEXT_NIGHT
    fail_next(port)
    await watch.sync()
    assert sets(port) == [BEFORE.without_sending()], "the next night is tried again"


async def test_unknown_permissions_keep_the_group_open(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    port.chat_rights = None
    await watch.sync()
    assert sets(port) == [] and await closed_at(sqlite_store) is None


async def test_a_failed_reopen_keeps_the_saved_permissions(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    await watch.sync()
    clock.now = MORNING
    fail_next(port, ChatActionError("failed", "timed out"))
    await watch.sync()
    assert await closed_at(sqlite_store) == NIGHT, "still closed: the morning is retried"
    await watch.sync()
    assert sets(port)[-1] == BEFORE and await closed_at(sqlite_store) is None
    assert "open again" in notices(port)[-1]


async def test_a_group_the_bot_left_is_forgotten_without_a_notice(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    await watch.sync()
    clock.now = MORNING
    fail_next(port, ChatActionError("chat_gone", "bot was kicked"))
    await watch.sync()
    assert await closed_at(sqlite_store) is None
    assert len(notices(port)) == 1  # the good-night notice only


async def test_an_already_closed_group_gets_no_notices(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    port.chat_rights = BEFORE.without_sending()  # its admins closed it themselves
    watch = await night_watch(sqlite_store, port, clock)
    await turn_on(sqlite_store)
    await watch.sync()
    clock.now = MORNING
    await watch.sync()
    assert notices(port) == [] and port.chat_rights == BEFORE.without_sending()


async def test_two_processes_close_a_group_once(store: Store) -> None:
    port, clock = night_port(), Clock(NIGHT)
    first = await night_watch(store, port, clock)
    second = await night_watch(store, port, clock)
    await turn_on(store)
    await asyncio.gather(first.sync(), second.sync())
    assert sets(port) == [BEFORE.without_sending()] and len(notices(port)) == 1


@pytest.mark.parametrize(
    ("now", "due"),
    [(NOON, NIGHT), (NIGHT, MORNING), (MORNING, NEXT_NIGHT)],
    ids=["day", "night", "morning"],
)
async def test_the_next_switch_is_armed(sqlite_store: Store, now: object, due: object) -> None:
    port, clock = night_port(), Clock(now)  # type: ignore[arg-type]
    watch = await night_watch(sqlite_store, port, clock)
    scheduler = watch.runtime.scheduler
    scheduler.start()  # timers run on the test's clock: these are hours ahead and never fire
    try:
        await turn_on(sqlite_store)
        await watch.sync()
        assert scheduler.due(switch_job(GROUP)) == due
        await turn_on(sqlite_store, None)
        await watch.sync()
        assert scheduler.due(switch_job(GROUP)) is None
    finally:
        await scheduler.stop()


async def test_a_timer_waking_a_moment_early_arms_itself_again(sqlite_store: Store) -> None:
    port, clock = night_port(), Clock(NOON)
    watch = await night_watch(sqlite_store, port, clock)
    scheduler = watch.runtime.scheduler
    scheduler.start()
    try:
        await turn_on(sqlite_store)
        await watch.sync()
        clock.now = NIGHT - timedelta(milliseconds=500)
        await watch.fire(GROUP, NIGHT)
        assert sets(port) == [] and scheduler.due(switch_job(GROUP)) == NIGHT
        clock.now = NIGHT
        await watch.fire(GROUP, NIGHT)
        assert sets(port) == [BEFORE.without_sending()]
        assert scheduler.due(switch_job(GROUP)) == MORNING
    finally:
        await scheduler.stop()
