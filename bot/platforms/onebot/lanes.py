"""Per-chat order, cross-chat concurrency for the events of one OneBot connection.

One connection carries every group's events. Handled one after another, each wait of one
event (a ``get_msg`` round trip, a database commit) would hold up every other group; in
lanes, a chat's events still run strictly in arrival order while different chats run side
by side, as the Telegram platform's per-chat update processor does.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
#: At most this many chats' events are handled at once (as Telegram's update processor).
MOST_AT_ONCE = 256


class Lanes(Generic[Item]):
    """Runs ``handle`` on items of one key in order and on different keys side by side.

    The first item of an idle key starts that key's worker, which drains the key's queue;
    later items of a busy key only queue up. A failing ``handle`` is logged and the lane
    goes on.
    """

    def __init__(
        self, handle: Callable[[Item], Awaitable[None]], most_at_once: int = MOST_AT_ONCE
    ) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(most_at_once)
        self._queues: dict[Hashable, deque[Item]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> int:
        """How many keys have items queued or running."""
        return len(self._queues)

    def put(self, key: Hashable, item: Item) -> None:
        """Queue an item behind the earlier ones of its key."""
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(item)
            return
        self._queues[key] = deque([item])
        worker = asyncio.create_task(self._drain(key))
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                async with self._slots:
                    await self._run(queue[0])
                queue.popleft()
        finally:
            del self._queues[key]

    async def _run(self, item: Item) -> None:
        try:
            await self._handle(item)
        except Exception:
            log.exception("onebot: handling an event failed")

    async def close(self) -> None:
        """Wait until every queued item is handled; cancelled, cancel what still runs."""
        try:
            while self._workers:
                await asyncio.wait(set(self._workers))
        except asyncio.CancelledError:
            self.cancel()
            raise

    def cancel(self) -> None:
        """Cancel every lane: what runs is cancelled, what waits is dropped."""
        for worker in self._workers:
            worker.cancel()
