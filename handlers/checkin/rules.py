"""Check-in points: rewards, streaks, make-up days, activity points, levels and admin settings.

PointsError keys (catalog ``checkin.<key>``) and the values each carries:

- ``setting_usage``: no values (``/setcheckin`` with nothing after it).
- ``bad_setting_syntax``: ``token`` (a word that is not ``key=value``).
- ``unknown_setting``: ``name``, ``known`` (comma-separated setting names).
- ``bad_setting``: ``name``, ``value`` (as typed), ``low``, ``high`` (the allowed range).
- ``bad_levels``: ``detail`` (the offending entry as typed, or ``"<count> (1..20)"``).
- ``amount_missing``: no values.
- ``amount_not_number``: ``value`` (as typed).
- ``amount_not_positive``: ``value`` (as typed).
- ``amount_too_big``: ``value`` (as typed), ``limit``.

Typed values are cut to 20 characters. No I/O here: days are calendar days already in the
group's timezone, and the caller stores whatever these functions decide.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any


class PointsError(ValueError):
    """Input that cannot be used: ``key`` names the catalog sentence (checkin.*)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Level:
    """A title a member holds once their total points reach ``threshold``."""

    threshold: int
    zh: str
    en: str

    def name(self, language: str) -> str:
        """The title in Chinese for any ``zh*`` language code, otherwise in English."""
        return self.zh if language.lower().startswith("zh") else self.en


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(0, "新人", "Newcomer"),
    Level(50, "常客", "Regular"),
    Level(200, "活跃", "Active"),
    Level(500, "骨干", "Mainstay"),
    Level(1000, "达人", "Expert"),
    Level(2000, "元老", "Veteran"),
    Level(5000, "传奇", "Legend"),
)


@dataclass(frozen=True, slots=True)
class PointsRules:
    """A group's point rules; every field is an admin setting with the range in SETTING_RANGES."""

    base: int = 10
    streak_bonus: int = 2
    streak_cap: int = 7
    makeup_cost: int = 50
    makeup_window: int = 7
    activity_chars: int = 6
    activity_cooldown: int = 60
    activity_points: int = 1
    activity_cap: int = 20
    levels: tuple[Level, ...] = DEFAULT_LEVELS


# Inclusive ranges for the integer settings, in the order /setcheckin help lists them.
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "base": (0, 10_000),
    "streak_bonus": (0, 1_000),
    "streak_cap": (0, 365),
    "makeup_cost": (0, 1_000_000),
    "makeup_window": (1, 30),
    "activity_chars": (1, 1_000),
    "activity_cooldown": (0, 86_400),
    "activity_points": (0, 1_000),
    "activity_cap": (0, 100_000),
}
LEVELS_KEY = "levels"
KNOWN_SETTINGS = (*SETTING_RANGES, LEVELS_KEY)
MAX_LEVELS = 20
MAX_LEVEL_NAME = 20
MAX_THRESHOLD = 1_000_000_000
MAX_SHOWN = 20  # typed text echoed back in an error is cut to this many characters

# 31 characters: digits and capitals without the look-alikes 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUP = 4

# Commas group by thousands only, so "1,5" (a decimal in much of Europe) is not read as 15.
_INTEGER = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)$")
_THRESHOLD = re.compile(r"^[0-9]{1,10}$")  # longer is past MAX_THRESHOLD anyway
# Level entries may also be separated by the ideographic comma, which NFKC leaves alone.
_LEVEL_SEPARATORS = re.compile(r"[,、]")


def checkin_reward(streak: int, rules: PointsRules) -> int:
    """Points for a check-in that makes a streak of ``streak`` days (the first day has no bonus)."""
    bonus_days = min(max(streak - 1, 0), rules.streak_cap)
    return rules.base + rules.streak_bonus * bonus_days


def streak_after(last_day: date | None, last_streak: int, today: date) -> int:
    """The streak a check-in today makes, given the previous check-in day and its streak."""
    if last_day == today:
        # Already checked in today: the streak stands (the caller refuses the second check-in).
        return max(last_streak, 1)
    if last_day == today - timedelta(days=1):
        return max(last_streak, 0) + 1
    return 1


