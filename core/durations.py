"""Durations as people type them: ``30s`` ``10m`` ``2h`` ``3d`` ``1w``, or 10分钟 2小时 3天.

The one unit table of the bot (English, Simplified and Traditional Chinese). Several units may
follow one another (``1h30m``, ``1天12小时``, ``1d 12h``). Digits are any decimal digits
(``１０分钟`` too); unit letters ignore ASCII case only, so ``ſ`` is not ``s`` and ``ı`` is
not ``i``. Parsing knows nothing of
bounds: a mute of a week or of a second is the caller's to allow or refuse.
"""

from __future__ import annotations

import re

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY

UNITS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "秒", "秒钟", "秒鐘"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "分", "分钟", "分鐘"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "时", "小时", "个小时", "小時"), HOUR),
    **dict.fromkeys(("個小時", "钟头", "个钟头", "鐘頭", "個鐘頭"), HOUR),
    **dict.fromkeys(("d", "day", "days", "天", "日"), DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "周", "週", "星期", "个星期"), WEEK),
    "個星期": WEEK,
}
# Longest spellings first, so "min" is not read as "m" followed by "in".
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
# (?ai:...): unit letters ignore ASCII case only; digits (\d) stay Unicode decimal digits.
_UNIT_GROUP = rf"(?ai:{_UNIT_PATTERN})"
_PART = re.compile(rf"(\d+)\s*({_UNIT_GROUP})")
_WHOLE = re.compile(rf"(?:\d+\s*{_UNIT_GROUP}\s*)+")
_UNIT_ONLY = re.compile(_UNIT_GROUP)
_DEFAULT_DIGITS = 9

# Largest unit first, for formatting.
_SHOWN: tuple[tuple[int, str, str], ...] = (
    (WEEK, "w", "周"),
    (DAY, "d", "天"),
    (HOUR, "h", "小时"),
    (MINUTE, "m", "分钟"),
    (1, "s", "秒"),
)


def duration_parts(text: str) -> list[tuple[str, int]] | None:
    """The (digits, unit size) pairs of ``text`` ("1h30m"); None if it is not a duration.

    The digits stay text, so a caller decides how many it accepts before converting them.
    """
    text = text.strip()
    if not text or not _WHOLE.fullmatch(text):
        return None
    return [(digits, UNITS[unit.lower()]) for digits, unit in _PART.findall(text)]


def parse_duration(text: str, *, max_digits: int = _DEFAULT_DIGITS) -> int | None:
    """Seconds in ``text`` ("2h", "1h30m", "3天"); None if it is not a duration."""
    parts = duration_parts(text)
    if parts is None or any(len(digits) > max_digits for digits, _ in parts):
        return None
    return sum(int(digits) * size for digits, size in parts)


def is_unit(word: str) -> bool:
    """Whether ``word`` is a unit on its own ("minutes", "小时"), as in ``10 minutes``."""
    return _UNIT_ONLY.fullmatch(word) is not None


def parse_day_count(text: str, *, max_digits: int = 6) -> int | None:
    """A number of whole days: ``30``, ``30d``, ``30天``, ``2w``; None otherwise.

    A bare number must be ASCII digits (``３０`` alone is refused, as /inactive always did).
    """
    word = text.strip()
    if word.isascii() and word.isdigit():
        return int(word) if len(word) <= max_digits else None
    seconds = parse_duration(word, max_digits=max_digits)
    if seconds is None or seconds % DAY:
        return None
    return seconds // DAY


def format_duration(seconds: int, language: str) -> str:
    """A duration for messages: "1d 2h" in English, "1天2小时" in Chinese (exact, to the second)."""
    seconds = max(0, int(seconds))
    chinese = language.startswith("zh")
    if seconds == 0:
        return "0秒" if chinese else "0s"
    parts: list[str] = []
    for size, latin, han in _SHOWN:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{han if chinese else latin}")
    return "".join(parts) if chinese else " ".join(parts)


def compact_duration(seconds: int, *, weeks: bool = True) -> str:
    """Canonical words that parse back: 5400 -> ``1h30m``; ``weeks=False`` stops at days."""
    seconds = max(0, int(seconds))
    parts: list[str] = []
    for size, latin, _ in _SHOWN if weeks else _SHOWN[1:]:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{latin}")
    return "".join(parts) or "0s"
