"""What the spam classifier looks at in one message: a bag of named features, no I/O.

Chinese group spam hides behind look-alike characters, broken-up digits and odd scripts, so
besides character n-grams of the normalised text the bag holds coarse "shape" n-grams (every
character reduced to its class: Han, Latin, digit, symbol...), digit and contact patterns,
script and symbol ratios, links and mentions, and words for languages written with spaces.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable

from core.normalize import digit_skeleton, normalize

MAX_CHARS = 300  # longer texts are cut: the head of an ad says enough, and scoring stays fast
NGRAM_SIZES = (1, 2, 3)
SHAPE_SIZES = (3, 4)
DENSE_SIZES = (2, 3)

_URL = re.compile(
    r"(?:https?://|www\.|t\.me/|\b[a-z0-9-]{2,}\.(?:com|net|org|cc|top|xyz|vip|me|io|co)\b)"
)
_TME = re.compile(r"t\.me/|telegram\.me/")
_MENTION = re.compile(r"@[a-z0-9_]{4,}")
_DIGIT_RUN = re.compile(r"\d+")
# Digits split by spaces, dots, dashes or other noise: "295 34 516 08", "1-3-8".
_BROKEN_DIGITS = re.compile(r"\d(?:[^\w\n]{1,3}\d){5,}")
# Letters of scripts written with spaces (Han excluded: it is covered by the n-grams).
_WORD = re.compile(r"[^\W\d_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_NOT_WORD = re.compile(r"[\W_]+")
_CONTACT = re.compile(
    r"(?:微信|薇信|威信|vx|v信|wx|加v|\+v|qq|扣扣|企鹅|飞机|电报|tg|私聊|联系|咨询|客服|代理)"
)


_CLASSES: dict[str, str] = {}


def _shape(text: str) -> str:
    """The class letter of every character (classes are remembered: texts repeat them)."""
    classes = _CLASSES
    try:
        return "".join([classes[ch] for ch in text])
    except KeyError:
        if len(classes) > 100_000:
            classes.clear()
        for ch in text:
            if ch not in classes:
                classes[ch] = char_class(ch)
        return "".join([classes[ch] for ch in text])


def char_class(ch: str) -> str:
    """One letter for what kind of character this is (the text's 'shape')."""
    if ch.isdigit():
        return "d"
    if ch.isspace():
        return "_"
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FFFF:
        return "h"
    if ch.isascii():
        return "l" if ch.isalpha() else "p"
    if ch.isalpha():
        # Letters of other scripts: kana, Hangul, Cyrillic, runes, Tibetan, ...
        return "k" if 0x3040 <= code <= 0x30FF else "a"
    category = unicodedata.category(ch)
    if category.startswith("P"):
        return "p" if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF else "q"
    return "s"  # symbols, emoji, marks


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    """The index of the first edge ``value`` is below (len(edges) if none)."""
    for index, edge in enumerate(edges):
        if value < edge:
            return index
    return len(edges)


def _ngrams(text: str, sizes: tuple[int, ...], prefix: str, out: list[str]) -> None:
    for size in sizes:
        out.extend([prefix + text[i : i + size] for i in range(len(text) - size + 1)])


def extract(raw: str, normalizer: Callable[[str], str] = normalize) -> list[str]:
    """The features of one message, as strings (repeats count)."""
    raw = raw[:MAX_CHARS]
    text = normalizer(raw)
    squeezed = " ".join(text.split())
    out: list[str] = []
    _ngrams(squeezed, NGRAM_SIZES, "c", out)
    # The same without spaces and punctuation: "加 . 微 . 信" reads as "加微信".
    _ngrams(_NOT_WORD.sub("", squeezed), DENSE_SIZES, "d", out)
    # How a message starts and ends (ads often end with the contact).
    out.extend(("^" + squeezed[:1], "^" + squeezed[:2], squeezed[-1:] + "$", squeezed[-2:] + "$"))
    shape = _shape(squeezed)
    # Collapse runs so "hhhhhh" and "hh" look alike: the pattern of switches matters.
    _ngrams(_collapse(shape), SHAPE_SIZES, "s", out)
    out.extend(_words(text))
    out.extend(_digits(text))
    out.extend(_signals(raw, text, shape))
    return out


def _collapse(shape: str) -> str:
    result: list[str] = []
    for ch in shape:
        if not result or result[-1] != ch:
            result.append(ch)
    return "^" + "".join(result) + "$"


def _words(text: str) -> list[str]:
    """Words and word pairs of Latin, Cyrillic and other spaced scripts."""
    words = _WORD.findall(text)
    out = ["w" + w for w in words]
    out.extend(f"b{a}_{b}" for a, b in itertools.pairwise(words))
    return out


def _digits(text: str) -> list[str]:
    """How many digits, in what runs, and whether they are broken up."""
    runs = [len(run) for run in _DIGIT_RUN.findall(text)]
    total = sum(runs)
    out = [f"#digits{_bucket(total, (1, 3, 5, 8, 12))}"]
    if runs:
        out.append(f"#longrun{_bucket(max(runs), (3, 5, 7, 9, 12))}")
        out.append(f"#runs{_bucket(len(runs), (2, 3, 5))}")
    if _BROKEN_DIGITS.search(text):
        out.append("#broken_digits")
    # Numbers written to dodge filters (一三八, 138oo13, digits split by emoji), read as digits.
    skeleton = digit_skeleton(text)
    if skeleton:
        longest = max(len(run) for run in skeleton.split())
        out.append(f"#skeleton{_bucket(longest, (3, 5, 7, 9, 11, 13))}")
    return out


def _signals(raw: str, text: str, shape: str) -> list[str]:
    """Contacts, links, mentions, script and symbol ratios, length, obfuscation."""
    out = [f"#len{_bucket(len(text), (4, 8, 16, 32, 64, 128))}"]
    out.extend("#contact" for _ in _CONTACT.finditer(text))
    if _URL.search(text):
        out.append("#url")
    if _TME.search(text):
        out.append("#tme")
    mentions = len(_MENTION.findall(text))
    if mentions:
        out.append(f"#mentions{_bucket(mentions, (2, 4))}")
    size = max(len(shape), 1)
    for kind in "alksq":
        share = shape.count(kind) / size
        if share:
            out.append(f"#ratio_{kind}{_bucket(share, (0.1, 0.3, 0.6))}")
    # How much normalisation had to change: styled letters, full-width forms, invisibles.
    changed = sum(map(str.__ne__, raw.casefold(), text))
    changed += abs(len(raw) - len(text))
    if changed:
        out.append(f"#changed{_bucket(changed / max(len(raw), 1), (0.05, 0.2, 0.5))}")
    if any(ord(ch) > 0xFFFF for ch in raw):
        out.append("#astral")
    return out