def current_streak(days: Collection[date], today: date) -> int:
    """Consecutive check-in days ending today, or yesterday while today is still open; else 0."""
    checked = set(days)
    day = today if today in checked else today - timedelta(days=1)
    streak = 0
    while day in checked:
        streak += 1
        day -= timedelta(days=1)
    return streak


def makeup_target(days: Collection[date], today: date, window: int) -> date | None:
    """The most recent missed day in the last ``window`` days that follows some check-in."""
    if not days:
        return None
    checked = set(days)
    first = min(checked)
    for back in range(1, window + 1):
        day = today - timedelta(days=back)
        if day <= first:
            # Nothing before this day was checked in, so there is no streak to repair.
            return None
        if day not in checked:
            return day
    return None


def level_index(total: int, levels: Sequence[Level]) -> int:
    """Index of the highest level (levels sorted by threshold) whose threshold ``total`` meets."""
    thresholds = [level.threshold for level in levels]
    return max(bisect.bisect_right(thresholds, total) - 1, 0)


def activity_award(
    chars: int, seconds_since_last: float | None, earned_today: int, rules: PointsRules
) -> int:
    """Points a message earns: long enough, outside the cooldown and under the daily cap."""
    if chars < rules.activity_chars:
        return 0
    if seconds_since_last is not None and seconds_since_last < rules.activity_cooldown:
        return 0
    return max(min(rules.activity_points, rules.activity_cap - earned_today), 0)


def capped_award(points: int, stored_today: int, cap: int) -> int:
    """Buffered points that still fit under the day's cap, given what is stored for that day."""
    return max(min(points, cap - stored_today), 0)


def parse_setting_changes(text: str, current: PointsRules) -> PointsRules:
    """``key=value`` words from /setcheckin applied to ``current``; a later repeat wins."""
    tokens = unicodedata.normalize("NFKC", text).split()
    if not tokens:
        raise PointsError("setting_usage")
    changes: dict[str, Any] = {}
    for token in tokens:
        name, value = _split_token(token)
        if name == LEVELS_KEY:
            changes[name] = parse_levels(value)
        elif name in SETTING_RANGES:
            changes[name] = _setting_value(name, value)
        else:
            raise PointsError("unknown_setting", name=_shown(name), known=", ".join(KNOWN_SETTINGS))
    return replace(current, **changes)


def _split_token(token: str) -> tuple[str, str]:
    name, sep, value = token.partition("=")
    if not sep or not name:
        raise PointsError("bad_setting_syntax", token=_shown(token))
    return name.lower(), value


def _setting_value(name: str, value: str) -> int:
    low, high = SETTING_RANGES[name]
    number = _integer(value)
    if number is None or not low <= number <= high:
        raise PointsError("bad_setting", name=name, value=_shown(value), low=low, high=high)
    return number


def _integer(text: str) -> int | None:
    """A whole number, optionally signed and grouped (``1,000``, ``1_000``); None if not one."""
    if not _INTEGER.match(text):
        return None
    digits = text.lstrip("+-").replace(",", "").replace("_", "").lstrip("0")
    if len(digits) > 18:
        # Far beyond every range; int() of a huge string is slow (and refused past 4300 digits).
        return -(10**18) if text.startswith("-") else 10**18
    return int(text.replace(",", "").replace("_", ""))


def parse_levels(value: str) -> tuple[Level, ...]:
    """``0:新人/Newcomer,100:活跃/Active`` (English optional) as checked, sorted levels."""
    entries = [entry.strip() for entry in _LEVEL_SEPARATORS.split(value) if entry.strip()]
    return _make_levels([_level_entry(entry) for entry in entries], entries)


def _level_entry(entry: str) -> Level:
    threshold, colon, names = entry.partition(":")
    zh, _, en = names.partition("/")
    if not colon or not _THRESHOLD.match(threshold.strip()):
        raise PointsError("bad_levels", detail=_shown(entry))
    return Level(int(threshold.strip()), zh.strip(), en.strip() or zh.strip())


