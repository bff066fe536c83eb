"""Pure decisions of the spam filter: whom to score, what a score means, the spam action."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from core.durations import parse_duration
from core.newcomers import Newcomer
from core.normalize import normalize
from handlers.moderation.actions import KINDS, Action

SCOPES = ("new", "all")
TIMED = ("mute", "ban")
# Temporary mutes/bans last between 30 seconds and 366 days (Telegram's own range).
MIN_SECONDS, MAX_SECONDS = 30, 366 * 86_400


class ActionsError(ValueError):
    """A spam action the bot cannot use; ``text`` is the offending word."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def parse_actions(text: str) -> tuple[Action, ...]:
    """Read "delete mute:1d report" (or "delete mute 1d report") into actions.

    A duration after mute or ban (joined by ":" or as the next word) limits it; without one
    the mute or ban lasts until lifted. Each kind may appear once. Raises ActionsError.
    """
    words = text.replace(",", " ").lower().split()
    actions: list[Action] = []
    index = 0
    while index < len(words):
        kind, _, length = words[index].partition(":")
        index += 1
        if kind not in KINDS or any(a.kind == kind for a in actions):
            raise ActionsError(words[index - 1])
        seconds = None
        following = words[index] if index < len(words) else ""
        if not length and kind in TIMED and parse_duration(following) is not None:
            length = following
            index += 1
        if length:
            seconds = parse_duration(length)
            if kind not in TIMED or seconds is None or not MIN_SECONDS <= seconds <= MAX_SECONDS:
                raise ActionsError(words[index - 1] if ":" in words[index - 1] else length)
        actions.append(Action(kind, seconds))
    if not actions:
        raise ActionsError(text)
    return tuple(actions)


def format_actions(actions: tuple[Action, ...]) -> str:
    """The stored form of actions: "delete mute:86400 report"."""
    return " ".join(f"{a.kind}:{a.seconds}s" if a.seconds else a.kind for a in actions)


def verdict(score: float, threshold: float, grey_band: float) -> str:
    """ "spam" at or above the threshold, "grey" in the band below it, else "ham"."""
    if score >= threshold:
        return "spam"
    # Rounded so "0.88 - 0.3" is 0.58, not 0.5800000000000001.
    if grey_band > 0 and score >= round(threshold - grey_band, 9):
        return "grey"
    return "ham"


def parse_threshold(text: str) -> float | None:
    """A threshold between 0 and 1 exclusive ("0.9", "90%"); None if it is not one."""
    text = text.strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None
    return value if 0 < value < 1 else None


def sample_digest(text: str) -> str:
    """The identity of a sample: the same text, however styled or spaced, is one sample."""
    key = "".join(normalize(text).split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def in_scope(
    scope: str,
    member: Newcomer,
    now: datetime,
    new_member_days: int,
    first_messages: int,
) -> bool:
    """Whether this message is scored: "all", or a recent joiner, or one of the first few."""
    if scope == "all":
        return True
    if member.joined_at is not None and now - member.joined_at <= timedelta(days=new_member_days):
        return True
    # ``messages`` counts the one being judged.
    return member.messages <= first_messages
