"""The outbound queue: a ChatPort wrapper with per-chat budgets and priorities.

``QueuedPort`` wraps any ChatPort (Telegram, OneBot, a test fake):

- URGENT, enforcement (``delete``, ``mute``, ``unmute``, ``ban``, ``kick``, ``unban``,
  ``approve_join``, ``decline_join``): called at once, never behind messages, not counted
  in any budget (Telegram's per-group limit is on messages sent).
- NORMAL, awaited sends (``send``, ``post``, ``copy``, ``send_photo``, ``send_file``): the
  caller waits for the message id; they go in order with the chat's other messages while
  the budget allows, and ahead of queued replies that are out of budget (a reserve of each
  window is kept for them).
- LOW, ``enqueue``: a reply the caller does not wait for; sent in order as the budget
  allows, merged with same-key replies when the chat's queue is long.

Every other ChatPort method (``edit``, ``pin``, ``admins``, ``answer_button``, lookups, and
whatever is added to ChatPort later) passes through unchanged via ``__getattr__``.

One sender task per chat with messages waiting sends them one at a time; it ends when the
chat's queue is empty. ``drain`` is for shutdown. The decisions are in ``core.outbound_rules``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from core.chat import ChatActionError, ChatPort, Keyboard
from core.config import OutboundConfig
from core.outbound_rules import Budget, Merge, Pending, Priority, Send, SendWindow, Wait, next_step
from core.text import Text

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Lanes kept before idle ones are swept out (grows with the number of busy chats).
SWEEP_FROM = 1024


@dataclass(eq=False)
class _Job:
    """An awaited send: the call to make and the caller's future."""

    call: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any]
    on_drop: Callable[[], Any]

    def drop(self) -> None:
        """The send will not happen (shutdown): answer the caller like a failed send."""
        if self.future.done():
            return
        try:
            self.future.set_result(self.on_drop())
        except ChatActionError as error:
            self.future.set_exception(error)


@dataclass(eq=False)
class _Lane:
    """One chat's queue, its recent sends and its sender task."""

    window: SendWindow
    pending: list[Pending] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


@dataclass
class OutboundStats:
    """What the queue did so far (for benchmarks, logs and tests)."""

    messages: int = 0
    replies: int = 0
    merged_replies: int = 0
    dropped: int = 0


def _drop_send() -> None:
    return None


def _drop_post() -> Any:
    raise ChatActionError("failed", "the bot is shutting down")


