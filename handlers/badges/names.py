"""How badges are shown: reserved codes by their translated names, others as awarded."""

from __future__ import annotations

from collections.abc import Sequence

from core.i18n import Translator
from core.text import Text
from storage.badges import RESERVED


def badge_label(translator: Translator, language: str, code: str) -> str:
    """A badge's name: ``badges.code.<code>`` for the reserved ones, else the code itself."""
    if code in RESERVED:
        return translator.plain(language, f"badges.code.{code}")
    return code


def badge_list(translator: Translator, language: str, codes: Sequence[str]) -> Text:
    """Badges as one line, separated as the language writes lists."""
    separator = translator.plain(language, "badges.separator")
    return Text(separator).join(badge_label(translator, language, code) for code in codes)
