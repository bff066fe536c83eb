"""Polling that confirms only handled updates: bookkeeping, retry rules, and the loop itself.

The loop runs against the fake Bot API through a real python-telegram-bot ``Bot``; the
handlers are stand-ins the test opens and closes, so which update is in flight is known.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.platforms.telegram.events import chat_key
from bot.platforms.telegram.ordering import PerChatUpdateProcessor
from bot.platforms.telegram.polling import (
    BACKOFF_MAX,
    IntakeClosed,
    OffsetTracker,
    Poller,
    UpdateIntake,
    after_poll,
    retry_delay,
)
from tests.fakes import FakeBotApi, make_user

TOKEN = "123456:TEST-not-a-real-token"
CHAT_A = -1001000000201
CHAT_B = -1001000000202
ANN = make_user(301, "Ann")


# ---------------------------------------------------------------- the bookkeeping (pure)


def run_ops(tracker: OffsetTracker, ops: str) -> list[Any]:
    """Apply "take 5, finish 5, park 6, ack 7" and return what each step answered."""
    answers: list[Any] = []
    for op in filter(None, (part.strip() for part in ops.split(","))):
        verb, number = op.split()
        update_id = int(number)
        if verb == "take":
            answers.append(tracker.take(update_id))
        elif verb == "replay":
            answers.append(tracker.take(update_id, parked=True))
        elif verb == "finish":
            answers.append(tracker.finish(update_id))
        elif verb == "park":
            tracker.park([update_id])
            answers.append(None)
        elif verb == "ack":
            tracker.acknowledged(update_id)
            answers.append(None)
    return answers


@pytest.mark.parametrize(
    ("ops", "offset", "in_flight"),
    [
        ("", None, 0),
        # Fetched, not handled: the offset stays on it, so Telegram keeps it.
        ("take 5", 5, 1),
        ("take 5, finish 5", 6, 0),
        # The oldest in flight holds the offset, whatever finished after it.
        ("take 5, take 6, take 7, finish 6, finish 7", 5, 1),
        ("take 5, take 6, take 7, finish 6, finish 7, finish 5", 8, 0),
        ("take 5, take 6, finish 5", 6, 1),
        # A parked update is stored elsewhere: the offset may pass it.
        ("take 5, take 6, park 5", 6, 2),
        ("take 5, take 6, park 5, park 6", 7, 2),
        ("take 5, park 5, finish 5", 6, 0),
        # Parked updates replayed at start-up do not hold the offset.
        ("replay 3, take 8", 8, 2),
        ("replay 3", None, 1),
        # Ids chosen afresh after a quiet week may be lower than before.
        ("take 900, finish 900, take 12", 12, 1),
        ("take 900, finish 900, take 12, finish 12", 901, 0),
    ],
)
def test_offset_confirms_only_what_was_handled(
    ops: str, offset: int | None, in_flight: int
) -> None:
    tracker = OffsetTracker()
    run_ops(tracker, ops)
    assert tracker.offset == offset
    assert tracker.in_flight == in_flight


@pytest.mark.parametrize(
    ("ops", "answers"),
    [
        # Delivered again while in flight, or handled but not yet acknowledged: skipped.
        ("take 5, take 5", [True, False]),
        ("take 5, take 6, finish 6, take 6", [True, True, False, False]),
        ("take 5, finish 5, take 5", [True, True, False]),
        # Acknowledged: Telegram never sends it again, so nothing needs remembering.
        ("take 5, finish 5, ack 6, take 5", [True, True, None, True]),
        # finish answers whether the offset moved: only the oldest in flight moves it.
        ("finish 5", [False]),
        ("take 5, take 6, finish 6", [True, True, False]),
        ("take 5, take 6, finish 5", [True, True, True]),
    ],
)
def test_redeliveries_are_skipped(ops: str, answers: list[Any]) -> None:
    assert run_ops(OffsetTracker(), ops) == answers


def test_only_so_many_handled_ids_are_remembered() -> None:
    """Without acknowledgements (webhook mode) the oldest handled ids are forgotten first."""
    tracker = OffsetTracker(remember=2)
    assert run_ops(tracker, "take 1, finish 1, take 2, finish 2, take 3, finish 3") == [
        True,
        True,
        True,
        True,
        True,
        True,
    ]
    assert run_ops(tracker, "take 3, take 2, take 1") == [False, False, True]


def test_unparked_lists_what_the_offset_waits_for() -> None:
    tracker = OffsetTracker()
    run_ops(tracker, "take 7, take 5, take 6, park 6, finish 7")
    assert tracker.unparked() == [5]


@pytest.mark.parametrize(
    ("error", "previous", "wait"),
    [
        (InvalidToken(), 0.0, None),
        (TimedOut(), 0.0, 0.0),
        (TimedOut(), 4.0, 0.0),
        (RetryAfter(3), 0.0, 3.5),
        (RetryAfter(timedelta(seconds=10)), 2.0, 10.5),
        (NetworkError("Bad Gateway"), 0.0, 1.0),
        (NetworkError("Bad Gateway"), 1.0, 1.5),
        (NetworkError("Bad Gateway"), 1.5, 2.25),
        (TelegramError("Conflict: terminated by other getUpdates request"), 2.25, 3.375),
        (NetworkError("Bad Gateway"), 29.0, BACKOFF_MAX),
        (ValueError("undecodable answer"), 0.0, 1.0),
    ],
)
def test_retry_rules_are_ptbs(error: Exception, previous: float, wait: float | None) -> None:
    if wait is None:
        assert retry_delay(error, previous) is None
    else:
        assert retry_delay(error, previous) == pytest.approx(wait)


@pytest.mark.parametrize(
    ("fresh", "duplicates", "action"),
    [
        (0, 0, "go"),
        (5, 0, "go"),
        (100, 0, "go"),
        (3, 2, "go"),
        (0, 1, "wait"),
        (0, 100, "wait"),
        (40, 60, "wait"),
        (50, 50, "wait"),
        (51, 49, "go"),
    ],
)
def test_after_poll(fresh: int, duplicates: int, action: str) -> None:
    assert after_poll(fresh, duplicates) == action


# ---------------------------------------------------------------- the loop, for real


class Handlers:
    """Stand-in update handling: each update waits for its gate, then counts as handled."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.handled: Counter[int] = Counter()
        self.started: Counter[int] = Counter()
        self.blocked: set[int] = set()
        self._signal = asyncio.Event()

    def block(self, update_id: int) -> None:
        """Hold this update in its handler until ``release``."""
        self.blocked.add(update_id)
        self.gates.setdefault(update_id, asyncio.Event())

    def release(self, update_id: int) -> None:
        """Let a held update finish."""
        self.gates.setdefault(update_id, asyncio.Event()).set()

    async def __call__(self, update: Update) -> None:
        self.started[update.update_id] += 1
        if update.update_id in self.blocked:
            await self.gates[update.update_id].wait()
        self.handled[update.update_id] += 1
        self._signal.set()
        self._signal = asyncio.Event()

    async def wait_handled(self, *update_ids: int, timeout: float = 5.0) -> None:
        """Until these updates were handled."""
        async with asyncio.timeout(timeout):
            while not all(self.handled[u] for u in update_ids):
                await self._signal.wait()


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API with two groups."""
    async with FakeBotApi() as server:
        server.add_chat(CHAT_A)
        server.add_chat(CHAT_B)
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A real PTB Bot talking to the fake."""
    async with Bot(TOKEN, base_url=api.base_url) as tg:
        yield tg


