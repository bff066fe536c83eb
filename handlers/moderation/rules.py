"""A group's moderation settings as the engine reads them, their defaults and their syntax.

Every check has a switch and an action list, written the way admins type it:
``delete,warn`` or ``delete,mute:10m`` or ``report`` (kinds: delete, warn, mute, kick, ban,
report; ``mute`` and ``ban`` may carry a duration, without one they last indefinitely).
Groups store only what differs from the defaults below.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core.durations import format_duration, parse_duration
from handlers.moderation.actions import Action
from storage.moderation_rules import StoredRules

ON, OFF, DRYRUN = "on", "off", "dryrun"
MODES = (ON, OFF, DRYRUN)

# The checks, in the order their verdicts are reported (the first one names the case).
CHECKS = (
    "contact",
    "badword",
    "link",
    "newcomer",
    "forward",
    "mentions",
    "emoji",
    "repeat",
    "flood",
)
ACTION_KINDS = ("delete", "warn", "mute", "kick", "ban", "report")
TIMED_KINDS = ("mute", "ban")
MAX_ACTION_SECONDS = 366 * 86_400
# A mute or ban of less than this is lifted by Telegram at once, so it is refused.
MIN_ACTION_SECONDS = 30


class SettingError(Exception):
    """A setting an admin typed is not valid; ``key`` names the catalog sentence."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class CheckRule:
    """One check of one group: whether it runs and what is done when it fires."""

    enabled: bool
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """The thresholds of the checks that count something."""

    flood_messages: int = 8
    flood_seconds: int = 10
    # Members count as new for this long after joining, or until this many messages.
    newcomer_seconds: int = 86_400
    newcomer_messages: int = 0
    emoji: int = 10
    mentions: int = 8
    # The same text this many times (by one member, within the repeat window) is too many.
    repeat: int = 3


LIMIT_BOUNDS: dict[str, tuple[int, int]] = {
    "flood_messages": (2, 100),
    "flood_seconds": (1, 3_600),
    "newcomer_seconds": (0, 90 * 86_400),
    "newcomer_messages": (0, 10_000),
    "emoji": (1, 500),
    "mentions": (1, 200),
    "repeat": (2, 50),
}


def _actions(text: str) -> tuple[Action, ...]:
    return parse_actions(text)


def default_checks() -> dict[str, CheckRule]:
    """The checks of a group that never changed them."""
    return {
        "contact": CheckRule(True, _actions("delete,warn")),
        "badword": CheckRule(True, _actions("delete,warn")),
        "link": CheckRule(False, _actions("delete,warn")),
        "newcomer": CheckRule(False, _actions("delete")),
        "forward": CheckRule(False, _actions("delete")),
        "mentions": CheckRule(True, _actions("delete")),
        "emoji": CheckRule(False, _actions("delete")),
        "repeat": CheckRule(False, _actions("delete")),
        "flood": CheckRule(False, _actions("delete,mute:10m")),
    }


@dataclass(frozen=True, slots=True)
class BadWord:
    """A banned word as matched: a normalised literal or an RE2 pattern."""

    id: int
    word: str
    match_key: str
    is_regex: bool


@dataclass(frozen=True, slots=True)
class GroupRules:
    """Everything the engine needs to know about one group (an immutable snapshot)."""

    mode: str = ON
    checks: Mapping[str, CheckRule] = field(default_factory=default_checks)
    limits: Limits = field(default_factory=Limits)
    domains: frozenset[str] = frozenset()
    bad_words: tuple[BadWord, ...] = ()

    def check(self, name: str) -> CheckRule:
        """The rule of one check."""
        return self.checks[name]

    def enabled(self, name: str) -> bool:
        """Whether a check runs in this group."""
        return self.mode != OFF and self.checks[name].enabled


