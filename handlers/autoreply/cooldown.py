"""Per-rule cooldowns: a rule that just answered stays quiet for a while in that group."""

from __future__ import annotations

import time
from collections.abc import Callable

# Expired entries are swept once the table grows past this many.
SWEEP_AT = 10_000


class Cooldowns:
    """When each (group, rule) may answer again, in the clock's seconds. No I/O."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[tuple[int, int], float] = {}

    def __len__(self) -> int:
        return len(self._until)

    def ready(self, chat_id: int, rule_id: int) -> bool:
        """Whether the rule may answer in this group now."""
        until = self._until.get((chat_id, rule_id))
        return until is None or until <= self._clock()

    def start(self, chat_id: int, rule_id: int, seconds: float) -> None:
        """The rule just answered: keep it quiet for ``seconds``."""
        if seconds <= 0:
            return
        now = self._clock()
        if len(self._until) >= SWEEP_AT:
            self._until = {key: until for key, until in self._until.items() if until > now}
        self._until[(chat_id, rule_id)] = now + seconds
