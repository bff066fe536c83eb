"""Text folding for keyword matching: case, width and look-alike forms count as the same."""

from __future__ import annotations

import unicodedata

# Invisible characters people (and spammers) slip into words; they never change the meaning.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
# Stripped from both ends of a whole-message match: "价格？" asks the same as "价格".
_EDGE = " \t\n.,!?;:~…-—'\"。，！？；：～、"


def fold(text: str) -> str:
    """NFKC (full-width to half-width, ligatures, circled digits), no invisibles, casefolded."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()


def whole_key(text: str) -> str:
    """A message as an ``=keyword`` rule compares it: folded, spaces collapsed, edges trimmed."""
    return trim(fold(text))


def trim(folded: str) -> str:
    """Collapse the spaces of folded text and trim punctuation from its ends."""
    return " ".join(folded.split()).strip(_EDGE)
