"""The newcomer captcha's decisions, without I/O: who must solve one, the challenge, the answer.

Everything here takes plain data (settings, a random source, the current time) and returns a
decision; the feature carries it out and the storage keeps it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.recent import RecentKeys

MODES = ("button", "math")
FAIL_ACTIONS = ("kick", "ban", "mute")
MIN_SECONDS = 30
MAX_SECONDS = 3600
# Captcha buttons: the action "captcha.answer" with (pending id, choice).
PREFIX = "captcha"
ANSWER = "captcha.answer"
BUTTON_CHOICE = "ok"
MATH_OPTIONS = 4
MATH_MAX_TERM = 20


@dataclass(frozen=True, slots=True)
class Challenge:
    """What a newcomer is asked: a sum (``a + b``) with answer buttons, or one button.

    ``options`` are the numbers on the buttons and ``answer`` the index of the right one;
    a button challenge has no options and is answered by pressing its only button.
    """

    mode: str
    a: int = 0
    b: int = 0
    options: tuple[int, ...] = ()
    answer: int = 0


@dataclass(frozen=True, slots=True)
class Joiner:
    """What decides whether a newcomer gets a captcha."""

    is_bot: bool
    is_admin: bool
    added_by_admin: bool
    added_by_bot: bool


def needs_captcha(enabled: bool, joiner: Joiner) -> bool:
    """Whether a member who just joined must solve a captcha.

    Bots cannot press buttons and only admins may add them; admins are trusted; a member an
    admin added was vouched for; a member the bot itself let in (a join request approved
    after a captcha) has solved one already.
    """
    if not enabled:
        return False
    return not (joiner.is_bot or joiner.is_admin or joiner.added_by_admin or joiner.added_by_bot)


def make_challenge(mode: str, rng: random.Random) -> Challenge:
    """A fresh challenge: one button, or a small sum with one right answer among four."""
    if mode != "math":
        return Challenge("button")
    a, b = rng.randint(1, MATH_MAX_TERM), rng.randint(1, MATH_MAX_TERM)
    right = a + b
    # Wrong answers close to the right one, so the sum has to be worked out, not guessed.
    near = [right + d for d in range(-5, 6) if d != 0 and right + d >= 0]
    options = [right, *rng.sample(near, MATH_OPTIONS - 1)]
    rng.shuffle(options)
    return Challenge("math", a, b, tuple(options), options.index(right))


def button_args(pending_id: int, choice: str) -> tuple[int, str]:
    """The arguments of one captcha button."""
    return (pending_id, choice)


def choices(challenge: Challenge) -> list[str]:
    """The choice part of each button's data, in button order."""
    if challenge.mode != "math":
        return [BUTTON_CHOICE]
    return [str(index) for index in range(len(challenge.options))]


@dataclass(frozen=True, slots=True)
class Press:
    """A press on a captcha button, read from its arguments."""

    pending_id: int
    choice: str


def read_press(args: tuple[str, ...]) -> Press | None:
    """Read a captcha button's arguments; None if they are malformed."""
    if len(args) != 2:
        return None
    ident, choice = args
    if not ident.isdigit() or len(ident) > 18 or not choice or len(choice) > 8:
        return None
    return Press(int(ident), choice)


@dataclass(frozen=True, slots=True)
class Pending:
    """A captcha waiting for its answer, as the decisions need it."""

    user_id: int
    mode: str
    answer: int
    attempts_left: int
    deadline: datetime


# What a press leads to: pass, retry (a new question), fail, or nothing (not theirs / too late).
Verdict = str


def judge(pending: Pending, presser_id: int, choice: str, now: datetime) -> Verdict:
    """Decide what a press on a pending captcha means.

    ``not_yours``: someone else pressed; ``expired``: past the deadline (the timer resolves
    it); ``pass``; ``retry``: a wrong answer with attempts left; ``fail``: the last one wrong.
    """
    if presser_id != pending.user_id:
        return "not_yours"
    if now >= pending.deadline:
        return "expired"
    if pending.mode != "math":
        return "pass" if choice == BUTTON_CHOICE else "fail"
    if choice.isdigit() and int(choice) == pending.answer:
        return "pass"
    return "retry" if pending.attempts_left > 1 else "fail"


def deadline(start: datetime, seconds: int) -> datetime:
    """When a captcha started at ``start`` runs out."""
    return start + timedelta(seconds=seconds)


def overdue(deadlines: dict[int, datetime], now: datetime) -> list[int]:
    """Ids of the captchas whose time is up, earliest first."""
    return sorted((i for i, due in deadlines.items() if due <= now), key=lambda i: deadlines[i])


class Approvals:
    """Join requests the bot approved lately, so the join that follows gets no new captcha.

    Telegram reports that join soon after the approval; entries older than ``ttl`` are
    dropped, and at most ``limit`` are kept.
    """

    def __init__(self, ttl: timedelta = timedelta(hours=1), limit: int = 100_000) -> None:
        self._approved: RecentKeys[tuple[int, int]] = RecentKeys(ttl, limit)

    def add(self, chat_id: int, user_id: int, now: datetime) -> None:
        """Remember an approval."""
        self._approved.see((chat_id, user_id), now)

    def take(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """Whether the member's request was approved lately (and forget it)."""
        return self._approved.take((chat_id, user_id), now)


# ------------------------------------------------------------------ admin settings


class SettingError(ValueError):
    """Input an admin cannot use; ``key`` names the catalog sentence (captcha.*)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def check_seconds(
    seconds: int | None, typed: str, low: int = MIN_SECONDS, high: int = MAX_SECONDS
) -> int:
    """A captcha time within ``low..high``; SettingError ``bad_time`` otherwise."""
    if seconds is None or not low <= seconds <= high:
        raise SettingError("bad_time", value=typed[:20])
    return seconds


def check_fail_action(word: str) -> str:
    """``kick``, ``ban`` or ``mute`` (case-insensitive); SettingError ``bad_fail`` otherwise."""
    action = word.strip().lower()
    if action not in FAIL_ACTIONS:
        raise SettingError("bad_fail", value=word[:20])
    return action


def check_mode(word: str) -> str | None:
    """``button`` or ``math`` (case-insensitive), else None."""
    mode = word.strip().lower()
    return mode if mode in MODES else None
