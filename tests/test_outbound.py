"""QueuedPort: priorities, budgets, merging and draining, on a hand-driven clock."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.app import build_core
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.chat import ChatActionError, ChatPort
from core.config import ConfigError
from core.context import Context
from core.events import Chat, Message, User
from core.outbound import QueuedPort, reply_later
from core.outbound_rules import Budget, Merge
from core.runtime import Runtime
from storage.unit import Store

GROUP = -100
OTHER = -200


class HandClock:
    """Time that moves only when a test says so; ``sleep`` waits for it."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time on, wake the sleepers that are due, and let everything run."""
        self.now += seconds
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        await settle()


async def settle() -> None:
    """Let every ready task run until nothing more happens (all in memory)."""
    for _ in range(50):
        await asyncio.sleep(0)


# The arguments each call is noted with after its chat (sends add whether buttons came).
NOTED = {
    "send": ("text", "reply_to"),
    "post": ("text",),
    "edit": ("message_id", "text"),
    "delete": ("message_id",),
    "mute": ("user_id",),
}


def trail(port: RecordingPort) -> list[tuple[Any, ...]]:
    """What was asked of the port, in order, failed calls too."""
    noted: list[tuple[Any, ...]] = []
    for c in port.calls:
        if c.method in NOTED:
            call = (c.method, c["chat_id"], *(c[name] for name in NOTED[c.method]))
            noted.append((*call, c["buttons"] is not None) if c.method == "send" else call)
    return noted


def texts(port: RecordingPort, chat_id: int = GROUP) -> list[str]:
    """The texts sent or posted to one chat, in order (failed sends too)."""
    return port.texts(chat_id)


class GrowingPort(RecordingPort):
    """A port with a method ChatPort may gain later: it must pass through."""

    async def member_name(self, chat_id: int, user_id: int) -> str | None:
        """A name for anyone."""
        return f"name of {user_id}"


def queued(
    port: RecordingPort, clock: HandClock, budget: Budget | None = None, **kw: Any
) -> QueuedPort:
    budget = budget or Budget(messages=4, window=60.0, reserve=1, merge_from=3)
    return QueuedPort(cast(ChatPort, port), budget, clock=clock, sleep=clock.sleep, **kw)


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


