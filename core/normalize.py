"""One normal form of message text, for every moderation check and the spam classifier.

``normalize`` folds the tricks used to slip ads past word filters: full-width forms and
letter-like symbols (NFKC: ``ｖｘ`` and ``𝐇𝕌𝐗`` become ``vx`` and ``hux``, ``①`` becomes
``1``), invisible characters (zero-width spaces, joiners, variation selectors, combining
marks such as strike-through or keycap frames), Cyrillic and Greek letters that look like
Latin ones, and letter case. Spaces and punctuation are kept, so word boundaries survive.

``digit_skeleton`` goes one step further for contact detection: it keeps only the digits
of a text, reading Chinese numerals and digit look-alikes (``o`` for 0, ``l`` for 1) as
digits and skipping the emoji, spaces and dashes people put between them.

``contact_skeleton`` is the contact check's own view: contact words put back together when
a symbol, an emoji or spaces were put inside them ("薇❤信", "q q", "wei xin"). Only that check
reads it; ``normalize`` keeps its contract for everything else.
"""

from __future__ import annotations

import re
import sys
import unicodedata

# Categories removed after NFKC: format characters (zero-width space/joiners, bidi marks,
# soft hyphen, tag characters) and combining marks left over once letters are composed
# (strike-through, underline, keycap frame, variation selectors, "zalgo" stacks).
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Planes worth scanning: the BMP and the SMP hold all the combining/format characters
# except the tag characters and variation selectors supplement of plane 14.
_SCAN_RANGES = ((0, 0x20000), (0xE0000, 0xE1000))
# Visible "blank" characters NFKC keeps as they are; they hide inside words like spaces do.
_BLANK_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"

# Upper-case look-alikes, mapped before casefolding (casefolding Greek Ν gives ν, which
# itself looks like v, not n).
_UPPER_HOMOGLYPHS = {
    # Cyrillic
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "o",
    "Р": "p", "С": "c", "Т": "t", "Х": "x", "У": "y", "І": "i", "Ї": "i", "Ј": "j",
    "Ѕ": "s", "Ԛ": "q", "Ԝ": "w", "Ү": "y", "Һ": "h", "Ӏ": "l", "З": "3",
    # Greek
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "Ϲ": "c", "Ϳ": "j",
}  # fmt: skip
# Lower-case look-alikes, mapped after casefolding.
_LOWER_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "х": "x", "у": "y", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b",
    "з": "3", "ч": "4", "п": "n", "г": "r", "д": "d", "и": "u", "л": "n",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k",
    "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    "ω": "w", "ϳ": "j", "ς": "c", "σ": "o",
    # Latin letters that only look like others
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ǀ": "l",
    # small capitals
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h",
    "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p",
    "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip


def _dropped_characters() -> dict[int, None]:
    table: dict[int, None] = dict.fromkeys(map(ord, _BLANK_FILLERS))
    for start, stop in _SCAN_RANGES:
        for code in range(start, min(stop, sys.maxunicode + 1)):
            if unicodedata.category(chr(code)) in _DROPPED_CATEGORIES:
                table[code] = None
    return table


_DROP = _dropped_characters()
_UPPER = str.maketrans(_UPPER_HOMOGLYPHS)
_LOWER = str.maketrans(_LOWER_HOMOGLYPHS)


def _char_class(codes: list[int]) -> str:
    """A regex character class of code points, as ranges."""
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code == previous + 1:
            previous = code
            continue
        first, last = re.escape(chr(start)), re.escape(chr(previous))
        parts.append(first if start == previous else f"{first}-{last}")
        start = previous = code
    return "[" + "".join(parts) + "]"


# ``str.translate`` costs a lookup per character, so it only runs on texts that need it.
# The quick tests: a class of the BMP characters to drop (fast in ``re``) and, for the rare
# ones outside the BMP, their two blocks (below the emoji, and plane 14); emoji do not
# trigger it.
_MAY_DROP = re.compile(
    _char_class(sorted(c for c in _DROP if c < 0x10000))
    + "|[\U00010000-\U0001efff\U000e0000-\U000e0fff]"
)
_HAS_UPPER = re.compile(_char_class(sorted(map(ord, _UPPER_HOMOGLYPHS))))
_HAS_LOWER = re.compile(_char_class(sorted(map(ord, _LOWER_HOMOGLYPHS))))


