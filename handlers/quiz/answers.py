"""Answer normalisation: two spellings of one answer give one key.

Case, full/half width and look-alike letters (``core.normalize``), traditional and
simplified Chinese (OpenCC ``t2s``), and spaces and punctuation (dropped) do not count:
"Ｐａｒｉｓ！", "paris" and " P.A.R.I.S " are one answer, as are "臺灣" and "台湾".
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from core.normalize import normalize

# Everything but letters and digits: spaces, punctuation, symbols, emoji, "_".
_NOT_WORD = re.compile(r"[\W_]+")
# The CJK blocks OpenCC's character table covers.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2FA20))


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The characters ``t2s`` changes: text without one is converted as it is.

    Built once from OpenCC itself, one character per line so no phrase joins two of them.
    """
    chars = [chr(c) for start, stop in _CJK_RANGES for c in range(start, stop)]
    converted = _converter().convert("\n".join(chars)).split("\n")
    return frozenset(c for c, s in zip(chars, converted, strict=False) if c != s)


def warm() -> None:
    """Build the character table now (a tenth of a second), not on a member's message."""
    _traditional()


def answer_key(text: str) -> str:
    """The normal form an answer is compared by ("" if nothing answer-like is left)."""
    kept = _NOT_WORD.sub("", normalize(text))
    if kept.isascii() or _traditional().isdisjoint(kept):
        return kept
    return _converter().convert(kept)


def answer_keys(answers: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The keys of several accepted answers (empty keys left out)."""
    return frozenset(key for key in map(answer_key, answers) if key)
