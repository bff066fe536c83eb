"""Usernames of the people seen in each group: an @mention of one of them is a person,
any other @name may be a channel, a group or a bot (and counts as a link).

Read once per group from the stored member records, then kept up to date from the
messages and joins this process sees. Bounded: the least recently used groups go first.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import select

from storage.models import MemberRow
from storage.unit import UnitOfWork

MAX_NAMES_PER_GROUP = 100_000


class People:
    """Known member usernames per group (lowercase, without the @)."""

    def __init__(self, groups: int = 1_000) -> None:
        self._groups = groups
        self._loaded: OrderedDict[int, set[str]] = OrderedDict()
        self._seen: dict[int, set[str]] = {}
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
            if len(self._seen) > self._groups:
                # Names of groups never asked about are only a head start: drop the oldest.
                del self._seen[next(iter(self._seen))]
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
            if len(self._loaded) > self._groups:
                self._loaded.popitem(last=False)
        else:
            self._loaded.move_to_end(chat_id)
        return names
