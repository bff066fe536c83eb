"""A burst of check-in replies as one message: "✅ Checked in: A +10 (3-day streak), B ...".

When many members check in at once, the outbound queue (``core.outbound``) merges their
queued replies; these build the merged text from each reply's part (names as plain text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from core.i18n import Translator
from core.outbound_rules import Merge
from core.text import Text


@dataclass(frozen=True, slots=True)
class CheckedIn:
    """One member's share of a merged check-in reply."""

    name: str
    earned: int
    streak: int


def done_merge(translator: Translator, language: str, member: CheckedIn) -> Merge:
    """How a "checked in" reply merges with the others of a burst."""
    return Merge(("checkin.done", language), member, partial(done_text, translator, language))


def already_merge(translator: Translator, language: str, name: str) -> Merge:
    """How an "already checked in today" reply merges with the others of a burst."""
    return Merge(("checkin.already", language), name, partial(already_text, translator, language))


def level_up_merge(language: str) -> Merge:
    """Level-up announcements of a burst: one line each, in one message."""
    return Merge(("checkin.level_up", language))


def done_text(translator: Translator, language: str, members: Sequence[CheckedIn]) -> Text:
    """One message acknowledging several check-ins, each with its points and streak."""
    shown = [
        translator(language, "checkin.burst_member", name=m.name, earned=m.earned, streak=m.streak)
        for m in members
    ]
    return translator(language, "checkin.burst_done", names=_joined(translator, language, shown))


def already_text(translator: Translator, language: str, names: Sequence[str]) -> Text:
    """One message telling several members they have checked in today already.

    A member who sent 签到 again and again is named once.
    """
    shown = _joined(translator, language, list(dict.fromkeys(names)))
    return translator(language, "checkin.burst_already", names=shown)


def _joined(translator: Translator, language: str, parts: Sequence[Text | str]) -> Text:
    return Text(translator.plain(language, "checkin.burst_separator")).join(parts)
