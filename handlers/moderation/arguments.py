"""Reading moderation command arguments: whom (an id or @name), for how long, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.durations import parse_duration
from core.ids import TELEGRAM, IdError, scoped
from handlers.moderation.warnings import check_restriction

MAX_REASON = 200
# Telegram user ids (and QQ numbers) are positive and below 2**52.
MAX_USER_ID = 2**52
_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")


class ArgumentError(ValueError):
    """Unusable input; ``key`` is the catalog sentence and ``values`` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Who:
    """Whom a command names in its first word: a numeric id or an @username."""

    user_id: int | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Penalty:
    """How long (None: until lifted) and why."""

    seconds: int | None
    reason: str


def parse_who(word: str, platform: str = TELEGRAM) -> Who | None:
    """A user id ("12345") or a username ("@name"); None if the word is neither.

    A typed id is the platform's own number (a QQ number in a QQ group): it is qualified
    with the group's ``platform``, as every stored id is (``core.ids``).
    """
    if word.isascii() and word.isdigit():
        user_id = int(word)
        if not 0 < user_id < MAX_USER_ID:
            return None
        try:
            return Who(user_id=scoped(platform, user_id))
        except IdError:
            return None
    found = _USERNAME.fullmatch(word)
    return Who(username=found.group(1)) if found else None


def split_first(text: str) -> tuple[str, str]:
    """The first word of ``text`` and the rest, both stripped."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def parse_reason(text: str) -> str:
    """A reason as given (ArgumentError if too long)."""
    reason = " ".join(text.split())
    if len(reason) > MAX_REASON:
        raise ArgumentError("enforcement.reason_too_long", length=len(reason), limit=MAX_REASON)
    return reason


def parse_penalty(text: str, *, timed: bool) -> Penalty:
    """``[duration] [reason]``: a first word that starts with a digit must be a usable duration."""
    first, rest = split_first(text)
    if timed and first[:1].isdigit():
        seconds = parse_duration(first)
        if seconds is None or not check_restriction(seconds):
            raise ArgumentError("enforcement.bad_duration", text=first)
        return Penalty(seconds, parse_reason(rest))
    return Penalty(None, parse_reason(text))