class Running:
    """A poller and its intake, run as a task."""

    def __init__(self, bot: Bot, handlers: Handlers, **options: Any) -> None:
        self.intake = UpdateIntake(handlers, PerChatUpdateProcessor(chat_key))
        self.parked: list[dict[int, dict[str, Any]]] = []
        self.sleeps: list[float] = []
        self.poller = Poller(
            bot,
            self.intake,
            timeout=1,
            allowed_updates=["message"],
            park=self._park,
            sleep=self._sleep,
            **options,
        )
        self.task = asyncio.create_task(self.poller.run())

    async def _park(self, bodies: dict[int, dict[str, Any]]) -> None:
        self.parked.append(bodies)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def stop(self) -> int:
        """Stop polling and settle; how many updates were cut short."""
        await self.poller.stop()
        await asyncio.wait_for(self.task, 5)
        return await self.intake.settle(1.0)


def offsets(api: FakeBotApi) -> list[int]:
    """The offsets of every getUpdates so far (0: none given)."""
    return [int(call.params.get("offset") or 0) for call in api.calls_to("getUpdates")]


async def test_offset_waits_for_the_oldest_update_in_flight(api: FakeBotApi, bot: Bot) -> None:
    """A slow update in one chat holds the offset; the other chat goes on; then all confirm."""
    handlers = Handlers()
    slow = api.push_update(api.message_update(CHAT_A, ANN, "one"))
    handlers.block(slow)
    later = [api.push_update(api.message_update(CHAT_B, ANN, f"b{i}")) for i in range(3)]
    running = Running(bot, handlers, park_after=30.0)
    try:
        await handlers.wait_handled(*later)
        # Delivered again while the slow one holds the offset, yet handled once each; the
        # poller then waits for the offset to move instead of asking again and again.
        await api.wait_for("getUpdates", 2)
        assert max(offsets(api)) <= slow
        assert {u["update_id"] for u in api.pending_updates} == {slow, *later}
        handlers.release(slow)
        await handlers.wait_handled(slow)
        # The next poll confirms everything, without waiting out a long poll.
        confirmed = later[-1] + 1
        await api.wait_for("getUpdates", predicate=lambda c: c.params.get("offset") == confirmed)
        assert api.pending_updates == []
    finally:
        assert await running.stop() == 0
    assert set(handlers.handled.values()) == {1}
    assert set(handlers.started.values()) == {1}
    assert running.parked == []


