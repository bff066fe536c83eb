"""Reading /award and /unaward arguments, and which week the weekly top 3 is for. No I/O.

BadgeError keys (catalog ``badges.<key>``) and their values:

- ``usage``: ``command``.
- ``name_too_long``: ``length``, ``limit``.
- ``bad_name``: ``name`` (cut to 20 characters).
- ``reason_too_long``: ``length``, ``limit``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MAX_SHOWN = 20


class BadgeError(ValueError):
    """Unusable input; ``key`` names the catalog sentence (badges.*)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class AwardArgs:
    """A badge name and the reason given (empty: none)."""

    code: str
    reason: str


def parse_award(text: str, command: str, max_name: int, max_reason: int) -> AwardArgs:
    """``<badge> [reason]``: the badge one word (width-folded, ASCII lower-cased), then why."""
    parts = unicodedata.normalize("NFKC", text).split(maxsplit=1)
    if not parts:
        raise BadgeError("usage", command=command)
    code = parts[0].lower()
    if len(code) > max_name:
        raise BadgeError("name_too_long", length=len(code), limit=max_name)
    if not all(ch.isalnum() or ch in "_-" for ch in code):
        raise BadgeError("bad_name", name=code[:MAX_SHOWN])
    reason = " ".join(parts[1].split()) if len(parts) > 1 else ""
    if len(reason) > max_reason:
        raise BadgeError("reason_too_long", length=len(reason), limit=max_reason)
    return AwardArgs(code, reason)


def week_start(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def last_full_week(today: date) -> date:
    """The Monday of the last week that has ended by ``today`` (the week before this one)."""
    return week_start(today) - timedelta(days=7)