def parse_actions(text: str) -> tuple[Action, ...]:
    """``delete,warn,mute:10m`` as actions; raises SettingError on anything else."""
    parts = [part.strip().lower() for part in text.replace("，", ",").split(",")]
    if not any(parts):
        raise SettingError("moderation.bad_actions", text=text)
    actions: list[Action] = []
    for part in parts:
        if not part:
            continue
        kind, _, length = part.partition(":")
        if kind not in ACTION_KINDS:
            raise SettingError("moderation.bad_action", action=part)
        seconds = _action_seconds(kind, length, part)
        action = Action(kind, seconds)
        if any(seen.kind == kind for seen in actions):
            raise SettingError("moderation.duplicate_action", action=kind)
        actions.append(action)
    punishments = [a.kind for a in actions if a.kind in ("mute", "kick", "ban")]
    if len(punishments) > 1:
        raise SettingError("moderation.one_punishment")
    return tuple(actions)


def _action_seconds(kind: str, length: str, part: str) -> int | None:
    if not length:
        return None
    if kind not in TIMED_KINDS:
        raise SettingError("moderation.no_duration", action=kind)
    seconds = parse_duration(length)
    if seconds is None:
        raise SettingError("moderation.bad_action", action=part)
    if not MIN_ACTION_SECONDS <= seconds <= MAX_ACTION_SECONDS:
        raise SettingError("moderation.duration_range", action=part)
    return seconds


def format_actions(actions: tuple[Action, ...], language: str = "en") -> str:
    """Actions as admins type them (durations in the chat's language for display)."""
    shown = []
    for action in actions:
        if action.seconds is None:
            shown.append(action.kind)
        else:
            shown.append(f"{action.kind}:{format_duration(action.seconds, language)}")
    return ",".join(shown)


def stored_actions(actions: tuple[Action, ...]) -> str:
    """Actions in the canonical stored form (durations in seconds)."""
    return ",".join(
        action.kind if action.seconds is None else f"{action.kind}:{action.seconds}s"
        for action in actions
    )


def build_rules(
    mode: str,
    checks: Mapping[str, Any],
    limits: Mapping[str, Any],
    domains: frozenset[str] = frozenset(),
    bad_words: tuple[BadWord, ...] = (),
) -> GroupRules:
    """A snapshot from stored values; anything unreadable falls back to its default."""
    merged = default_checks()
    for name, stored in checks.items():
        if name not in merged or not isinstance(stored, Mapping):
            continue
        current = merged[name]
        enabled = stored.get("on", current.enabled)
        actions = current.actions
        if isinstance(stored.get("actions"), str):
            with contextlib.suppress(SettingError):
                actions = parse_actions(stored["actions"])
        merged[name] = CheckRule(bool(enabled), actions)
    return GroupRules(
        mode if mode in MODES else ON, merged, read_limits(limits), domains, bad_words
    )


def rules_from_stored(stored: StoredRules) -> GroupRules:
    """The group's rules from what the store holds (``build_rules`` on its values)."""
    words = tuple(BadWord(*word) for word in stored.words)
    return build_rules(stored.mode, stored.checks, stored.limits, stored.domains, words)


def read_limits(stored: Mapping[str, Any]) -> Limits:
    """Limits from stored values; values out of bounds are ignored."""
    values: dict[str, int] = {}
    for name, (low, high) in LIMIT_BOUNDS.items():
        value = stored.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            values[name] = value
    return replace(Limits(), **values)


def stored_checks(rules: GroupRules) -> dict[str, dict[str, Any]]:
    """The checks that differ from the defaults, in stored form."""
    defaults = default_checks()
    stored: dict[str, dict[str, Any]] = {}
    for name, rule in rules.checks.items():
        if rule != defaults[name]:
            stored[name] = {"on": rule.enabled, "actions": stored_actions(rule.actions)}
    return stored


def stored_limits(limits: Limits) -> dict[str, int]:
    """The limits that differ from the defaults, in stored form."""
    defaults = Limits()
    return {
        name: getattr(limits, name)
        for name in LIMIT_BOUNDS
        if getattr(limits, name) != getattr(defaults, name)
    }
