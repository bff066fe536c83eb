"""Durations as admins type them: ``30s`` ``10m`` ``2h`` ``3d`` ``1w``, or 10分钟 2小时 3天.

Several units may follow one another (``1h30m``, ``1天12小时``). Parsing knows nothing of
bounds: a mute of a week or of a second is the caller's to allow or refuse.
"""

from __future__ import annotations

import re

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY

# Longest spellings first, so "min" is not read as "m" followed by "in".
_UNITS: dict[str, int] = {
    "weeks": WEEK,
    "week": WEEK,
    "w": WEEK,
    "days": DAY,
    "day": DAY,
    "d": DAY,
    "hours": HOUR,
    "hour": HOUR,
    "hrs": HOUR,
    "hr": HOUR,
    "h": HOUR,
    "minutes": MINUTE,
    "minute": MINUTE,
    "mins": MINUTE,
    "min": MINUTE,
    "m": MINUTE,
    "seconds": 1,
    "second": 1,
    "secs": 1,
    "sec": 1,
    "s": 1,
    "个星期": WEEK,
    "星期": WEEK,
    "周": WEEK,
    "天": DAY,
    "日": DAY,
    "个小时": HOUR,
    "小时": HOUR,
    "个钟头": HOUR,
    "钟头": HOUR,
    "时": HOUR,
    "分钟": MINUTE,
    "分": MINUTE,
    "秒钟": 1,
    "秒": 1,
}
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_PART = re.compile(rf"(\d{{1,9}})\s*({_UNIT_PATTERN})", re.IGNORECASE)
_WHOLE = re.compile(rf"(?:\d{{1,9}}\s*(?:{_UNIT_PATTERN})\s*)+", re.IGNORECASE)

# Largest unit first, for formatting.
_SHOWN: tuple[tuple[int, str, str], ...] = (
    (WEEK, "w", "周"),
    (DAY, "d", "天"),
    (HOUR, "h", "小时"),
    (MINUTE, "m", "分钟"),
    (1, "s", "秒"),
)


def parse_duration(text: str) -> int | None:
    """Seconds in ``text`` ("2h", "1h30m", "3天"); None if it is not a duration."""
    text = text.strip()
    if not text or not _WHOLE.fullmatch(text):
        return None
    return sum(int(amount) * _UNITS[unit.lower()] for amount, unit in _PART.findall(text))


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
