"""Long polling that confirms an update to Telegram only once it was handled.

Telegram forgets every update below the ``offset`` of a getUpdates call. PTB's Updater
sends the offset past everything it fetched, before any of it is handled, so a crash loses
what was fetched but not handled yet. Here the offset only moves past handled updates:

- ``OffsetTracker`` (pure bookkeeping): which fetched updates are still in flight, the
  low-water offset below the oldest of them, and which redelivered ones to skip.
- ``UpdateIntake``: hands updates to the application's per-chat processing, notes when each
  is done, and on stop lets in-flight handlers finish within a bound. Webhook mode uses it
  too, to answer Telegram only after an update was handled.
- ``Poller``: the getUpdates loop, with PTB's retry rules (``retry_delay``), a fresh call as
  soon as handled updates can be confirmed, and parking of updates too slow to wait for.

Telegram shows at most 100 updates from the offset on; a handler that takes long would hold
the offset and so stop all intake. When polls bring back only (or mostly) updates already
taken and no handler finishes for ``PARK_AFTER`` seconds, the updates still in flight are
parked (stored in the database in one batch, see ``bot.delivery``) and the offset moves
past them; a restart handles what is still parked.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Literal

from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Telegram's most updates per getUpdates.
POLL_LIMIT = 100
# A poll this full of updates already taken waits for handlers before polling again.
PARK_DUPLICATES = POLL_LIMIT // 2
# How long it waits for the offset to move before parking the slow updates.
PARK_AFTER = 1.0
# After a handled update lets the offset move, wait this long for others before re-polling.
CONFIRM_DELAY = 0.2
# Stop fetching while this many updates are in flight (Telegram keeps the rest).
MAX_IN_FLIGHT = 2_000
# Handled update ids kept to recognise a redelivery (far more than can be in the window).
REMEMBER = 10_000
# PTB's network_retry_loop: errors back off from 1 s by half again each time, up to 30 s.
BACKOFF_FIRST, BACKOFF_FACTOR, BACKOFF_MAX = 1.0, 1.5, 30.0
RETRY_AFTER_SLACK = 0.5

Process = Callable[[Update], Awaitable[None]]
Park = Callable[[dict[int, dict[str, Any]]], Awaitable[None]]


class OffsetTracker:
    """Fetched updates in flight, and the offset that confirms every handled one. No I/O.

    Handled ids are remembered (up to ``remember``, oldest forgotten first) until the
    platform acknowledges them, so a redelivery is skipped: polling shows handled updates
    again while an older one holds the offset; a webhook call is sent again when Telegram
    missed the answer.
    """

    def __init__(self, *, remember: int = REMEMBER) -> None:
        self._remember = remember
        self._in_flight: set[int] = set()
        self._parked: set[int] = set()
        # Min-heap of in-flight ids; finished or parked ones are dropped lazily.
        self._heap: list[int] = []
        # Handled, not yet acknowledged; a dict keeps them oldest first.
        self._done: dict[int, None] = {}
        self._next: int | None = None

    def take(self, update_id: int, *, parked: bool = False) -> bool:
        """Start tracking an update; False if it is in flight or was handled already."""
        if update_id in self._in_flight or update_id in self._done:
            return False
        self._in_flight.add(update_id)
        if parked:
            self._parked.add(update_id)
        else:
            heapq.heappush(self._heap, update_id)
            self._next = update_id + 1 if self._next is None else max(self._next, update_id + 1)
        return True

    def finish(self, update_id: int) -> bool:
        """Note an update as handled; True if that moved the offset."""
        if update_id not in self._in_flight:
            return False
        before = self.offset
        self._in_flight.discard(update_id)
        if update_id in self._parked:
            self._parked.discard(update_id)
            return False
        self._done[update_id] = None
        if len(self._done) > self._remember:
            del self._done[next(iter(self._done))]
        return self.offset != before

    def park(self, update_ids: Sequence[int]) -> None:
        """In-flight updates that are stored elsewhere now: the offset may pass them."""
        self._parked.update(i for i in update_ids if i in self._in_flight)

    def acknowledged(self, offset: int) -> None:
        """The platform confirmed everything below ``offset``: it will not send those again."""
        self._done = {i: None for i in self._done if i >= offset}

    @property
    def offset(self) -> int | None:
        """The getUpdates offset: below the oldest unparked update in flight (None: nothing yet)."""
        heap = self._heap
        while heap and (heap[0] not in self._in_flight or heap[0] in self._parked):
            heapq.heappop(heap)
        return heap[0] if heap else self._next

    @property
    def in_flight(self) -> int:
        """How many updates are being handled (parked ones included)."""
        return len(self._in_flight)

    def unparked(self) -> list[int]:
        """In-flight updates the offset still waits for, oldest first."""
        return sorted(self._in_flight - self._parked)

    def is_in_flight(self, update_id: int) -> bool:
        """Whether an update is being handled."""
        return update_id in self._in_flight


class IntakeClosed(RuntimeError):
    """The bot is stopping and takes no more updates (the platform will deliver them again)."""


class UpdateIntake:
    """Hands updates to per-chat processing and knows which are still being handled."""

    def __init__(self, process: Process, processor: BaseUpdateProcessor) -> None:
        self._process = process
        self._processor = processor
        self.tracker = OffsetTracker()
        self._updates: dict[int, Update] = {}
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._parked: set[int] = set()
        # Parked updates handled since; their stored copies may go.
        self._unparked: set[int] = set()
        self._closed = False
        self._idle = asyncio.Event()
        self._idle.set()
        # Set when a finished update let the offset move; the poller clears it.
        self.advanced = asyncio.Event()
        self._finished = asyncio.Event()

    def submit(self, update: Update, *, parked: bool = False) -> bool:
        """Start handling an update; False for one in flight or already handled here."""
        if self._closed:
            raise IntakeClosed("the bot is stopping")
        update_id = update.update_id
        if not self.tracker.take(update_id, parked=parked):
            return False
        if parked:
            self._parked.add(update_id)
        self._updates[update_id] = update
        self._waiters[update_id] = asyncio.get_running_loop().create_future()
        self._idle.clear()
        coroutine = self._handle(update_id, update)
        task = asyncio.create_task(self._run(update, coroutine), name=f"update:{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def wait_handled(self, update_id: int) -> None:
        """Return once an update submitted here was handled (at once if it is not in flight).

        Raises ``IntakeClosed`` if the bot stopped before handling it.
        """
        waiter = self._waiters.get(update_id)
        if waiter is None:
            return
        try:
            await asyncio.shield(waiter)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            raise IntakeClosed("stopped before the update was handled") from None

    async def _run(self, update: Update, coroutine: Any) -> None:
        try:
            await self._processor.process_update(update, coroutine)
        except asyncio.CancelledError:
            coroutine.close()  # never started if it still waited for a processing slot
            raise

    async def _handle(self, update_id: int, update: Update) -> None:
        try:
            await self._process(update)
        except asyncio.CancelledError:
            raise  # not handled: it stays unconfirmed and comes again
        except Exception:
            # Handled, if badly: confirmed all the same, or it would come back forever.
            log.exception("update %s failed", update_id)
        self._finish(update_id)

    def _finish(self, update_id: int) -> None:
        if self.tracker.finish(update_id):
            self.advanced.set()
        self._updates.pop(update_id, None)
        if update_id in self._parked:
            self._parked.discard(update_id)
            self._unparked.add(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self._finished.set()
        self._finished = asyncio.Event()
        if not self.tracker.in_flight:
            self._idle.set()

    async def wait_for_room(self, limit: int) -> None:
        """Return once fewer than ``limit`` updates are in flight."""
        while self.tracker.in_flight >= limit:
            await self._finished.wait()

    def unparked_bodies(self) -> dict[int, dict[str, Any]]:
        """The in-flight updates the offset waits for, as JSON objects (to park them)."""
        return {
            uid: self._updates[uid].to_dict()
            for uid in self.tracker.unparked()
            if uid in self._updates
        }

    def parked(self, update_ids: Sequence[int]) -> None:
        """Those updates are stored now: the offset may pass them."""
        for update_id in update_ids:
            if self.tracker.is_in_flight(update_id):
                self._parked.add(update_id)
            else:
                self._unparked.add(update_id)  # finished while it was being stored
        self.tracker.park(update_ids)
        self.advanced.set()

    def unparked_done(self) -> set[int]:
        """Parked updates handled since (their stored copies may go)."""
        return set(self._unparked)

    def forget_unparked(self, update_ids: set[int]) -> None:
        """Their stored copies are gone."""
        self._unparked -= update_ids

    async def settle(self, timeout: float) -> int:
        """Take nothing more; let handlers finish for ``timeout`` s, then cancel the rest.

        Returns how many updates were cut short: they stay unconfirmed, and what they did
        commit carries a receipt, so the platform's redelivery finishes them exactly once.
        """
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), max(timeout, 0.0))
        cut = self.tracker.in_flight
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        for waiter in self._waiters.values():
            waiter.cancel()
        if cut:
            log.warning("stopped %d update(s) before they were handled; they come again", cut)
        return cut


def retry_delay(error: Exception, previous: float) -> float | None:
    """Seconds to wait before the next getUpdates after ``error``; None: give up.

    PTB's updater rules: a refused token stops polling; "retry after N" waits N s and a
    half; a time-out retries at once; other errors back off 1 s, then half again each time
    up to 30 s.
    """
    if isinstance(error, InvalidToken):
        return None
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RETRY_AFTER_SLACK + seconds
    if isinstance(error, TimedOut):
        return 0.0
    return BACKOFF_FIRST if previous == 0 else min(BACKOFF_MAX, previous * BACKOFF_FACTOR)


def after_poll(fresh: int, duplicates: int) -> Literal["wait", "go"]:
    """After a poll: poll again at once ("go"), or first wait for the offset to move.

    Duplicates are updates fetched before, still in flight (or handled but unconfirmed):
    Telegram shows them again because the offset waits below them, and answers at once
    while it has them. Asking again right away would only spin; so when a poll brought
    nothing new, or the window of 100 is half full of old updates, the poller waits for a
    handler to finish, and parks the slow ones if none does within ``PARK_AFTER``.
    """
    if duplicates and (not fresh or duplicates >= PARK_DUPLICATES):
        return "wait"
    return "go"


class Poller:
    """getUpdates in a loop; the offset confirms only updates the intake has handled."""

    def __init__(
        self,
        bot: Bot,
        intake: UpdateIntake,
        *,
        timeout: int,
        allowed_updates: Sequence[str],
        park: Park | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        confirm_delay: float = CONFIRM_DELAY,
        park_after: float = PARK_AFTER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._intake = intake
        self._timeout = timeout
        self._allowed = list(allowed_updates)
        self._park = park
        self._max_in_flight = max_in_flight
        self._confirm_delay = confirm_delay
        self._park_after = park_after
        self._sleep = sleep
        self._stopping = asyncio.Event()
        # The offset of the last getUpdates that succeeded: Telegram forgot all below it.
        self.acknowledged: int | None = None
        # When the loop last made progress (time.monotonic), for the heartbeat.
        self.last_activity = time.monotonic()

    async def run(self) -> None:
        """Poll until stopped; raises InvalidToken if Telegram refuses the token."""
        delay = 0.0
        while not self._stopping.is_set():
            await self._wait(self._intake.wait_for_room(self._max_in_flight))
            if self._stopping.is_set():
                break
            self._intake.advanced.clear()
            offset = self._intake.tracker.offset
            try:
                batch = await self._poll(offset)
            except Exception as error:
                wait = retry_delay(error, delay)
                if wait is None:
                    log.error("Telegram refused the token; polling stops")
                    raise
                self._beat()
                if not isinstance(error, TelegramError):
                    log.critical("could not read updates from Telegram", exc_info=error)
                elif not isinstance(error, TimedOut):
                    log.warning("getUpdates failed (%s); retrying in %.1f s", error, wait)
                delay = wait
                await self._wait(self._sleep(wait))
                continue
            delay = 0.0
            self._beat()
            if batch is None:
                continue  # cut short: poll again with the offset that moved
            if offset is not None:
                self.acknowledged = offset
                self._intake.tracker.acknowledged(offset)
            await self._take(batch)

    async def stop(self) -> None:
        """Stop polling (a long poll in progress is abandoned)."""
        self._stopping.set()

    async def confirm(self, timeout: float) -> None:
        """Tell Telegram what was handled since the last poll (a short call, at stop)."""
        offset = self._intake.tracker.offset
        if offset is None or offset == self.acknowledged or timeout <= 0:
            return
        try:
            await asyncio.wait_for(
                self._bot.get_updates(
                    offset=offset, limit=1, timeout=0, allowed_updates=self._allowed
                ),
                timeout,
            )
        except (TelegramError, TimeoutError) as error:
            log.warning("could not confirm handled updates at stop (%s); they come again", error)
            return
        self.acknowledged = offset

    async def _poll(self, offset: int | None) -> tuple[Update, ...] | None:
        """One getUpdates; None if it was abandoned to confirm sooner or to stop."""
        poll = asyncio.ensure_future(
            self._bot.get_updates(
                offset=offset,
                limit=POLL_LIMIT,
                timeout=self._timeout,
                allowed_updates=self._allowed,
            )
        )
        advanced = asyncio.ensure_future(self._intake.advanced.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({poll, advanced, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not poll.done() and not self._stopping.is_set():
                # Handled updates can be confirmed: give others a moment to finish too, then
                # start a poll with the new offset instead of waiting out this long poll.
                await asyncio.wait({poll, stopping}, timeout=self._confirm_delay)
            if poll.done():
                return poll.result()
            return None
        finally:
            for future in (poll, advanced, stopping):
                future.cancel()
            # Let an abandoned call close its connection before the next one starts.
            await asyncio.wait({poll})
            if not poll.cancelled():
                poll.exception()  # retrieved here, or raised by result() above

    async def _take(self, batch: Sequence[Update]) -> None:
        fresh = sum(1 for update in batch if self._intake.submit(update))
        if after_poll(fresh, len(batch) - fresh) == "go":
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wait(self._intake.advanced.wait()), self._park_after)
        if not (self._intake.advanced.is_set() or self._stopping.is_set()):
            await self._park_slow()

    async def _park_slow(self) -> None:
        if self._park is None:
            await self._wait(self._intake.advanced.wait())
            return
        bodies = self._intake.unparked_bodies()
        if not bodies:
            return
        try:
            await self._park(bodies)
        except Exception:
            log.exception("could not park %d slow update(s)", len(bodies))
            await self._wait(self._sleep(self._park_after))
            return
        self._intake.parked(list(bodies))

    async def _wait(self, awaitable: Awaitable[Any]) -> None:
        """Await something, returning early if polling stops."""
        task = asyncio.ensure_future(awaitable)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (task, stopping):
                if not future.done():
                    future.cancel()

    def _beat(self) -> None:
        self.last_activity = time.monotonic()