def normalize(text: str) -> str:
    """NFKC, invisibles and combining marks removed, homoglyphs to Latin, casefolded."""
    if text.isascii():
        # Nothing to fold but case: the common fast path for plain Latin text.
        return text.lower()
    folded = unicodedata.normalize("NFKC", text)
    if _MAY_DROP.search(folded):
        folded = folded.translate(_DROP)
    if _HAS_UPPER.search(folded):
        folded = folded.translate(_UPPER)
    folded = folded.casefold()
    if _HAS_LOWER.search(folded):
        folded = folded.translate(_LOWER)
    return folded


# Digits as ad posters spell them: Chinese numerals (plain and financial), and their digit.
CHINESE_DIGITS = {
    "零": "0", "〇": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9", "两": "2", "幺": "1",
    "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3", "肆": "4", "伍": "5",
    "陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9",
}  # fmt: skip
# Latin letters that stand in for digits inside a number ("138oo13") and their digit.
_LOOKALIKE_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1"})
_LOOKALIKES = frozenset("oli|")
_DIGITISH = re.compile("[0-9" + "".join(CHINESE_DIGITS) + "]")
# Tokens: digits, Latin letter runs, one Chinese numeral, or any other letter/line break
# (which ends a number). Everything unmatched (spaces, emoji, dashes) is glue.
_TOKEN = re.compile(
    r"(?P<d>[0-9]+)|(?P<l>[a-z|]+)|(?P<c>[" + "".join(CHINESE_DIGITS) + r"])|(?P<b>[^\W_]|\n)"
)


