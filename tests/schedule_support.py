"""Shared pieces of the scheduled-post tests: a recording port and a runtime on a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import build_translator
from bot.platforms.recording import DEFAULT, RecordingPort
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


def posting_port(member_count: int | None = None) -> RecordingPort:
    """A recording port for scheduled posts: message ids from 1000, one admin."""
    return RecordingPort(admins={ADMIN}, first_id=1000, member_count=member_count)


def posts(port: RecordingPort) -> list[tuple[int, str]]:
    """The posts made, as (chat, text)."""
    return port.made("post", "chat_id", "text")


def copies(port: RecordingPort) -> list[tuple[int, int, int]]:
    """The copies made, as (chat, from chat, message)."""
    return port.made("copy", "chat_id", "from_chat_id", "message_id")


def pins(port: RecordingPort) -> list[int]:
    """The messages pinned."""
    return port.made("pin", "message_id")


def deleted(port: RecordingPort) -> list[int]:
    """The messages deleted."""
    return port.made("delete", "message_id")


def notices(port: RecordingPort) -> list[tuple[int, str]]:
    """The notices sent (not those a refusing chat answered with None), as (chat, text)."""
    return [(c["chat_id"], c["text"]) for c in port.made("send") if c.answer is not None]


def fail_with(port: RecordingPort, error: ChatActionError | None) -> None:
    """Make every post and copy raise ``error`` from now on (None: succeed again)."""
    for method in ("post", "copy"):
        port.recover(method)
        if error is not None:
            port.fail(method, error)


def refuse(port: RecordingPort, chats: set[int]) -> None:
    """Chats whose notices are refused (send answers None), as a chat that blocks the bot."""
    port.answers["send"] = lambda call: None if call["chat_id"] in chats else DEFAULT


def make_runtime(
    store: Store,
    port: RecordingPort,
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
