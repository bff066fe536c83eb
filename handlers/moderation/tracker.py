"""What the engine remembers between messages: recent message times and texts.

Memory only (a restart forgets, which is fine for windows of seconds to minutes), bounded
per group (the least recently active members are dropped first), and driven by the
caller's clock (``now`` in seconds), so tests control time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from cachetools import LRUCache

# Texts shorter than this (after normalising) are not compared: "ok", "好的", "+1".
MIN_REPEAT_CHARS = 6
# A member's remembered texts are pruned of expired ones once there are more than this.
PRUNE_TEXTS = 16


@dataclass(slots=True)
class Recent:
    """A member's recent message times and texts."""

    times: deque[float] = field(default_factory=deque)
    # normalised text -> times it was posted (within the repeat window)
    texts: dict[str, deque[float]] = field(default_factory=dict)


@dataclass(slots=True)
class _Group:
    # member id -> what is remembered; the least recently active go first
    members: LRUCache[int, Recent]
    # normalised text -> {new member id: last time}: the same text from several newcomers
    waves: dict[str, dict[int, float]] = field(default_factory=dict)


class Tracker:
    """Recent activity per group and member, for the flood and repeat checks."""

    def __init__(self, members_per_group: int = 5_000, repeat_window: float = 600.0) -> None:
        self._limit = members_per_group
        self._repeat_window = repeat_window
        self._groups: dict[int, _Group] = {}

    def member(self, chat_id: int, user_id: int) -> Recent:
        """What is remembered of a member (created on first sight)."""
        group = self._group(chat_id)
        member = group.members.get(user_id)
        if member is None:
            member = group.members[user_id] = Recent()
        return member

    def _group(self, chat_id: int) -> _Group:
        """What is remembered of a group (created on first sight)."""
        group = self._groups.get(chat_id)
        if group is None:
            group = self._groups[chat_id] = _Group(LRUCache(maxsize=self._limit))
        return group

    @staticmethod
    def flood(member: Recent, now: float, window: float) -> int:
        """Count this message; how many the member sent in the last ``window`` seconds."""
        times = member.times
        times.append(now)
        horizon = now - window
        while times[0] <= horizon:
            times.popleft()
        return len(times)

    def repeats(self, member: Recent, key: str, now: float) -> int:
        """Count this text; how often the member posted it within the repeat window."""
        if len(key) < MIN_REPEAT_CHARS:
            return 1
        horizon = now - self._repeat_window
        texts = member.texts
        if len(texts) > PRUNE_TEXTS:
            for old in [k for k, t in texts.items() if t[-1] <= horizon]:
                del texts[old]
        times = texts.get(key)
        if times is None:
            times = texts[key] = deque()
        times.append(now)
        while times[0] <= horizon:
            times.popleft()
        return len(times)

    def wave(self, chat_id: int, user_id: int, key: str, now: float) -> int:
        """Count this new member's text; return how many new members posted it lately."""
        if len(key) < MIN_REPEAT_CHARS:
            return 1
        group = self._group(chat_id)
        horizon = now - self._repeat_window
        if len(group.waves) > self._limit:
            for old in [k for k, s in group.waves.items() if max(s.values()) <= horizon]:
                del group.waves[old]
            while len(group.waves) > self._limit * 3 // 4:
                # Still too many texts within the window: the oldest go first (to 3/4 of
                # the limit, so the next messages do not scan them all again).
                del group.waves[next(iter(group.waves))]
        senders = group.waves.setdefault(key, {})
        senders[user_id] = now
        for sender in [s for s, t in senders.items() if t <= horizon]:
            del senders[sender]
        return len(senders)
