"""Who may do what: the rules as plain functions, and a cache of each group's admins."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Literal

from core.chat import ChatActionError

log = logging.getLogger(__name__)


def is_admin_sender(
    user_id: int,
    chat_id: int,
    *,
    sender_chat_id: int | None,
    admin_ids: Collection[int],
    owner_ids: Collection[int],
) -> bool:
    """True if the sender counts as an admin of the chat.

    Bot owners always do; an anonymous admin posts as the group itself.
    A channel posting into the group is not an admin even if linked.
    """
    if user_id in owner_ids:
        return True
    if sender_chat_id is not None:
        return sender_chat_id == chat_id
    return user_id in admin_ids


def may_run(admin_only: bool, caller_is_admin: bool) -> bool:
    """Whether a caller may run a command."""
    return caller_is_admin or not admin_only


AdminFetcher = Callable[[int], Awaitable[frozenset[int]]]
Step = Literal["cached", "fetch", "fallback"]

# After a failed admin-list fetch, wait this long before fetching again, twice as long
# after each further failure, at most ADMIN_RETRY_MOST: a chat whose lookups fail is not
# asked again on every message, and is asked again soon once Telegram answers.
ADMIN_RETRY_FIRST = 2.0
ADMIN_RETRY_MOST = 60.0


@dataclass(frozen=True, slots=True)
class AdminEntry:
    """What is known of one chat's admins: the last good list, and the failures since it."""

    admins: frozenset[int] | None = None
    fresh_until: float = -math.inf
    failures: int = 0
    retry_at: float = -math.inf


def next_step(entry: AdminEntry | None, now: float) -> Step:
    """Serve the cached list, fetch it, or (a fetch failed a moment ago) do without it."""
    if entry is None:
        return "fetch"
    if entry.admins is not None and entry.fresh_until > now:
        return "cached"
    return "fallback" if entry.retry_at > now else "fetch"


def after_success(admins: frozenset[int], now: float, ttl: float) -> AdminEntry:
    """The entry after a good answer: fresh for ``ttl``, failures forgotten."""
    return AdminEntry(admins, now + ttl)


def after_failure(
    entry: AdminEntry | None,
    now: float,
    first: float = ADMIN_RETRY_FIRST,
    most: float = ADMIN_RETRY_MOST,
) -> AdminEntry:
    """The entry after a failed fetch: the last good list kept, the next fetch put off."""
    failures = (entry.failures if entry else 0) + 1
    wait = min(first * 2 ** (failures - 1), most)
    return AdminEntry(entry.admins if entry else None, -math.inf, failures, now + wait)


class AdminCache:
    """Each chat's admin ids, fetched once per TTL and dropped when admins change.

    A failed fetch is never cached as "no admins": the last good list is served meanwhile
    (or none, when there is none), and the fetch is tried again after a short, growing
    pause (``after_failure``).
    """

    def __init__(
        self,
        fetch: AdminFetcher,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[int, AdminEntry] = {}

    async def lookup(self, chat_id: int) -> frozenset[int] | None:
        """The chat's admins (fresh, or the last good list while lookups fail); None if
        they cannot be had now."""
        entry = self._entries.get(chat_id)
        now = self._clock()
        step = next_step(entry, now)
        if step == "cached" and entry is not None:
            return entry.admins
        if step == "fallback":
            return entry.admins if entry is not None else None
        try:
            admins = await self._fetch(chat_id)
        except ChatActionError as error:
            entry = after_failure(self._entries.get(chat_id), self._clock())
            self._entries[chat_id] = entry
            log.warning(
                "admins of %s unknown (%s); asking again in %.0fs",
                chat_id,
                error,
                entry.retry_at - self._clock(),
            )
            return entry.admins
        self._entries[chat_id] = after_success(admins, now, self._ttl)
        return admins

    async def get(self, chat_id: int) -> frozenset[int]:
        """The chat's admins as best known: empty when they cannot be had now (so never
        read an empty set as "the group has no admins"; use ``lookup`` to tell)."""
        return await self.lookup(chat_id) or frozenset()

    def invalidate(self, chat_id: int) -> None:
        """Forget a chat's admins so the next check fetches them again."""
        self._entries.pop(chat_id, None)
