"""Challenge rules: reading /challenge, a member's progress, a window's state. No I/O.

ChallengeError keys (catalog ``challenges.<key>``) and their values:

- ``usage``: no values.
- ``unknown_kind``: ``kind`` (as typed, cut).
- ``bad_target``: ``value`` (as typed, cut), ``limit``.
- ``bad_window``: ``value`` (as typed, cut).
- ``window_past``: ``end``.
- ``window_too_long``: ``days``, ``limit``.
- ``target_beyond_window``: ``target``, ``days``.
- ``bad_option``: ``token`` (as typed, cut).
- ``bad_points``: ``value`` (as typed, cut), ``limit``.
- ``bad_badge``: ``name`` (as typed, cut).
- ``no_reward``: no values.

Days are calendar days in the group's time zone; the window includes both ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

CHECKIN_STREAK, MESSAGES = "checkin_streak", "messages"
KINDS: Mapping[str, str] = {
    "checkin_streak": CHECKIN_STREAK,
    "checkin": CHECKIN_STREAK,
    "streak": CHECKIN_STREAK,
    "签到": CHECKIN_STREAK,
    "连签": CHECKIN_STREAK,
    "messages": MESSAGES,
    "message": MESSAGES,
    "发言": MESSAGES,
    "消息": MESSAGES,
}
THIS_WEEK = frozenset({"week", "本周"})
MAX_SHOWN = 20
MAX_BADGE = 32
_DAY = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")
_WINDOW = re.compile(r"^(.+?)(?:\.\.|~)(.+)$")
_NUMBER = re.compile(r"^\d{1,9}$")


class ChallengeError(ValueError):
    """Unusable input; ``key`` names the catalog sentence (challenges.*)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Limits:
    """The configured bounds of a challenge."""

    max_days: int
    max_target: int
    max_points: int


@dataclass(frozen=True, slots=True)
class ChallengeSpec:
    """A challenge as an admin typed it, checked."""

    kind: str
    target: int
    starts: date
    ends: date
    points: int
    badge: str | None


def parse_challenge(text: str, today: date, limits: Limits) -> ChallengeSpec:
    """``<kind> <target> <window> [points=N] [badge=NAME]``; window ``12-01..12-07`` or ``week``."""
    words = unicodedata.normalize("NFKC", text).split()
    if len(words) < 3:
        raise ChallengeError("usage")
    kind = KINDS.get(words[0].lower())
    if kind is None:
        raise ChallengeError("unknown_kind", kind=words[0][:MAX_SHOWN])
    target = _number(words[1], 1, limits.max_target, "bad_target")
    starts, ends = parse_window(words[2], today)
    days = (ends - starts).days + 1
    if ends < today:
        raise ChallengeError("window_past", end=ends.isoformat())
    if days > limits.max_days:
        raise ChallengeError("window_too_long", days=days, limit=limits.max_days)
    if kind == CHECKIN_STREAK and target > days:
        raise ChallengeError("target_beyond_window", target=target, days=days)
    points, badge = _rewards(words[3:], limits)
    return ChallengeSpec(kind, target, starts, ends, points, badge)


def parse_window(word: str, today: date) -> tuple[date, date]:
    """``week`` (today to Sunday), or ``[YYYY-]MM-DD..[YYYY-]MM-DD`` (``~`` also separates)."""
    if word.lower() in THIS_WEEK:
        return today, today + timedelta(days=6 - today.weekday())
    found = _WINDOW.match(word)
    if not found:
        raise ChallengeError("bad_window", value=word[:MAX_SHOWN])
    starts = _day(found.group(1), today.year, word)
    ends = _day(found.group(2), starts.year, word)
    if ends < starts and found.group(2).count("-") != 2:
        ends = _day(found.group(2), starts.year + 1, word)  # 12-28..01-03 runs into January
    if ends < starts:
        raise ChallengeError("bad_window", value=word[:MAX_SHOWN])
    return starts, ends


def _day(text: str, year: int, word: str) -> date:
    found = _DAY.match(text)
    if not found:
        raise ChallengeError("bad_window", value=word[:MAX_SHOWN])
    try:
        return date(int(found.group(1) or year), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise ChallengeError("bad_window", value=word[:MAX_SHOWN]) from None


def _number(text: str, low: int, high: int, key: str) -> int:
    if not _NUMBER.match(text) or not low <= int(text) <= high:
        raise ChallengeError(key, value=text[:MAX_SHOWN], limit=high)
    return int(text)


def _rewards(tokens: list[str], limits: Limits) -> tuple[int, str | None]:
    points, badge = 0, None
    for token in tokens:
        name, sep, value = token.partition("=")
        name = name.lower()
        if sep and name in ("points", "积分"):
            points = _number(value, 0, limits.max_points, "bad_points")
        elif sep and name in ("badge", "勋章"):
            badge = value.lower()
            if not 0 < len(badge) <= MAX_BADGE or not all(c.isalnum() or c in "_-" for c in badge):
                raise ChallengeError("bad_badge", name=value[:MAX_SHOWN])
        else:
            raise ChallengeError("bad_option", token=token[:MAX_SHOWN])
    if points == 0 and badge is None:
        raise ChallengeError("no_reward")
    return points, badge


def longest_run(days: Collection[date], starts: date, ends: date) -> int:
    """The most consecutive days checked in between ``starts`` and ``ends`` (both included)."""
    inside = sorted(d for d in set(days) if starts <= d <= ends)
    best = run = 0
    previous: date | None = None
    for day in inside:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best, previous = max(best, run), day
    return best


def progress(kind: str, days: Collection[date], messages: int, starts: date, ends: date) -> int:
    """A member's progress: the longest check-in run, or the messages posted, in the window."""
    return longest_run(days, starts, ends) if kind == CHECKIN_STREAK else messages


def state(starts: date, ends: date, today: date) -> str:
    """``upcoming``, ``active`` or ``ended`` on ``today``."""
    if today < starts:
        return "upcoming"
    return "active" if today <= ends else "ended"