class QueuedPort:
    """A ChatPort with per-chat outbound queues, budgets and priorities (see the module)."""

    def __init__(
        self,
        port: ChatPort,
        budget: Budget | None = None,
        *,
        max_queued: int = 1_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.inner = port
        self.budget = budget or Budget()
        self.max_queued = max_queued
        self.stats = OutboundStats()
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[int, _Lane] = {}
        self._sweep_at = SWEEP_FROM
        self._draining = False
        self._closed = False
        self._refused = 0

    def __getattr__(self, name: str) -> Any:
        """Every ChatPort method not rate-controlled here is the wrapped port's own."""
        # Only reached for names this class does not define; "inner" is always set first.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    # ------------------------------------------------------------------ URGENT

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message at once."""
        return await self.inner.delete(chat_id, message_id)

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Mute a member at once."""
        await self.inner.mute(chat_id, user_id, until)

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Lift a mute at once."""
        await self.inner.unmute(chat_id, user_id)

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Ban a member at once."""
        await self.inner.ban(chat_id, user_id, until)

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member at once."""
        await self.inner.kick(chat_id, user_id)

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban at once."""
        await self.inner.unban(chat_id, user_id)

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Accept a join request at once."""
        await self.inner.approve_join(chat_id, user_id, reference)

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Turn a join request down at once."""
        await self.inner.decline_join(chat_id, user_id, reference)

    # ------------------------------------------------------------------ NORMAL

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a message within the chat's budget; its id, or None if it was not sent."""
        return await self._awaited(
            chat_id,
            lambda: self.inner.send(chat_id, text, reply_to=reply_to, buttons=buttons),
            _drop_send,
        )

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Post a message within the chat's budget; raise ChatActionError like the port."""
        return await self._awaited(chat_id, lambda: self.inner.post(chat_id, text), _drop_post)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Copy a message within the chat's budget; raise ChatActionError like the port."""
        return await self._awaited(
            chat_id, lambda: self.inner.copy(chat_id, from_chat_id, message_id), _drop_post
        )

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Post an image within the chat's budget."""
        return await self._awaited(
            chat_id, lambda: self.inner.send_photo(chat_id, photo, caption), _drop_send
        )

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post a document within the chat's budget."""
        return await self._awaited(
            chat_id,
            lambda: self.inner.send_file(chat_id, data, filename, caption, reply_to=reply_to),
            _drop_send,
        )

    async def _awaited(
        self, chat_id: int, call: Callable[[], Awaitable[T]], on_drop: Callable[[], Any]
    ) -> T:
        if self._closed:
            # After shutdown's drain nothing is queued any more: straight through.
            return await call()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        item = Pending(Priority.NORMAL, job=_Job(call, future, on_drop))
        lane = self._lane(chat_id)
        lane.pending.append(item)
        self._start(chat_id, lane)
        try:
            return await future
        except asyncio.CancelledError:
            # The caller gave up: a send still waiting is withdrawn (one in flight goes on).
            with contextlib.suppress(ValueError):
                lane.pending.remove(item)
            raise

    # ------------------------------------------------------------------ LOW

    def enqueue(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
        merge: Merge | None = None,
    ) -> None:
        """Queue a reply and return at once; it is sent as the chat's budget allows.

        When the chat's queue is long, replies with the same ``merge`` key become one
        message. Once shutdown's ``drain`` has begun, new replies are refused (counted).
        """
        if self._draining or self._closed:
            self._refused += 1
            log.debug("reply to %s refused: the bot is shutting down", chat_id)
            return
        lane = self._lane(chat_id)
        if len(lane.pending) >= self.max_queued:
            self._drop_oldest_reply(chat_id, lane)
        lane.pending.append(Pending(Priority.LOW, text, reply_to, buttons, merge))
        self._start(chat_id, lane)

    def _drop_oldest_reply(self, chat_id: int, lane: _Lane) -> None:
        oldest = next((p for p in lane.pending if p.priority is Priority.LOW), None)
        if oldest is not None:
            lane.pending.remove(oldest)
            self.stats.dropped += 1
            log.warning(
                "chat %s has %d messages queued: dropped its oldest reply",
                chat_id,
                len(lane.pending) + 1,
            )

    # ------------------------------------------------------------------ shutdown

    async def drain(self, timeout: float) -> int:
        """Stop taking replies, send what is pending within ``timeout`` seconds, drop the rest.

        Awaited sends go first, then queued replies (merged wherever they can be). Replies
        still queued at the deadline, and replies refused since the drain began, are
        dropped: that number is logged and returned. Awaited sends still waiting at the
        deadline fail as sends fail (None, or ChatActionError ``failed``).
        """
        self._draining = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        for lane in self._lanes.values():
            lane.wake.set()  # plan again: draining merges more
        while True:
            tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
            remaining = deadline - loop.time()
            if not tasks or remaining <= 0:
                break
            await asyncio.wait(tasks, timeout=remaining)
        dropped, self._refused = self._refused, 0
        stopped: list[asyncio.Task[None]] = []
        for lane in self._lanes.values():
            if lane.task is not None:
                lane.task.cancel()
                stopped.append(lane.task)
            for item in lane.pending:
                if item.priority is Priority.LOW:
                    dropped += 1
                else:
                    item.job.drop()
            lane.pending.clear()
        await asyncio.gather(*stopped, return_exceptions=True)
        self._closed = True
        self.stats.dropped += dropped
        if dropped:
            log.warning(
                "shutdown: dropped %d queued replies not sent within %.1f s", dropped, timeout
            )
        return dropped

    # ------------------------------------------------------------------ the senders

    def queued(self, chat_id: int) -> int:
        """How many messages wait in a chat's queue."""
        lane = self._lanes.get(chat_id)
        return len(lane.pending) if lane is not None else 0

    def _lane(self, chat_id: int) -> _Lane:
        lane = self._lanes.get(chat_id)
        if lane is None:
            if len(self._lanes) >= self._sweep_at:
                self._sweep()
            lane = self._lanes[chat_id] = _Lane(SendWindow(self.budget.window))
        return lane

    def _sweep(self) -> None:
        """Forget chats with nothing queued and no send left in their window."""
        now = self._clock()
        idle = [
            chat_id
            for chat_id, lane in self._lanes.items()
            if lane.task is None and not lane.pending and lane.window.used(now) == 0
        ]
        for chat_id in idle:
            del self._lanes[chat_id]
        self._sweep_at = max(SWEEP_FROM, 2 * len(self._lanes))

    def _start(self, chat_id: int, lane: _Lane) -> None:
        lane.wake.set()
        if lane.task is None:
            lane.task = asyncio.create_task(self._run(chat_id, lane), name=f"outbound:{chat_id}")

    async def _run(self, chat_id: int, lane: _Lane) -> None:
        """Send a chat's queue one message at a time, within its budget, until it is empty."""
        try:
            while lane.pending:
                now = self._clock()
                step = next_step(
                    lane.pending, lane.window, now, self.budget, draining=self._draining
                )
                if isinstance(step, Wait):
                    await self._pause(lane, step.until - now)
                elif isinstance(step, Send):
                    for item in step.items:
                        lane.pending.remove(item)
                    await self._deliver(chat_id, step)
                    # Counted when the answer came, so our window never ends before the
                    # platform's, which began when the request arrived.
                    lane.window.record(self._clock())
        finally:
            lane.task = None

    async def _pause(self, lane: _Lane, seconds: float) -> None:
        """Sleep until a slot frees, or until something new arrives in the chat."""
        lane.wake.clear()
        woken = asyncio.ensure_future(lane.wake.wait())
        # A slot always frees within one window (the settings keep the reserve below the
        # budget), so no sleep is longer.
        slept = asyncio.ensure_future(self._sleep(min(max(seconds, 0.0), self.budget.window)))
        try:
            await asyncio.wait({woken, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            slept.cancel()

    async def _deliver(self, chat_id: int, step: Send) -> None:
        self.stats.messages += 1
        head = step.items[0]
        if head.priority is not Priority.LOW:
            await self._run_job(head.job)
            return
        self.stats.replies += len(step.items)
        if step.merged:
            self.stats.merged_replies += len(step.items)
        reply_to = None if step.merged else head.reply_to
        buttons = None if step.merged else head.buttons
        try:
            await self.inner.send(chat_id, step.text, reply_to=reply_to, buttons=buttons)
        except Exception:  # a failing reply must not stop the chat's queue
            log.exception("queued reply to %s failed", chat_id)

    @staticmethod
    async def _run_job(job: _Job) -> None:
        try:
            result = await job.call()
        except asyncio.CancelledError:
            job.drop()
            raise
        except Exception as error:
            if not job.future.done():
                job.future.set_exception(error)
            return
        if not job.future.done():
            job.future.set_result(result)


async def reply_later(
    port: ChatPort,
    chat_id: int,
    text: Text | str,
    *,
    reply_to: int | None = None,
    buttons: Keyboard | None = None,
    merge: Merge | None = None,
) -> None:
    """Queue a reply on a QueuedPort; a port without a queue (a test fake) sends it now."""
    enqueue = getattr(port, "enqueue", None)
    if enqueue is None:
        await port.send(chat_id, text, reply_to=reply_to, buttons=buttons)
        return
    enqueue(chat_id, text, reply_to=reply_to, buttons=buttons, merge=merge)


def wrap_port(port: ChatPort, config: OutboundConfig) -> ChatPort:
    """The port behind an outbound queue built from the ``[outbound]`` settings."""
    if not config.enabled:
        return port
    budget = Budget(
        messages=config.chat_messages,
        window=config.window_seconds,
        reserve=config.normal_reserve,
        merge_from=config.merge_from,
    )
    queued: Any = QueuedPort(port, budget, max_queued=config.max_queued)
    return queued