def digit_skeleton(normalized: str) -> str:
    """The digit runs of normalised text, numerals and look-alikes read as digits.

    Emoji, spaces, dashes and other glue between digits are skipped; a word or a line
    break ends a number. Look-alike letters count as digits only as a single letter
    (``1 3 8 o o``) or touching a digit (``138oo13``), so ``"lol 12"`` stays ``"12"``.
    Runs are separated by single spaces.
    """
    if not _DIGITISH.search(normalized):
        return ""
    tokens = [(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKEN.finditer(normalized)]
    runs: list[str] = []
    current: list[str] = []
    has_digit = False
    for index, (kind, text, _start, _end) in enumerate(tokens):
        digits = _token_digits(tokens, index) if kind == "l" else None
        if kind == "d":
            current.append(text)
            has_digit = True
        elif kind == "c":
            current.append(CHINESE_DIGITS[text])
            has_digit = True
        elif digits is not None:
            current.append(digits)
        else:
            if has_digit:
                runs.append("".join(current))
            current, has_digit = [], False
    if has_digit:
        runs.append("".join(current))
    return " ".join(runs)


def _token_digits(tokens: list[tuple[str | None, str, int, int]], index: int) -> str | None:
    """The digits a Latin letter run stands for, or None if it is a real word."""
    _, text, start, end = tokens[index]
    if not set(text) <= _LOOKALIKES:
        return None
    if len(text) == 1:
        return text.translate(_LOOKALIKE_DIGITS)
    before = tokens[index - 1] if index > 0 else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    touching = (before is not None and before[0] == "d" and before[3] == start) or (
        after is not None and after[0] == "d" and after[2] == end
    )
    return text.translate(_LOOKALIKE_DIGITS) if touching else None


# ---------------------------------------------------------------- contact words
#
# ``contact_skeleton`` is for the contact check alone. ``normalize`` keeps punctuation and
# spaces because the spam classifier and the link check need word boundaries; contact ads
# break the *contact word itself* apart ("薇❤信", "q q", "wei xin"), so only here is the filler
# between the letters of a word taken out.

# Filler people put inside a word: symbols, emoji, quotes, brackets, "*", "·", and between
# single letters or Han characters also "_" and "-" (which otherwise belong to ids such as
# "wxid_abc"). Kept: what the patterns read (":" "=" before an id, "@" of a mention, "+" of
# "+v") and sentence punctuation, so two sentences are never run together into a word.
_ORNAMENT = r"[^\w\s:=@+.,!?;。、…-]"
_GLUE = rf"(?:{_ORNAMENT}|[_-])"
# The Han characters of contact words and hand-offs (微信, 薇信, 扣扣, 企鹅, 电话, 手机号码,
# 联系方式, 飞机, 电报, 加我好友): only between these is filler taken out, so ordinary
# Chinese ("我爱❤你", "今天 下午") is left as it is.
_HAN = "[加我好友微薇徽威信芯扣抠蔻企鹅电话手机号码联系方式飞报]"
# A letter of a contact word: Latin (other scripts are folded to it) or one of those.
_LETTER = rf"(?:[a-z]|{_HAN})"
_BLANK = r"[^\S\n]"
# The patterns start with a character (look-behinds come after it): a pattern that starts
# with a look-behind is tried at every position, one that starts with a character class is
# scanned for quickly.
# Between two of those Han characters: filler, spaces and dots ("微 . 信"); Chinese is
# written without spaces, and its full stop is "。", which stays.
_INSIDE_HAN = re.compile(rf"({_HAN})(?:{_GLUE}|{_BLANK}|[.])+(?={_HAN})")
# Between two letters: ornaments, perhaps spaced ("v❤x", "加 ❤ v", "v❤信").
_INSIDE_WORD = re.compile(rf"({_LETTER})(?:{_BLANK}*{_ORNAMENT})+{_BLANK}*(?={_LETTER})")
# Single Latin letters spaced or dotted apart: "q q", "v . x", "v-x", "w e c h a t".
_SPACED_LETTERS = re.compile(
    rf"[a-z](?<![a-z0-9][a-z])(?:(?:{_GLUE}|{_BLANK}|\.)+[a-z](?![a-z0-9]))+"
)
_SPACING = re.compile(rf"(?:{_GLUE}|{_BLANK}|\.)+")
# Pinyin of contact words written as two syllables, and "v 信": "wei xin", "dian hua".
_SYLLABLES = re.compile(
    rf"(?:wei(?<![a-z]wei)(?:{_GLUE}|{_BLANK})+(?:xin(?![a-z])|信)"
    rf"|dian(?<![a-z]dian)(?:{_GLUE}|{_BLANK})+hua(?![a-z])"
    rf"|shou(?<![a-z]shou)(?:{_GLUE}|{_BLANK})+ji(?![a-z])"
    rf"|kou(?<![a-z]kou)(?:{_GLUE}|{_BLANK})+kou(?![a-z]))"
    rf"|v(?<![a-z0-9]v){_BLANK}+(?=信)"
)
# Ornaments left standing between words read as one space ("vx 💋 : id" is "vx : id").
_LOOSE_ORNAMENTS = re.compile(rf"{_BLANK}*(?:{_ORNAMENT}{_BLANK}*)+")
# Quick tests, so that most messages skip most steps.
_HAS_ORNAMENT = re.compile(_ORNAMENT)
_HAN_GAP = re.compile(rf"{_HAN}(?:{_BLANK}|[._-])")
_SYLLABLE_HINT = re.compile(r"wei|dian|shou|kou|v\s")


def contact_skeleton(normalized: str, *, quick: bool = True) -> str:
    """Normalised text with contact words put back together, for the contact check only.

    Filler inside a word goes ("薇❤信" is "薇信", "Ｖ❤Ｘ" is "vx"), spaces between Han
    characters go ("扣 扣"), single letters spaced apart join ("q q 1 2" is "qq 1 2"), split
    pinyin joins ("wei xin" is "weixin"), and ornaments left between words read as a space.
    Digits, ":" before an id and line breaks stay as they are. ``quick=False`` runs every
    step even where its quick test says it would change nothing (for the tests).
    """
    text = normalized
    if not quick or _SYLLABLE_HINT.search(text):
        text = _SYLLABLES.sub(_without_spacing, text)
    ornament = not quick or _HAS_ORNAMENT.search(text) is not None
    if ornament or _HAN_GAP.search(text):
        text = _INSIDE_HAN.sub(r"\1", text)
    if ornament:
        text = _INSIDE_WORD.sub(r"\1", text)
    text = _SPACED_LETTERS.sub(_without_spacing, text)
    return _LOOSE_ORNAMENTS.sub(" ", text) if ornament else text


def _without_spacing(match: re.Match[str]) -> str:
    return _SPACING.sub("", match.group())
