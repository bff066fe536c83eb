"""Who may do what: the rules as plain functions, and a cache of each group's admins."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection

# Telegram posts messages of anonymous group admins as this user, with sender_chat = the group.
ANONYMOUS_ADMIN_ID = 1087968824


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


class AdminCache:
    """Each chat's admin ids, fetched once per TTL and dropped when admins change."""

    def __init__(
        self,
        fetch: AdminFetcher,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[int, tuple[float, frozenset[int]]] = {}

    async def get(self, chat_id: int) -> frozenset[int]:
        """The chat's admins, from the cache while it is fresh."""
        entry = self._entries.get(chat_id)
        now = self._clock()
        if entry is not None and entry[0] > now:
            return entry[1]
        admins = await self._fetch(chat_id)
        self._entries[chat_id] = (now + self._ttl, admins)
        return admins

    def invalidate(self, chat_id: int) -> None:
        """Forget a chat's admins so the next check fetches them again."""
        self._entries.pop(chat_id, None)