async def test_a_stuck_update_is_parked_and_intake_goes_on(api: FakeBotApi, bot: Bot) -> None:
    """Nothing finishes for a moment: the stuck update is parked, the offset passes it."""
    handlers = Handlers()
    stuck = api.push_update(api.message_update(CHAT_A, ANN, "stuck"))
    handlers.block(stuck)
    running = Running(bot, handlers, park_after=0.05)
    try:
        await api.wait_for("getUpdates", predicate=lambda c: c.params.get("offset") == stuck + 1)
        assert [list(bodies) for bodies in running.parked] == [[stuck]]
        assert running.parked[0][stuck]["message"]["text"] == "stuck"
        assert api.pending_updates == []
        # New updates are fetched and handled while the parked one still runs.
        fresh = api.push_update(api.message_update(CHAT_B, ANN, "fresh"))
        await handlers.wait_handled(fresh)
        assert running.intake.unparked_done() == set()
        handlers.release(stuck)
        await handlers.wait_handled(stuck)
        assert running.intake.unparked_done() == {stuck}
    finally:
        await running.stop()
    assert handlers.handled == Counter({stuck: 1, fresh: 1})


async def test_stop_cuts_in_flight_updates_and_leaves_them_unconfirmed(
    api: FakeBotApi, bot: Bot
) -> None:
    """Settling past its bound cancels the handler; its update stays at Telegram."""
    handlers = Handlers()
    slow = api.push_update(api.message_update(CHAT_A, ANN, "slow"))
    queued = api.push_update(api.message_update(CHAT_A, ANN, "queued behind it"))
    handlers.block(slow)
    running = Running(bot, handlers, park_after=30.0)
    await api.wait_for("getUpdates", 2)
    assert running.intake.tracker.in_flight == 2
    waiter = asyncio.create_task(running.intake.wait_handled(slow))
    assert await running.stop() == 2
    with pytest.raises(IntakeClosed):
        await waiter
    await running.poller.confirm(1.0)
    assert handlers.handled == Counter()
    assert {u["update_id"] for u in api.pending_updates} == {slow, queued}
    with pytest.raises(IntakeClosed):
        running.intake.submit(Update.de_json(api.pending_updates[0], bot))


async def test_confirm_at_stop_tells_telegram_what_was_handled(api: FakeBotApi, bot: Bot) -> None:
    handlers = Handlers()
    first = api.push_update(api.message_update(CHAT_A, ANN, "hello"))
    running = Running(bot, handlers, park_after=30.0)
    await handlers.wait_handled(first)
    await running.stop()
    await running.poller.confirm(1.0)
    assert running.poller.acknowledged == first + 1
    assert api.pending_updates == []


async def test_network_errors_back_off_like_ptb(api: FakeBotApi, bot: Bot) -> None:
    """502, 502, 429: waits 1, 1.5, then retry_after + 0.5; then polling works."""
    api.fail_next("getUpdates", status=502, times=2)
    api.fail_next("getUpdates", status=429, retry_after=2)
    handlers = Handlers()
    running = Running(bot, handlers)
    try:
        update = api.push_update(api.message_update(CHAT_A, ANN, "after the errors"))
        await handlers.wait_handled(update)
    finally:
        await running.stop()
    assert running.sleeps[:3] == [1.0, 1.5, 2.5]


async def test_a_refused_token_stops_polling(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("getUpdates", status=401, description="Unauthorized")
    running = Running(bot, Handlers())
    with pytest.raises(InvalidToken):
        await asyncio.wait_for(running.task, 5)
    assert await running.intake.settle(0.1) == 0


async def test_no_more_than_max_in_flight_are_fetched(api: FakeBotApi, bot: Bot) -> None:
    """Past the bound the poller stops asking; Telegram keeps the rest."""
    handlers = Handlers()
    ids = [api.push_update(api.message_update(CHAT_A, ANN, f"m{i}")) for i in range(3)]
    handlers.block(ids[0])
    running = Running(bot, handlers, max_in_flight=3, park_after=30.0)
    try:
        await api.wait_for("getUpdates")
        polls = len(api.calls_to("getUpdates"))
        extra = api.push_update(api.message_update(CHAT_B, ANN, "waits at Telegram"))
        await asyncio.sleep(0.3)  # give a wrong poller time to ask again; nothing to assert on time
        assert len(api.calls_to("getUpdates")) == polls
        assert handlers.started[extra] == 0
        handlers.release(ids[0])
        await handlers.wait_handled(extra)
    finally:
        await running.stop()


async def test_an_update_finished_while_being_parked_has_its_copy_removed(
    api: FakeBotApi, bot: Bot
) -> None:
    handlers = Handlers()
    intake = UpdateIntake(handlers, PerChatUpdateProcessor(chat_key))
    update_id = api.push_update(api.message_update(CHAT_A, ANN, "quick"))
    assert intake.submit(Update.de_json(api.pending_updates[0], bot))
    await handlers.wait_handled(update_id)
    intake.parked([update_id])  # the park write began before it finished
    assert intake.unparked_done() == {update_id}
    intake.forget_unparked({update_id})
    assert intake.unparked_done() == set()
