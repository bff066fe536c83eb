"""Usernames of the people seen in each group: an @mention of one of them is a person,
any other @name may be a channel, a group or a bot (and counts as a link).

Read once per group from the stored member records, then kept up to date from the
messages and joins this process sees. Bounded: the least recently used groups go first.
"""

from __future__ import annotations

from cachetools import FIFOCache, LRUCache
from sqlalchemy import select

from storage.models import MemberRow
from storage.unit import UnitOfWork

MAX_NAMES_PER_GROUP = 100_000


class People:
    """Known member usernames per group (lowercase, without the @)."""

    def __init__(self, groups: int = 1_000) -> None:
        self._loaded: LRUCache[int, set[str]] = LRUCache(maxsize=groups)
        # Names of groups never asked about are only a head start: the oldest go first.
        self._seen: FIFOCache[int, set[str]] = FIFOCache(maxsize=groups)
        self._always: set[str] = set()

    def always(self, username: str) -> None:
        """A name that is never a link (the bot's own)."""
        self._always.add(username.lower())

    def saw(self, chat_id: int, username: str | None) -> None:
        """A member with this username posted or joined."""
        if not username:
            return
        names = self._loaded.get(chat_id)
        if names is None:
            names = self._seen.setdefault(chat_id, set())
        if len(names) < MAX_NAMES_PER_GROUP:
            names.add(username.lower())

    async def names(self, uow: UnitOfWork, chat_id: int) -> set[str]:
        """Every username known in the group (read from the records the first time)."""
        names = self._loaded.get(chat_id)
        if names is None:
            session = await uow.session()
            query = select(MemberRow.username).where(
                MemberRow.chat_id == chat_id, MemberRow.username.is_not(None)
            )
            names = {name.lower() for name in await session.scalars(query) if name}
            names |= self._seen.pop(chat_id, set())
            names |= self._always
            self._loaded[chat_id] = names
        return names
