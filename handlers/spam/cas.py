"""CAS verdicts for newcomers, remembered for a while; the HTTP client is injected."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from cachetools import TTLCache


class CasLookup(Protocol):
    """What the spam filter needs of a CAS client (``bot.cas.CasClient``)."""

    async def is_banned(self, user_id: int) -> bool | None:
        """True if listed, False if not, None if unknown."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class CasCache:
    """Asks CAS at most once per user per ``ttl`` seconds; failures are not remembered."""

    def __init__(
        self,
        lookup: CasLookup,
        ttl: float,
        *,
        limit: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self.limit = limit
        self.clock = clock
        self._known: TTLCache[int, bool] = TTLCache(maxsize=limit, ttl=ttl, timer=clock)

    async def is_banned(self, user_id: int) -> bool | None:
        """The remembered or freshly looked-up verdict; None when CAS could not say."""
        known = self._known.get(user_id)
        if known is not None:
            return known
        answer = await self.lookup.is_banned(user_id)
        if answer is not None:
            self._known[user_id] = answer
        return answer

    async def close(self) -> None:
        """Close the client."""
        await self.lookup.close()
