"""Who is new in a group: joins seen and messages counted since, in memory.

A member counts as new until every limit the group set has passed: ``seconds`` since they
joined and ``messages`` posted (a limit of 0 is not set). Members whose join this process
did not see are looked up once in the stored member records by the caller (``remember``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(slots=True)
class _Member:
    joined: float | None
    messages: int


class Newcomers:
    """Join times and message counts of recently seen members (bounded, oldest dropped)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._members: OrderedDict[tuple[int, int], _Member] = OrderedDict()

    def joined(self, chat_id: int, user_id: int, at: float) -> None:
        """A member joined (or rejoined): new from now on."""
        self._put((chat_id, user_id), _Member(at, 0))

    def remember(self, chat_id: int, user_id: int, joined: float | None, messages: int) -> None:
        """What the stored records say of a member this process has not seen join."""
        if (chat_id, user_id) not in self._members:
            self._put((chat_id, user_id), _Member(joined, messages))

    def known(self, chat_id: int, user_id: int) -> bool:
        """Whether anything is known of the member."""
        return (chat_id, user_id) in self._members

    def posted(self, chat_id: int, user_id: int) -> None:
        """Count a message of a known member."""
        member = self._members.get((chat_id, user_id))
        if member is not None:
            member.messages += 1

    def is_new(self, chat_id: int, user_id: int, now: float, seconds: int, messages: int) -> bool:
        """Whether the member is still new by the group's limits (unknown members are not)."""
        member = self._members.get((chat_id, user_id))
        if member is None or member.joined is None or not (seconds or messages):
            return False
        young = bool(seconds) and now - member.joined < seconds
        quiet = bool(messages) and member.messages < messages
        return young or quiet

    def _put(self, key: tuple[int, int], member: _Member) -> None:
        self._members[key] = member
        self._members.move_to_end(key)
        if len(self._members) > self._limit:
            self._members.popitem(last=False)
