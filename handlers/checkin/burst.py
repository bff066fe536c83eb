"""A burst of check-in replies as one message: "✅ Checked in: A +10 (3-day streak), B ...".

When many members check in at once, the outbound queue (``core.outbound``) merges their
queued replies; these build the merged text from each reply's part, names escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from core.i18n import Translator
from core.markup import Html, escape
from core.outbound_rules import Merge


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


def done_text(translator: Translator, language: str, members: Sequence[CheckedIn]) -> Html:
    """One message acknowledging several check-ins, each with its points and streak."""
    shown = [
        translator(language, "checkin.burst_member", name=m.name, earned=m.earned, streak=m.streak)
        for m in members
    ]
    return translator(language, "checkin.burst_done", names=_joined(translator, language, shown))


def already_text(translator: Translator, language: str, names: Sequence[str]) -> Html:
    """One message telling several members they have checked in today already.

    A member who sent 签到 again and again is named once.
    """
    shown = [escape(name) for name in dict.fromkeys(names)]
    names_html = _joined(translator, language, shown)
    return translator(language, "checkin.burst_already", names=names_html)


def _joined(translator: Translator, language: str, parts: Sequence[Html]) -> Html:
    separator = escape(translator.plain(language, "checkin.burst_separator"))
    return Html(separator.join(parts))
