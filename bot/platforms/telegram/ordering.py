"""Per-chat order, cross-chat concurrency for python-telegram-bot updates."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of one chat one after another and different chats side by side.

    The first update of an idle chat becomes that chat's worker and drains its queue;
    later updates of a busy chat only queue up, so they hold no concurrency slot while
    they wait and a flood in one chat cannot starve the others.
    """

    def __init__(
        self, key: Callable[[object], int | None], max_concurrent_updates: int = 256
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._key = key
        self._queues: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Queue the update behind its chat's earlier ones, or run it now."""
        key = self._key(update)
        if key is None:
            await coroutine
            return
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(coroutine)
            return
        queue = self._queues[key] = deque([coroutine])
        try:
            while queue:
                await _run(queue[0])
                queue.popleft()
        finally:
            del self._queues[key]
            for left in queue:
                if hasattr(left, "close"):
                    left.close()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    @property
    def busy_chats(self) -> int:
        """How many chats have updates in flight."""
        return len(self._queues)


async def _run(coroutine: Awaitable[Any]) -> None:
    try:
        await coroutine
    except Exception:
        log.exception("update processing failed")
