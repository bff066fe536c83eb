"""Answer normalisation: two spellings of one answer give one key.

Case, full/half width and look-alike letters (``core.normalize``), traditional and
simplified Chinese (OpenCC ``t2s``), and spaces and punctuation (dropped) do not count:
"Ｐａｒｉｓ！", "paris" and " P.A.R.I.S " are one answer, as are "臺灣" and "台湾".
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

from core.normalize import normalize

# Letters, marks and digits are kept; everything else (spaces, punctuation, symbols) goes.
_KEPT = ("L", "N", "M")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def answer_key(text: str) -> str:
    """The normal form an answer is compared by ("" if nothing answer-like is left)."""
    folded = normalize(text)
    if folded.isascii():
        # Plain Latin: no Chinese to convert, and ``isalnum`` is the whole test.
        return "".join(c for c in folded if c.isalnum())
    kept = "".join(c for c in folded if unicodedata.category(c)[0] in _KEPT)
    return _converter().convert(kept) if kept else ""


def answer_keys(answers: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The keys of several accepted answers (empty keys left out)."""
    return frozenset(key for key in map(answer_key, answers) if key)
