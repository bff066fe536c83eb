"""Lottery rules, pure: reading /lottery's arguments, its end, and who may enter.

Syntax: ``/lottery <prize text> winners=N end=<when> [entries=N] [cost=N] [checkins=N]
[member_days=N] [nowarn]``. ``end`` is a duration (``2h``, ``1d12h``, ``30分钟``), a clock
time (``20:00``: its next occurrence), or a day and time (``12-25 20:00``, ``2026-12-25
20:00``), in the group's time zone. ``entries=N`` ends it once N members entered; at least
one of ``end`` and ``entries`` is needed (with both, whichever comes first). Every other
word is the prize.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.args import clip
from core.clock import parse_clock
from core.durations import parse_duration
from core.walltime import local_instant

MIN_LEAD = timedelta(minutes=1)
_NUMBER_DIGITS = 9
_DAY = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})\Z")
_KEYS = ("winners", "end", "entries", "cost", "checkins", "member_days")
_SWITCHES = ("nowarn",)


class LotteryError(ValueError):
    """Bad input: a catalog key under ``lottery.`` and what it names."""

    def __init__(self, key: str, /, **values: str | int) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Limits:
    """What the configuration allows."""

    max_winners: int
    max_prize_chars: int
    max_days: int
    max_entries: int
    max_cost: int


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a member must meet to enter."""

    cost: int = 0
    checkins: int = 0
    member_days: int = 0
    no_warnings: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """A lottery as /lottery asked for it, ready to store."""

    prize: str
    winners: int
    ends_at: datetime | None
    max_entries: int | None
    conditions: Conditions


def _number(key: str, word: str, low: int, high: int) -> int:
    if not (word.isascii() and word.isdigit()) or len(word) > _NUMBER_DIGITS:
        raise LotteryError("bad_number", option=key, value=clip(word), low=low, high=high)
    value = int(word)
    if not low <= value <= high:
        raise LotteryError("bad_number", option=key, value=clip(word), low=low, high=high)
    return value


def _read_day(word: str, today: date) -> date | None:
    match = _DAY.match(word)
    if match is None:
        return None
    year = int(match[1]) if match[1] else today.year
    try:
        day = date(year, int(match[2]), int(match[3]))
    except ValueError:
        return None
    if not match[1] and day < today:
        try:
            day = day.replace(year=year + 1)
        except ValueError:  # 02-29 of a year without one
            return None
    return day


def resolve_end(words: list[str], now: datetime, tz: ZoneInfo) -> datetime | None:
    """The instant of ``end=`` words (one, or a day and a clock time); None if unreadable."""
    local_now = now.astimezone(tz)
    if len(words) == 1:
        seconds = parse_duration(words[0])
        if seconds is not None:
            return now + timedelta(seconds=seconds)
        clock = parse_clock(words[0])
        if clock is None:
            return None
        at = local_instant(local_now.date(), clock, tz)
        return at if at > now else local_instant(local_now.date() + timedelta(days=1), clock, tz)
    if len(words) == 2:
        day, clock = _read_day(words[0], local_now.date()), parse_clock(words[1])
        if day is None or clock is None:
            return None
        return local_instant(day, time(clock.hour, clock.minute), tz)
    return None


def _split(text: str) -> tuple[list[str], dict[str, list[str]], set[str]]:
    """Prize words, ``key=value`` words (a day may take the clock word after it), switches."""
    prize: list[str] = []
    options: dict[str, list[str]] = {}
    switches: set[str] = set()
    words = text.split()
    index = 0
    while index < len(words):
        word = words[index]
        key, sep, value = word.partition("=")
        key = key.lower()
        if sep and key in _KEYS:
            if key in options:
                raise LotteryError("twice", option=key)
            values = [value]
            following = words[index + 1] if index + 1 < len(words) else ""
            if key == "end" and _DAY.match(value) and parse_clock(following):
                values.append(following)
                index += 1
            options[key] = values
        elif sep and key:
            raise LotteryError("unknown_key", option=clip(key))
        elif word.lower() in _SWITCHES:
            switches.add(word.lower())
        else:
            prize.append(word)
        index += 1
    return prize, options, switches


def parse_plan(text: str, now: datetime, tz: ZoneInfo, limits: Limits) -> Plan:
    """Read /lottery's arguments; raise LotteryError naming the first bad one."""
    prize_words, options, switches = _split(text)
    prize = " ".join(prize_words)
    if not prize:
        raise LotteryError("no_prize")
    if len(prize) > limits.max_prize_chars:
        raise LotteryError("long_prize", limit=limits.max_prize_chars)
    if "winners" not in options:
        raise LotteryError("no_winners", high=limits.max_winners)
    count = _number("winners", options["winners"][0], 1, limits.max_winners)
    ends_at = None
    if "end" in options:
        ends_at = resolve_end(options["end"], now, tz)
        if ends_at is None:
            raise LotteryError("bad_end", value=clip(" ".join(options["end"])))
        if ends_at < now + MIN_LEAD or ends_at > now + timedelta(days=limits.max_days):
            raise LotteryError(
                "end_range", value=clip(" ".join(options["end"])), days=limits.max_days
            )
    entries = None
    if "entries" in options:
        entries = _number("entries", options["entries"][0], 1, limits.max_entries)
    if ends_at is None and entries is None:
        raise LotteryError("no_end")
    conditions = Conditions(
        cost=_number("cost", options["cost"][0], 0, limits.max_cost) if "cost" in options else 0,
        checkins=_number("checkins", options["checkins"][0], 0, 36_500)
        if "checkins" in options
        else 0,
        member_days=_number("member_days", options["member_days"][0], 0, 36_500)
        if "member_days" in options
        else 0,
        no_warnings="nowarn" in switches,
    )
    return Plan(prize, count, ends_at, entries, conditions)


@dataclass(frozen=True, slots=True)
class Standing:
    """What is known of a member who wants to enter."""

    checkins: int
    member_since: datetime | None
    active_warnings: int
    balance: int


def refusal(
    conditions: Conditions, standing: Standing, now: datetime
) -> tuple[str, dict[str, int]] | None:
    """Why a member may not enter (a catalog key and its values), or None if they may."""
    if standing.checkins < conditions.checkins:
        return "need_checkins", {"need": conditions.checkins, "have": standing.checkins}
    if conditions.member_days:
        days = (now - standing.member_since).days if standing.member_since else 0
        if days < conditions.member_days:
            return "need_member_days", {"need": conditions.member_days, "have": max(days, 0)}
    if conditions.no_warnings and standing.active_warnings:
        return "need_no_warnings", {"have": standing.active_warnings}
    if standing.balance < conditions.cost:
        return "need_points", {"need": conditions.cost, "have": standing.balance}
    return None


def is_over(ends_at: datetime | None, max_entries: int | None, entries: int, now: datetime) -> bool:
    """Whether a lottery takes no more entries: its end passed or it is full."""
    if ends_at is not None and now >= ends_at:
        return True
    return max_entries is not None and entries >= max_entries


def may_reroll(claimed: bool, won_at: datetime, claim_seconds: float, now: datetime) -> str | None:
    """Why a winner may not be replaced now (a catalog key), or None if they may."""
    if claimed:
        return "reroll_claimed"
    if now < won_at + timedelta(seconds=claim_seconds):
        return "reroll_early"
    return None
