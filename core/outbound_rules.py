"""Outgoing messages of one chat: which goes next, whether it may go now, what merges. No I/O.

Telegram lets a bot send about 20 messages a minute to one group. The budget here is a
sliding window: at most ``messages`` sends in any ``window`` seconds. Awaited sends (NORMAL:
captchas, welcomes, scheduled posts) may use the whole budget; queued replies (LOW) leave
``reserve`` messages of it free, so a captcha never waits behind a minute of replies.
Enforcement (URGENT) is not a message and never counts.

Order: a chat's messages go in the order they were asked for while the budget allows; only
when queued replies are out of budget does an awaited send overtake them. When a chat's
queue is long, queued replies with the same merge key become one message.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from core.chat import Keyboard
from core.text import Text

#: Telegram's limit on the text of one message.
TEXT_LIMIT = 4096
_LINES = Text("\n")


class Priority(IntEnum):
    """How a platform call is treated by the outbound queue."""

    URGENT = 0  # enforcement: passed straight through, never counted
    NORMAL = 1  # awaited sends whose caller needs the message id
    LOW = 2  # queued replies: the caller does not wait


@dataclass(frozen=True, slots=True)
class Merge:
    """How a queued reply may be merged with others of the same ``key`` in its chat.

    ``part`` is the reply's share of a merged message (its text if None); ``combine`` turns
    the parts of several replies into one text (the lines joined if None).
    """

    key: Hashable
    part: Any = None
    combine: Callable[[Sequence[Any]], Text | str] | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    """A chat's message budget and when its queued replies merge."""

    messages: int = 20
    window: float = 60.0
    reserve: int = 3
    merge_from: int = 5
    text_limit: int = TEXT_LIMIT

    def allowed(self, priority: Priority) -> int:
        """How many sends in the window a message of this priority may find before it."""
        if priority is Priority.LOW:
            return max(self.messages - self.reserve, 0)
        return self.messages


@dataclass(eq=False, slots=True)
class Pending:
    """One message waiting in a chat's queue; ``job`` is whatever the sender needs to run it."""

    priority: Priority
    text: Text | str = ""
    reply_to: int | None = None
    buttons: Keyboard | None = None
    merge: Merge | None = None
    job: Any = None


class SendWindow:
    """When a chat's recent messages were sent, to count them in a sliding window."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._times: deque[float] = deque()

    def record(self, at: float) -> None:
        """One message was sent at ``at`` (times only grow)."""
        self._times.append(at)

    def used(self, now: float) -> int:
        """Messages sent within the window ending now."""
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        return len(self._times)

    def free_at(self, now: float, allowed: int) -> float:
        """The earliest time at which fewer than ``allowed`` sends lie in the window."""
        used = self.used(now)
        if used < allowed:
            return now
        if allowed <= 0:
            return float("inf")
        # Once the (used - allowed + 1) oldest sends have left the window, one slot is free.
        return self._times[used - allowed] + self.seconds


@dataclass(frozen=True, slots=True)
class Send:
    """Send these queued messages now, as one message with this text."""

    items: tuple[Pending, ...]
    text: Text | str

    @property
    def merged(self) -> bool:
        """Whether several replies became one message."""
        return len(self.items) > 1


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing may go before ``until`` (unless something new arrives)."""

    until: float


def pick(pending: Sequence[Pending], used: int, budget: Budget) -> Pending | None:
    """The message to send next, given ``used`` sends in the window; None if none may go.

    The oldest message goes if its budget allows; otherwise (queued replies out of budget)
    the oldest awaited send goes if the reserve allows.
    """
    if not pending:
        return None
    head = pending[0]
    if used < budget.allowed(head.priority):
        return head
    if used < budget.allowed(Priority.NORMAL):
        return next((item for item in pending if item.priority is Priority.NORMAL), None)
    return None


def merge_batch(
    pending: Sequence[Pending], head: Pending, budget: Budget, *, draining: bool = False
) -> Send:
    """``head`` and, when the queue is long, the queued replies that merge with it.

    Mergeable: queued replies without buttons whose merge key equals the head's, taken in
    order while the merged text stays within the text limit. Draining for shutdown merges
    whatever it can, however short the queue.
    """
    threshold = 2 if draining else budget.merge_from
    if (
        head.priority is not Priority.LOW
        or head.merge is None
        or head.buttons
        or len(pending) < threshold
    ):
        return Send((head,), head.text)
    key = head.merge.key
    group = [head] + [
        item
        for item in pending
        if item is not head
        and item.priority is Priority.LOW
        and not item.buttons
        and item.merge is not None
        and item.merge.key == key
    ]
    if len(group) < 2:
        return Send((head,), head.text)
    # The text grows with every reply added: find the longest prefix that fits.
    low, high = 1, len(group)
    while low < high:
        middle = (low + high + 1) // 2
        if len(merged_text(group[:middle])) <= budget.text_limit:
            low = middle
        else:
            high = middle - 1
    chosen = tuple(group[:low])
    return Send(chosen, merged_text(chosen))


def merged_text(items: Sequence[Pending]) -> Text | str:
    """The text of several replies as one message (one reply: its own text)."""
    if len(items) == 1:
        return items[0].text
    merge = items[0].merge
    parts = [
        item.merge.part if item.merge and item.merge.part is not None else item.text
        for item in items
    ]
    if merge is not None and merge.combine is not None:
        return merge.combine(parts)
    return _LINES.join(part if isinstance(part, Text | str) else str(part) for part in parts)


def next_step(
    pending: Sequence[Pending],
    window: SendWindow,
    now: float,
    budget: Budget,
    *,
    draining: bool = False,
) -> Send | Wait | None:
    """What a chat's sender does now: send (possibly merged), wait until a time, or nothing."""
    if not pending:
        return None
    used = window.used(now)
    head = pick(pending, used, budget)
    if head is not None:
        return merge_batch(pending, head, budget, draining=draining)
    priorities = {item.priority for item in pending}
    return Wait(min(window.free_at(now, budget.allowed(p)) for p in priorities))
