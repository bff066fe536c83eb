"""Shared pieces of the scheduled-post tests: a recording port and a runtime on a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import build_translator
from bot.settings import load_settings
from core.chat import ChatActionError
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from core.timed_work import TimedWork
from storage.unit import Store

GROUP = -1001
ADMIN = 77


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class PostingPort:
    """Records posts, copies, pins, deletions and notices; can be told to fail."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, str]] = []
        self.copies: list[tuple[int, int, int]] = []
        self.pins: list[int] = []
        self.deleted: list[int] = []
        self.notices: list[tuple[int, str]] = []
        self.fail_with: ChatActionError | None = None
        # Chats whose notices are refused (send answers None), as a chat that blocks the bot.
        self.refuse: set[int] = set()
        self._ids = iter(range(1000, 10**9))

    async def post(self, chat_id: int, text: str) -> int:
        self._maybe_fail()
        self.posts.append((chat_id, text))
        return next(self._ids)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        self._maybe_fail()
        self.copies.append((chat_id, from_chat_id, message_id))
        return next(self._ids)

    async def send(self, chat_id: int, text: str, **_: Any) -> int | None:
        if chat_id in self.refuse:
            return None
        self.notices.append((chat_id, text))
        return next(self._ids)

    async def pin(self, chat_id: int, message_id: int) -> None:
        self.pins.append(message_id)

    async def delete(self, chat_id: int, message_id: int) -> bool:
        self.deleted.append(message_id)
        return True

    async def admins(self, chat_id: int) -> frozenset[int]:
        return frozenset({ADMIN})

    def _maybe_fail(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with


def make_runtime(
    store: Store,
    port: PostingPort,
    clock: Clock | None = None,
    timed: TimedWork | None = None,
    **env: str,
) -> Runtime:
    """A runtime on ``store`` whose time is ``clock`` (real time if None)."""
    port_any: Any = port
    runtime = Runtime(
        settings=load_settings(None, {"BOT_BOT__TIMEZONE": "Asia/Shanghai", **env}),
        store=store,
        port=port_any,
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(clock),
        timed=timed or TimedWork(),
    )
    if clock is not None:
        runtime.clock = clock
    return runtime


def utc(*args: int) -> datetime:
    """A UTC datetime."""
    return datetime(*args, tzinfo=UTC)
