"""The decision: run a group's checks on one message and turn their verdicts into actions.

Pure apart from the in-memory tracker it is given (flood and repeat counts), with the
clock passed in, so it is tested with plain data and a controlled time. Every enabled
check runs, so the counters stay right, and the actions of all verdicts are merged: the
message is deleted if any check says so, a member is warned once, and of mute, kick and
ban only the strongest (the longest mute or ban) is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from core.events import Message
from core.normalize import normalize
from handlers.moderation.actions import Action
from handlers.moderation.checks import (
    Subject,
    Verdict,
    check_bad_word,
    check_contact,
    check_emoji,
    check_forward,
    check_link,
    check_mentions,
    check_newcomer,
)
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.rules import CHECKS
from handlers.moderation.tracker import Tracker

_STRENGTH = {"mute": 1, "kick": 2, "ban": 3}


def subject_for(message: Message) -> Subject:
    """A message as the checks see it (normalised once here)."""
    return Subject(
        message.text,
        normalize(message.text),
        hidden_urls=message.hidden_urls,
        is_forward=message.is_forward,
        forward_origin=message.forward_origin,
        has_media=message.has_media,
    )


_ORDER = {"delete": 0, "warn": 1, "mute": 2, "kick": 2, "ban": 2, "report": 3}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the checks found and what is to be done."""

    verdicts: tuple[Verdict, ...]
    actions: tuple[Action, ...]

    @property
    def reason(self) -> str:
        """The machine reason of the case: the first verdict's."""
        return self.verdicts[0].reason

    @property
    def detail(self) -> str:
        """What matched, for the log: every verdict's detail."""
        return "; ".join(f"{v.reason}: {v.detail}" if v.detail else v.reason for v in self.verdicts)

    @property
    def deletes(self) -> bool:
        """Whether the message is to be deleted."""
        return any(action.kind == "delete" for action in self.actions)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who posted, as far as the decision cares."""

    chat_id: int
    user_id: int
    # Counts as new for the newcomer check and for waves of the same text.
    newcomer: bool = False


class Policy:
    """Runs checks and merges their actions; owns the flood/repeat tracker."""

    def __init__(self, tracker: Tracker | None = None, wave_members: int = 3) -> None:
        self.tracker = tracker or Tracker()
        self.wave_members = wave_members

    def decide(
        self,
        compiled: CompiledRules,
        subject: Subject,
        sender: Sender,
        now: float,
        *,
        counted: bool = True,
        people: Collection[str] = (),
    ) -> Decision | None:
        """The decision on one message; None if every check passes it.

        ``counted``: whether the message counts for flood and repeats (not edits or commands).
        """
        rules = compiled.rules
        if rules.mode == "off":
            return None
        verdicts: dict[str, Verdict] = {}
        if counted:
            # Edits and commands are not new chat: they neither flood nor repeat.
            self._count(compiled, subject, sender, now, verdicts)
        self._inspect(compiled, subject, people, verdicts)
        if not verdicts:
            return None
        ordered = tuple(verdicts[name] for name in CHECKS if name in verdicts)
        return Decision(ordered, merge_actions(rules.check(v.reason).actions for v in ordered))

    def _inspect(
        self,
        compiled: CompiledRules,
        subject: Subject,
        people: Collection[str],
        verdicts: dict[str, Verdict],
    ) -> None:
        rules, on = compiled.rules, compiled.enabled
        found: list[Verdict | None] = []
        if "contact" in on:
            found.append(check_contact(subject))
        if "badword" in on and rules.bad_words:
            found.append(check_bad_word(subject, compiled))
        if "link" in on:
            found.append(check_link(subject, compiled.domains, people))
        if "newcomer" in on:
            found.append(check_newcomer(subject, compiled.domains))
        if "forward" in on:
            found.append(check_forward(subject))
        if "mentions" in on:
            found.append(check_mentions(subject, rules.limits.mentions))
        if "emoji" in on:
            found.append(check_emoji(subject, rules.limits.emoji))
        for verdict in found:
            if verdict is not None:
                verdicts.setdefault(verdict.reason, verdict)

    def _count(
        self,
        compiled: CompiledRules,
        subject: Subject,
        sender: Sender,
        now: float,
        verdicts: dict[str, Verdict],
    ) -> None:
        on, limits, tracker = compiled.enabled, compiled.rules.limits, self.tracker
        chat_id, user_id = sender.chat_id, sender.user_id
        if "flood" not in on and "repeat" not in on:
            return
        member = tracker.member(chat_id, user_id)
        if "flood" in on:
            count = tracker.flood(member, now, limits.flood_seconds)
            if count > limits.flood_messages:
                verdicts["flood"] = Verdict("flood", f"{count}/{limits.flood_seconds}s")
        if "repeat" in on:
            # Spacing, punctuation and emoji do not make a text new.
            key = subject.squeezed
            count = tracker.repeats(member, key, now)
            if count >= limits.repeat:
                verdicts["repeat"] = Verdict("repeat", f"x{count}")
            elif sender.newcomer:
                senders = tracker.wave(chat_id, user_id, key, now)
                if senders >= self.wave_members:
                    verdicts["repeat"] = Verdict("repeat", f"{senders} new members")


def merge_actions(lists: Iterable[Sequence[Action]]) -> tuple[Action, ...]:
    """One action list from several: each kind once, the strongest punishment only."""
    kinds: dict[str, Action] = {}
    punishment: Action | None = None
    for actions in lists:
        for action in actions:
            if action.kind in _STRENGTH:
                if punishment is None or _stronger(action, punishment):
                    punishment = action
            else:
                kinds.setdefault(action.kind, action)
    if punishment is not None:
        kinds[punishment.kind] = punishment
    return tuple(sorted(kinds.values(), key=lambda a: _ORDER[a.kind]))


def _stronger(action: Action, than: Action) -> bool:
    if _STRENGTH[action.kind] != _STRENGTH[than.kind]:
        return _STRENGTH[action.kind] > _STRENGTH[than.kind]
    if than.seconds is None:
        return False
    return action.seconds is None or action.seconds > than.seconds
