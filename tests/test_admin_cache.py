"""Admin lookups that fail are not cached: the decision steps, the cache on a hand clock,
and the getChatMember fallback of ``Runtime.is_admin_of`` and ``Context.is_admin``."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.chat import ChatActionError
from core.context import Context
from core.events import Chat, Message, User
from core.permissions import (
    ADMIN_RETRY_FIRST,
    ADMIN_RETRY_MOST,
    AdminCache,
    AdminEntry,
    after_failure,
    after_success,
    next_step,
)
from core.runtime import Runtime

GROUP = -100
CREATOR = 7
MEMBER = 8
ADMINS = frozenset({CREATOR})


class HandClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyFetch:
    """Answers the admin list, or fails with ChatActionError while ``failing``."""

    def __init__(self, failing: int = 0) -> None:
        self.failing = failing
        self.calls = 0

    async def __call__(self, chat_id: int) -> frozenset[int]:
        self.calls += 1
        if self.failing:
            self.failing -= 1
            raise ChatActionError("failed", "Internal Server Error")
        return ADMINS


@pytest.mark.parametrize(
    ("entry", "now", "step"),
    [
        (None, 0.0, "fetch"),
        (AdminEntry(ADMINS, fresh_until=10.0), 5.0, "cached"),
        (AdminEntry(ADMINS, fresh_until=10.0), 10.0, "fetch"),
        (AdminEntry(None, failures=1, retry_at=10.0), 5.0, "fallback"),
        (AdminEntry(None, failures=1, retry_at=10.0), 10.0, "fetch"),
        (AdminEntry(ADMINS, failures=2, retry_at=10.0), 9.9, "fallback"),
        (AdminEntry(ADMINS, failures=2, retry_at=10.0), 11.0, "fetch"),
    ],
    ids=["unknown", "fresh", "stale", "backing-off", "backoff-over", "stale-backing-off", "retry"],
)
def test_next_step(entry: AdminEntry | None, now: float, step: str) -> None:
    assert next_step(entry, now) == step


@pytest.mark.parametrize(
    ("failures_before", "wait"),
    [
        (0, ADMIN_RETRY_FIRST),
        (1, 2 * ADMIN_RETRY_FIRST),
        (2, 4 * ADMIN_RETRY_FIRST),
        (20, ADMIN_RETRY_MOST),
    ],
)
def test_failures_put_the_next_fetch_off_longer_and_keep_the_last_list(
    failures_before: int, wait: float
) -> None:
    before = AdminEntry(ADMINS, fresh_until=50.0, failures=failures_before)
    after = after_failure(before, 100.0)
    assert after.retry_at == 100.0 + wait
    assert after.failures == failures_before + 1
    assert after.admins == ADMINS, "the last good list is kept"
    assert after.fresh_until == -math.inf, "but no longer fresh"


def test_success_forgets_failures() -> None:
    assert after_success(ADMINS, 100.0, 600) == AdminEntry(ADMINS, 700.0)


async def test_a_failed_fetch_is_not_cached_and_is_asked_again_after_the_pause() -> None:
    clock, fetch = HandClock(), FlakyFetch(failing=1)
    cache = AdminCache(fetch, ttl=600, clock=clock)
    assert await cache.lookup(GROUP) is None
    assert await cache.get(GROUP) == frozenset(), "best effort: empty, but not cached"
    assert fetch.calls == 1, "a failed chat is not asked again on every message"
    clock.now += ADMIN_RETRY_FIRST
    assert await cache.lookup(GROUP) == ADMINS, "asked again seconds later, not 600 s"
    clock.now += 599
    assert await cache.lookup(GROUP) == ADMINS
    assert fetch.calls == 2, "the good answer is cached for the TTL"


async def test_the_last_good_list_is_served_while_lookups_fail() -> None:
    clock, fetch = HandClock(), FlakyFetch()
    cache = AdminCache(fetch, ttl=600, clock=clock)
    assert await cache.lookup(GROUP) == ADMINS
    fetch.failing = 3
    clock.now += 600
    assert await cache.lookup(GROUP) == ADMINS
    clock.now += ADMIN_RETRY_FIRST - 0.1
    assert await cache.lookup(GROUP) == ADMINS
    assert fetch.calls == 2, "within the pause: no fetch"
    clock.now += 0.1
    assert await cache.lookup(GROUP) == ADMINS
    assert fetch.calls == 3
    clock.now += 2 * ADMIN_RETRY_FIRST
    assert await cache.lookup(GROUP) == ADMINS
    clock.now += 4 * ADMIN_RETRY_FIRST
    assert await cache.lookup(GROUP) == ADMINS
    assert fetch.calls == 5, "the pause grew: 2, 4, then 8 seconds"


async def test_invalidate_drops_the_failure_pause_too() -> None:
    clock, fetch = HandClock(), FlakyFetch(failing=1)
    cache = AdminCache(fetch, ttl=600, clock=clock)
    assert await cache.lookup(GROUP) is None
    cache.invalidate(GROUP)
    assert await cache.lookup(GROUP) == ADMINS
    assert fetch.calls == 2


# --- the getChatMember fallback ------------------------------------------------------


def status_port() -> RecordingPort:
    """A port whose admin list always fails and whose getChatMember knows the creator."""
    port = RecordingPort(
        answers={"member_status": lambda call: "admin" if call["user_id"] == CREATOR else "member"}
    )
    port.fail("admins", ChatActionError("failed", "Internal Server Error"))
    return port


def runtime_on(port: RecordingPort) -> Runtime:
    settings = load_settings(None, {"TELEGRAM_BOT_TOKEN": "1:test-not-real"}, require_token=True)
    fake: Any = port
    return Runtime(
        settings=settings,
        store=None,  # type: ignore[arg-type]  # no storage needed for admin checks
        port=fake,
        translator=None,  # type: ignore[arg-type]
        admins=AdminCache(port.admins, 600, clock=HandClock()),
        scheduler=None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("user_id", "expected"), [(CREATOR, True), (MEMBER, False)])
async def test_is_admin_of_asks_about_the_one_person_when_the_list_fails(
    user_id: int, expected: bool
) -> None:
    port = status_port()
    assert await runtime_on(port).is_admin_of(GROUP, user_id) is expected
    assert port.asked("member_status", "user_id") == [user_id]


@pytest.mark.parametrize(
    ("sender", "sender_chat", "expected", "asked"),
    [
        (CREATOR, None, True, [CREATOR]),
        (MEMBER, None, False, [MEMBER]),
        # An anonymous admin posts as the group itself: no lookup needed.
        (1087968824, GROUP, True, []),
    ],
    ids=["creator", "member", "anonymous-admin"],
)
async def test_context_is_admin_falls_back_to_get_chat_member(
    sender: int, sender_chat: int | None, expected: bool, asked: list[int]
) -> None:
    port = status_port()
    chat = Chat(GROUP, "Group")
    when = datetime(2026, 1, 5, tzinfo=UTC)
    message = Message(chat, User(sender, "someone"), 1, "/x", when, sender_chat_id=sender_chat)
    ctx = Context(message, runtime_on(port), None)  # type: ignore[arg-type]
    assert await ctx.is_admin() is expected
    assert port.asked("member_status", "user_id") == asked