async def test_enqueue_returns_at_once_and_replies_go_in_order(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    assert out.enqueue(GROUP, "one", reply_to=7) is None
    out.enqueue(GROUP, "two")
    assert trail(port) == []  # nothing was sent while enqueue ran
    await settle()
    assert trail(port) == [("send", GROUP, "one", 7, False), ("send", GROUP, "two", None, False)]


async def test_replies_wait_for_the_budget_and_leave_the_reserve(
    port: RecordingPort, clock: HandClock
) -> None:
    """4 messages a minute, 1 kept for awaited sends: the 4th reply waits a minute."""
    out = queued(port, clock)
    for n in range(4):
        out.enqueue(GROUP, f"reply {n}")
    await settle()
    assert texts(port) == ["reply 0", "reply 1", "reply 2"]
    assert out.queued(GROUP) == 1
    await clock.advance(59)
    assert len(texts(port)) == 3
    await clock.advance(1)
    assert texts(port)[-1] == "reply 3"


async def test_an_awaited_send_overtakes_replies_out_of_budget(
    port: RecordingPort, clock: HandClock
) -> None:
    """The captcha case: the chat's replies are throttled, the captcha goes at once."""
    out = queued(port, clock)
    for n in range(5):
        out.enqueue(GROUP, f"reply {n}")
    await settle()
    message_id = await asyncio.wait_for(out.send(GROUP, "captcha", buttons=[[]]), 1)
    assert message_id == 4
    assert texts(port) == ["reply 0", "reply 1", "reply 2", "captcha"]
    # The reserve is used up now: a second awaited send waits for the window.
    second = asyncio.ensure_future(out.post(GROUP, "scheduled post"))
    await settle()
    assert not second.done()
    await clock.advance(60)
    # A minute on, the chat's messages go in the order they were asked for again.
    assert second.done()
    assert texts(port)[-3:] == ["reply 3", "reply 4", "scheduled post"]


async def test_within_budget_an_awaited_send_keeps_its_place(
    port: RecordingPort, clock: HandClock
) -> None:
    """A reply queued before a send (e.g. a header before a preview) is sent before it."""
    out = queued(port, clock)
    out.enqueue(GROUP, "header")
    await out.send(GROUP, "preview")
    assert texts(port) == ["header", "preview"]


async def test_enforcement_never_waits_and_is_not_counted(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    for n in range(6):
        out.enqueue(GROUP, f"reply {n}")
    await settle()
    assert await out.delete(GROUP, 42) is True
    await out.mute(GROUP, 7, None)
    assert trail(port)[-2:] == [("delete", GROUP, 42), ("mute", GROUP, 7)]
    # The deletion and the mute used none of the budget: the reserve is still there.
    assert await asyncio.wait_for(out.send(GROUP, "captcha"), 1) is not None


async def test_chats_have_budgets_of_their_own(port: RecordingPort, clock: HandClock) -> None:
    out = queued(port, clock)
    for n in range(5):
        out.enqueue(GROUP, f"busy {n}")
    out.enqueue(OTHER, "quiet chat")
    await settle()
    assert texts(port, OTHER) == ["quiet chat"]


async def test_a_long_queue_merges_replies_with_the_same_key(
    port: RecordingPort, clock: HandClock
) -> None:
    """Three replies sent, the rest wait; when the window moves on they go as one."""

    def combine(parts: Any) -> str:
        return "✅ " + ", ".join(parts)

    out = queued(port, clock)
    for n in range(9):
        name = f"m{n}"
        out.enqueue(GROUP, f"{name} checked in", reply_to=n, merge=Merge("done", name, combine))
        await settle()
    out.enqueue(GROUP, "unrelated")
    await settle()
    assert texts(port) == ["m0 checked in", "m1 checked in", "m2 checked in"]
    await clock.advance(60)
    assert texts(port)[3:] == ["✅ m3, m4, m5, m6, m7, m8", "unrelated"]
    merged = trail(port)[3]
    assert merged[3] is None  # a merged message replies to no one message
    assert out.stats.merged_replies == 6 and out.stats.replies == 10


async def test_a_failing_reply_does_not_stop_the_queue(
    port: RecordingPort, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    broke = RuntimeError("the platform broke")
    port.fail("send", lambda call: broke if call["text"] == "broken" else None)
    out = queued(port, clock)
    out.enqueue(GROUP, "broken")
    out.enqueue(GROUP, "fine")
    with caplog.at_level(logging.ERROR, "core.outbound"):
        await settle()
    assert texts(port) == ["broken", "fine"]
    assert "queued reply to -100 failed" in caplog.text


async def test_an_awaited_send_raises_what_the_port_raised(clock: HandClock) -> None:
    refusing = RecordingPort()
    refusing.fail("post", ChatActionError("chat_gone"))
    out = queued(refusing, clock)
    with pytest.raises(ChatActionError, match="chat_gone"):
        await out.post(GROUP, "x")


async def test_a_caller_that_gives_up_withdraws_its_send(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    for n in range(4):
        await out.send(GROUP, f"send {n}")
    waiting = asyncio.ensure_future(out.send(GROUP, "never mind"))
    await settle()
    waiting.cancel()
    await settle()
    await clock.advance(60)
    assert "never mind" not in texts(port) and out.queued(GROUP) == 0


async def test_a_full_queue_drops_its_oldest_reply(port: RecordingPort, clock: HandClock) -> None:
    out = queued(port, clock, max_queued=3)
    for n in range(3):
        out.enqueue(GROUP, f"sent {n}")
    await settle()
    for n in range(4):
        out.enqueue(GROUP, f"waiting {n}")
    assert out.queued(GROUP) == 3 and out.stats.dropped == 1
    await clock.advance(60)
    assert texts(port)[3:] == ["waiting 1", "waiting 2", "waiting 3"]


async def test_other_methods_pass_through(clock: HandClock) -> None:
    port = GrowingPort()
    out = queued(port, clock)
    for n in range(6):
        out.enqueue(GROUP, f"reply {n}")
    assert await out.edit(GROUP, 3, "edited") is True
    assert await out.member_name(GROUP, 9) == "name of 9"
    assert ("edit", GROUP, 3, "edited") in trail(port)
    with pytest.raises(AttributeError):
        out.not_a_port_method  # noqa: B018


async def test_drain_sends_what_it_can_and_drops_the_rest(
    port: RecordingPort, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Replies within budget (merged) go; those the window holds back are dropped."""
    out = queued(port, clock)
    for n in range(3):
        out.enqueue(GROUP, f"sent {n}")
    await settle()
    for n in range(2):
        out.enqueue(GROUP, f"a{n}", merge=Merge("a"))
    out.enqueue(GROUP, "b")
    captcha = asyncio.ensure_future(out.send(GROUP, "captcha"))
    post = asyncio.ensure_future(out.post(GROUP, "post"))
    await settle()
    assert captcha.done()  # the reserve
    # Too few to merge in a running bot; a draining one merges them.
    out.enqueue(OTHER, "c0", merge=Merge("c"))
    out.enqueue(OTHER, "c1", merge=Merge("c"))
    with caplog.at_level(logging.WARNING, "core.outbound"):
        dropped = await out.drain(0.05)
    assert texts(port, OTHER) == ["c0\nc1"]
    assert dropped == 3  # a0, a1 and b: GROUP's window is full
    with pytest.raises(ChatActionError, match="shutting down"):
        await post
    assert "dropped 3 queued replies" in caplog.text


async def test_an_awaited_post_left_at_the_deadline_fails_like_a_send(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    for n in range(4):
        await out.send(GROUP, f"send {n}")
    post = asyncio.ensure_future(out.post(GROUP, "post"))
    send = asyncio.ensure_future(out.send(GROUP, "send"))
    await settle()
    assert await out.drain(0) == 0
    with pytest.raises(ChatActionError, match="failed"):
        await post
    assert await send is None


async def test_after_drain_replies_are_refused_and_sends_go_straight_through(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    assert await out.drain(1) == 0
    out.enqueue(GROUP, "too late")
    await settle()
    assert texts(port) == []
    assert await out.send(GROUP, "direct") == 1
    assert await out.drain(1) == 1  # the refused reply is counted as dropped


async def test_reply_later_sends_at_once_on_a_port_without_a_queue(port: RecordingPort) -> None:
    await reply_later(cast(ChatPort, port), GROUP, "now", reply_to=3)
    assert trail(port) == [("send", GROUP, "now", 3, False)]


def context(port: ChatPort) -> Context:
    message = Message(Chat(GROUP, "G"), User(5, "Ann"), 77, "hi", datetime(2024, 1, 1))
    runtime = cast(Runtime, SimpleNamespace(port=port))
    return Context(message, runtime, cast(Any, None))


async def test_context_replies_are_queued_unless_the_caller_waits(
    port: RecordingPort, clock: HandClock
) -> None:
    out = queued(port, clock)
    ctx = context(out)
    assert await ctx.reply("queued") is None
    assert trail(port) == []
    await settle()
    assert trail(port) == [("send", GROUP, "queued", 77, False)]
    assert await ctx.reply("awaited", wait=True) == 2


def test_the_reserve_must_leave_room_for_replies() -> None:
    with pytest.raises(ConfigError, match="normal_reserve must be smaller"):
        load_settings(
            None, {"BOT_OUTBOUND__CHAT_MESSAGES": "3", "BOT_OUTBOUND__NORMAL_RESERVE": "3"}
        )


@pytest.mark.parametrize(
    ("env", "queued_too", "wrapped"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"BOT_OUTBOUND__ENABLED": "false"}, True, False),
    ],
)
async def test_build_core_puts_the_queue_in_front_of_the_platform(
    tmp_path: Path, env: dict[str, str], queued_too: bool, wrapped: bool
) -> None:
    settings = load_settings(None, {"BOT_OUTBOUND__CHAT_MESSAGES": "7", **env})
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    raw = cast(ChatPort, RecordingPort())
    core = build_core(settings, store, raw, bot_id=1, bot_username="b", queued=queued_too)
    port = core.runtime.port
    assert isinstance(port, QueuedPort) is wrapped
    if isinstance(port, QueuedPort):
        assert port.inner is raw and port.budget.messages == 7
    await store.close()
