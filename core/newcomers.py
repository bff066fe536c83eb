"""Who is new in a group: joins seen and messages counted since, in memory, no I/O.

One tracker for every feature that treats newcomers differently (moderation's newcomer
check, the spam filter's scope). Each feature keeps its own instance, bounded: the least
recently used members go first. Members whose join this process did not see are filled in
once from the stored member records by the caller (``remember``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache


@dataclass(slots=True)
class Newcomer:
    """What is known of one member in one group."""

    joined_at: datetime | None  # None: the join was never seen nor stored
    messages: int


class Newcomers:
    """Join times and message counts per (group, member), bounded in memory."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._items: LRUCache[tuple[int, int], Newcomer] = LRUCache(maxsize=limit)

    def get(self, chat_id: int, user_id: int) -> Newcomer | None:
        """The member's record, if known."""
        return self._items.get((chat_id, user_id))

    def put(self, chat_id: int, user_id: int, item: Newcomer) -> Newcomer:
        """Remember a member (the least recently used go when full)."""
        self._items[(chat_id, user_id)] = item
        return item

    def joined(self, chat_id: int, user_id: int, when: datetime) -> None:
        """A member joined (or rejoined): a fresh start."""
        self.put(chat_id, user_id, Newcomer(when, 0))

    def remember(
        self, chat_id: int, user_id: int, joined: datetime | None, messages: int
    ) -> Newcomer:
        """What the stored records say of a member, unless something is known already."""
        known = self.get(chat_id, user_id)
        return (
            known if known is not None else self.put(chat_id, user_id, Newcomer(joined, messages))
        )

    def known(self, chat_id: int, user_id: int) -> bool:
        """Whether anything is known of the member."""
        return (chat_id, user_id) in self._items

    def posted(self, chat_id: int, user_id: int) -> None:
        """Count a message of a known member."""
        member = self._items.get((chat_id, user_id))
        if member is not None:
            member.messages += 1

    def is_new(
        self, chat_id: int, user_id: int, now: datetime, seconds: int, messages: int
    ) -> bool:
        """Whether the member is still new by the limits (0: not set; unknown members are not)."""
        member = self._items.get((chat_id, user_id))
        if member is None or member.joined_at is None or not (seconds or messages):
            return False
        young = bool(seconds) and (now - member.joined_at).total_seconds() < seconds
        quiet = bool(messages) and member.messages < messages
        return young or quiet