def _make_levels(levels: Sequence[Level], shown: Sequence[str] | None = None) -> tuple[Level, ...]:
    """Levels sorted by threshold, checked; ``shown`` is how each was typed, for the error."""
    if not 1 <= len(levels) <= MAX_LEVELS:
        raise PointsError("bad_levels", detail=f"{len(levels)} (1..{MAX_LEVELS})")
    labels = list(shown) if shown is not None else [_level_label(level) for level in levels]
    seen: set[int] = set()
    for level, label in zip(levels, labels, strict=True):
        if not _level_ok(level) or level.threshold in seen:
            raise PointsError("bad_levels", detail=_shown(label))
        seen.add(level.threshold)
    ordered = sorted(zip(levels, labels, strict=True), key=lambda pair: pair[0].threshold)
    if ordered[0][0].threshold != 0:
        # Every member must hold some level, so the lowest one starts at zero points.
        raise PointsError("bad_levels", detail=_shown(ordered[0][1]))
    return tuple(level for level, _ in ordered)


def _level_ok(level: Level) -> bool:
    names_ok = all(1 <= len(name) <= MAX_LEVEL_NAME for name in (level.zh, level.en))
    return 0 <= level.threshold <= MAX_THRESHOLD and names_ok


def _level_label(level: Level) -> str:
    return f"{level.threshold}:{level.zh}/{level.en}"


def rules_to_dict(rules: PointsRules) -> dict[str, Any]:
    """The stored form: only settings that differ from the defaults; levels as lists."""
    defaults = PointsRules()
    data: dict[str, Any] = {}
    for name in SETTING_RANGES:
        if getattr(rules, name) != getattr(defaults, name):
            data[name] = getattr(rules, name)
    if rules.levels != defaults.levels:
        data[LEVELS_KEY] = [[level.threshold, level.zh, level.en] for level in rules.levels]
    return data


def rules_from_dict(data: Mapping[str, Any] | None) -> PointsRules:
    """Rules from the stored form; unknown keys are ignored and bad values fall back to defaults."""
    if not data:
        return PointsRules()
    changes: dict[str, Any] = {}
    for name, (low, high) in SETTING_RANGES.items():
        value = data.get(name)
        # bool is an int subclass, but True is never a setting someone meant to store.
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            changes[name] = value
    levels = _stored_levels(data.get(LEVELS_KEY))
    if levels is not None:
        changes[LEVELS_KEY] = levels
    return replace(PointsRules(), **changes)


def _stored_levels(raw: Any) -> tuple[Level, ...] | None:
    if not isinstance(raw, list | tuple):
        return None
    levels: list[Level] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 3:
            return None
        threshold, zh, en = item
        valid_threshold = isinstance(threshold, int) and not isinstance(threshold, bool)
        if not (valid_threshold and isinstance(zh, str) and isinstance(en, str)):
            return None
        levels.append(Level(threshold, zh, en))
    try:
        return _make_levels(levels)
    except PointsError:
        return None


def parse_amount(text: str | None, limit: int = 1_000_000) -> int:
    """A positive whole number of points up to ``limit``; ``1,000``, ``1_000`` and ``１０`` work."""
    typed = unicodedata.normalize("NFKC", text or "").strip()
    if not typed:
        raise PointsError("amount_missing")
    # NFKC leaves the typographic minus sign alone; it still means a negative number.
    number = _integer(typed.replace("\u2212", "-"))
    if number is None:
        raise PointsError("amount_not_number", value=_shown(typed))
    if number <= 0:
        raise PointsError("amount_not_positive", value=_shown(typed))
    if number > limit:
        raise PointsError("amount_too_big", value=_shown(typed), limit=limit)
    return number


def week_start(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def redemption_code(rng: random.Random) -> str:
    """Eight characters from CODE_ALPHABET shown as two groups of four, e.g. ``K7QF-3XHP``."""
    chars = rng.choices(CODE_ALPHABET, k=2 * CODE_GROUP)
    return "".join(chars[:CODE_GROUP]) + "-" + "".join(chars[CODE_GROUP:])


def _shown(text: str) -> str:
    return text[:MAX_SHOWN]
