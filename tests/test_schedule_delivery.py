"""Scheduled posts when Telegram fails: failed posts are told and can be sent again,
posts whose answer was lost are "unknown" and never sent twice (runner on a hand clock)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.chat import ChatActionError
from handlers.schedule.notices import notice_targets
from handlers.schedule.runner import ScheduleRunner, job_id
from storage.moderation import ModerationRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, fail_with, notices, posts, refuse
from tests.test_schedule_runner import T0, add, clock_of, load, port_of, runner, statuses

__all__ = ["runner"]  # the fixture, shared with the runner's tests

LOG_CHAT = -5005
FAILED = ChatActionError("failed", "Internal Server Error")
UNKNOWN = ChatActionError("unknown", "httpx.ReadTimeout")


@pytest.mark.parametrize(
    ("log_chat", "group", "creator", "targets"),
    [
        (LOG_CHAT, GROUP, ADMIN, (LOG_CHAT, GROUP, ADMIN)),
        (None, GROUP, ADMIN, (GROUP, ADMIN)),
        (GROUP, GROUP, ADMIN, (GROUP, ADMIN)),
        (None, GROUP, None, (GROUP,)),
    ],
    ids=["log-chat-first", "no-log-chat", "log-chat-is-the-group", "no-creator"],
)
def test_notice_targets(
    log_chat: int | None, group: int, creator: int | None, targets: tuple[int, ...]
) -> None:
    assert notice_targets(log_chat, group, creator) == targets


async def fail_one_off(runner: ScheduleRunner, error: ChatActionError) -> int:
    """A one-off due in a minute, fired while the port fails with ``error``."""
    sid = await add(runner.runtime.store, "in 1m")
    fail_with(port_of(runner), error)
    at = T0 + timedelta(minutes=1)
    clock_of(runner).now = at
    await runner.fire(sid, at)
    return sid


async def set_log_chat(store: Store, chat_id: int) -> None:
    async with store.unit() as uow:
        (await ModerationRepository(uow).edit_settings(GROUP)).log_chat_id = chat_id


async def test_a_one_off_that_fails_stays_listed_and_the_group_is_told(
    runner: ScheduleRunner,
) -> None:
    sid = await fail_one_off(runner, FAILED)
    row = await load(runner.runtime.store, sid)
    assert (row.state, row.pause_reason, row.posts) == ("paused", "failed", 0), "not done"
    assert await statuses(runner.runtime.store, sid) == [(T0 + timedelta(minutes=1), "failed")]
    [(chat, text)] = notices(port_of(runner))
    assert chat == GROUP
    assert f"#{sid}" in text and f"/retryschedule {sid}" in text
    assert "Internal Server Error" in text


@pytest.mark.parametrize(
    ("log_chat", "refused", "told"),
    [
        (LOG_CHAT, set(), LOG_CHAT),
        (LOG_CHAT, {LOG_CHAT}, GROUP),
        (None, {GROUP}, ADMIN),
    ],
    ids=["log-chat", "log-chat-refuses", "group-refuses"],
)
async def test_the_failure_notice_goes_to_the_log_chat_then_the_group_then_the_creator(
    runner: ScheduleRunner, log_chat: int | None, refused: set[int], told: int
) -> None:
    if log_chat is not None:
        await set_log_chat(runner.runtime.store, log_chat)
    refuse(port_of(runner), refused)
    await fail_one_off(runner, FAILED)
    assert [chat for chat, _ in notices(port_of(runner))] == [told]


async def test_an_unknown_outcome_is_recorded_and_never_sent_again(
    runner: ScheduleRunner,
) -> None:
    sid = await fail_one_off(runner, UNKNOWN)
    store = runner.runtime.store
    at = T0 + timedelta(minutes=1)
    assert await statuses(store, sid) == [(at, "unknown")]
    row = await load(store, sid)
    assert (row.state, row.posts) == ("done", 1), "most likely posted: counted"
    assert notices(port_of(runner)) == []
    fail_with(port_of(runner), None)
    await runner.fire(sid, at)
    assert posts(port_of(runner)) == [], "not re-sent by the timer"
    assert runner.runtime.scheduler.due(job_id(sid)) is None


async def test_retry_sends_a_failed_one_off_once_and_finishes_it(
    runner: ScheduleRunner,
) -> None:
    sid = await fail_one_off(runner, FAILED)
    fail_with(port_of(runner), None)
    message_id = await runner.retry(sid)
    assert isinstance(message_id, int)
    store = runner.runtime.store
    assert posts(port_of(runner)) == [(GROUP, "hello")]
    assert await statuses(store, sid) == [(T0 + timedelta(minutes=1), "posted")]
    row = await load(store, sid)
    assert (row.state, row.pause_reason, row.posts) == ("done", None, 1)
    assert row.last_message_id == message_id
    assert await runner.retry(sid) is None, "nothing left to send again"
    assert len(posts(port_of(runner))) == 1


async def test_two_retries_at_once_post_once(runner: ScheduleRunner) -> None:
    sid = await fail_one_off(runner, FAILED)
    fail_with(port_of(runner), None)
    results = await asyncio.gather(runner.retry(sid), runner.retry(sid))
    assert sorted(isinstance(r, int) for r in results) == [False, True]
    assert len(posts(port_of(runner))) == 1


async def test_an_unknown_post_may_be_sent_again_by_an_admin(runner: ScheduleRunner) -> None:
    sid = await fail_one_off(runner, UNKNOWN)
    fail_with(port_of(runner), None)
    assert isinstance(await runner.retry(sid), int)
    assert await statuses(runner.runtime.store, sid) == [(T0 + timedelta(minutes=1), "posted")]


async def test_a_retry_that_fails_again_stays_failed_and_is_not_told_twice(
    runner: ScheduleRunner,
) -> None:
    sid = await fail_one_off(runner, FAILED)
    result = await runner.retry(sid)
    assert isinstance(result, ChatActionError) and result.reason == "failed"
    store = runner.runtime.store
    assert await statuses(store, sid) == [(T0 + timedelta(minutes=1), "failed")]
    row = await load(store, sid)
    assert (row.state, row.pause_reason, row.posts) == ("paused", "failed", 0)
    assert len(notices(port_of(runner))) == 1, "the admin retrying is answered directly"
    fail_with(port_of(runner), None)
    assert isinstance(await runner.retry(sid), int), "and may try again later"


async def test_the_last_of_a_count_that_fails_is_kept_until_sent(runner: ScheduleRunner) -> None:
    store = runner.runtime.store
    sid = await add(store, "every 1h", max_posts=1)
    fail_with(port_of(runner), FAILED)
    at = T0 + timedelta(hours=1)
    clock_of(runner).now = at
    await runner.fire(sid, at)
    row = await load(store, sid)
    assert (row.state, row.pause_reason, row.posts) == ("paused", "failed", 0)
    fail_with(port_of(runner), None)
    assert isinstance(await runner.retry(sid), int)
    row = await load(store, sid)
    assert (row.state, row.posts) == ("done", 1)


async def test_a_recurring_post_retried_keeps_its_plan(runner: ScheduleRunner) -> None:
    store = runner.runtime.store
    sid = await add(store, "every 1h")
    fail_with(port_of(runner), FAILED)
    at = T0 + timedelta(hours=1)
    clock_of(runner).now = at
    await runner.fire(sid, at)
    fail_with(port_of(runner), None)
    assert isinstance(await runner.retry(sid), int)
    row = await load(store, sid)
    assert (row.state, row.next_run_at, row.posts) == ("active", at + timedelta(hours=1), 1)
    assert runner.runtime.scheduler.due(job_id(sid)) == at + timedelta(hours=1)
