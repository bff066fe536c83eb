"""The dispatcher: order, stopping, failures that never stop the bot."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.app import build_translator
from bot.dispatch import Dispatcher
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.chat import MissingRight
from core.context import Context
from core.events import Chat, Event, Message, User
from core.feature import Feature
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from storage.repositories import ChatRepository
from storage.unit import Store

CHAT = Chat(-100, "G")
USER = User(7, "Ann")


class Step(Feature):
    """A feature that records its call and then does what it is told."""

    def __init__(self, name: str, log: list[str], action: str = "pass") -> None:
        self.name = name
        self._log = log
        self._action = action

    async def on_event(self, event: Event, ctx: Context) -> bool:
        self._log.append(self.name)
        if self._action == "store":
            await ChatRepository(ctx.uow).ensure(ctx.chat.id, "stored")
        if self._action == "crash":
            await ChatRepository(ctx.uow).ensure(ctx.chat.id, "half-done")
            raise RuntimeError("bug")
        if self._action == "no-right":
            raise MissingRight("delete")
        return self._action == "stop"


@pytest.fixture
def runtime(sqlite_store: Store) -> Runtime:
    """A runtime on SQLite with a recording port."""
    port = RecordingPort()
    return Runtime(
        settings=load_settings(None, {}),
        store=sqlite_store,
        port=port,  # type: ignore[arg-type]
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(),
    )


def message() -> Message:
    """An ordinary message."""
    return Message(CHAT, USER, 1, "hi", datetime.now(UTC))


@pytest.mark.parametrize(
    ("actions", "ran"),
    [
        (["pass", "pass", "pass"], ["a", "b", "c"]),
        (["pass", "stop", "pass"], ["a", "b"]),
        (["crash", "pass", "pass"], ["a", "b", "c"]),
        (["no-right", "pass", "stop"], ["a", "b", "c"]),
    ],
)
async def test_order_and_stopping(runtime: Runtime, actions: list[str], ran: list[str]) -> None:
    """Features run in order; True stops; a failure does not stop the others."""
    log: list[str] = []
    features = [Step(n, log, a) for n, a in zip("abc", actions, strict=True)]
    await Dispatcher(runtime, features).handle(message())
    assert log == ran


async def test_failure_is_logged_with_chat_and_user(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """The log line names the feature, the chat and the user."""
    with caplog.at_level(logging.ERROR):
        await Dispatcher(runtime, [Step("boom", [], "crash")]).handle(message())
    record = next(r for r in caplog.records if "failed" in r.getMessage())
    assert "boom" in record.getMessage()
    assert str(CHAT.id) in record.getMessage() and str(USER.id) in record.getMessage()
    assert record.exc_info is not None


async def test_a_failed_feature_leaves_no_half_done_writes(runtime: Runtime) -> None:
    """The unit of work is rolled back when a feature fails."""
    await Dispatcher(runtime, [Step("boom", [], "crash")]).handle(message())
    async with runtime.store.unit() as uow:
        assert await ChatRepository(uow).get(CHAT.id) is None


async def test_writes_are_committed_once_at_the_end(runtime: Runtime) -> None:
    """What features store is there after the event."""
    await Dispatcher(runtime, [Step("a", [], "store")]).handle(message())
    async with runtime.store.unit() as uow:
        row = await ChatRepository(uow).get(CHAT.id)
    assert row is not None and row.title == "stored"


async def test_missing_right_is_told_once(runtime: Runtime) -> None:
    """A missing right is reported to the group once, however often it happens."""
    dispatcher = Dispatcher(runtime, [Step("a", [], "no-right")])
    for _ in range(3):
        await dispatcher.handle(message())
    port: RecordingPort = runtime.port  # type: ignore[assignment]
    assert len(port.made("send")) == 1
    assert "删除消息" in port.made("send", "text")[0]
