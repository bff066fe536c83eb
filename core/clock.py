"""Clock times as people type them: ``9:00``, ``09:00``, ``21:30``, or with a full-width ``：``.

The one HH:MM reader of the bot: 24-hour, two-digit minutes, any decimal digits (``１２:００``
too, as both old readers took); ``24:00`` is not a time. ``CLOCK_PATTERN`` is the same form,
for callers that find a time inside longer text.
"""

from __future__ import annotations

import re
from datetime import time

CLOCK_PATTERN = r"\d{1,2}[:：]\d{2}"
_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")


def parse_clock(text: str) -> time | None:
    """A 24-hour ``HH:MM`` (surrounding spaces ignored) as a time; None if it is not one."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))
