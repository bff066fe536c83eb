"""What the activity flush stores for statistics: per member and local day, per local hour.

Filled by ``handlers.activity.ActivityTracker`` next to its own buffer and drained by the same
flush, so statistics share the one tracking mechanism. Counts only, never message contents.
No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from storage.stats import MemberDayCount


@dataclass(slots=True)
class MemberDay:
    """One member's doings in a group on one local day, since the last flush."""

    messages: int = 0
    joined: bool = False
    left: bool = False


@dataclass(slots=True)
class StatsBatch:
    """Everything drained at one flush."""

    members: dict[tuple[int, date, int], MemberDay] = field(default_factory=dict)
    hours: dict[tuple[int, date, int], int] = field(default_factory=dict)

    def days(self) -> set[tuple[int, date]]:
        """The (group, day) pairs whose daily figures need rolling up again."""
        return {(chat_id, day) for chat_id, day, _ in self.members}

    def __bool__(self) -> bool:
        return bool(self.members or self.hours)


class StatsBuffer:
    """Counts since the last flush, keyed by group, local day and member or hour."""

    def __init__(self) -> None:
        self._batch = StatsBatch()

    def __len__(self) -> int:
        return len(self._batch.members)

    def _member(self, chat_id: int, day: date, user_id: int) -> MemberDay:
        key = (chat_id, day, user_id)
        item = self._batch.members.get(key)
        if item is None:
            item = self._batch.members[key] = MemberDay()
        return item

    def message(self, chat_id: int, user_id: int, local: datetime) -> None:
        """A member posted at ``local`` (the group's local time)."""
        day = local.date()
        self._member(chat_id, day, user_id).messages += 1
        hours = self._batch.hours
        key = (chat_id, day, local.hour)
        hours[key] = hours.get(key, 0) + 1

    def joined(self, chat_id: int, user_id: int, day: date) -> None:
        """A member joined on a local day (marking it again changes nothing)."""
        self._member(chat_id, day, user_id).joined = True

    def left(self, chat_id: int, user_id: int, day: date) -> None:
        """A member left on a local day."""
        self._member(chat_id, day, user_id).left = True

    def drain(self) -> StatsBatch:
        """Take everything collected so far."""
        batch, self._batch = self._batch, StatsBatch()
        return batch


def batch_rows(batch: StatsBatch) -> tuple[list[MemberDayCount], list[tuple[int, date, int, int]]]:
    """A drained batch as the repository stores it."""
    members = [
        MemberDayCount(chat_id, day, user_id, item.messages, item.joined, item.left)
        for (chat_id, day, user_id), item in batch.members.items()
    ]
    hours = [(chat_id, day, hour, n) for (chat_id, day, hour), n in batch.hours.items()]
    return members, hours
