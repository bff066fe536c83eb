"""What is wrong with a regular expression RE2 refused, as a catalog key and the bad part.

RE2 reports errors as English bytes, ``b'missing ): (ab'``: a fixed message, a colon, and the
part of the pattern it stumbled on. Admins see a sentence in their own language instead
(``errors.regex.<kind>``), quoting that part. Pure: no I/O, no translation here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# RE2's messages (re2/regexp.cc, kErrorStrings) by the start of their text, most specific first.
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"invalid escape sequence: \\[1-9]"), "backref"),
    (re.compile(r"invalid escape sequence"), "bad_escape"),
    (re.compile(r"invalid perl operator: \(\?<?[=!]"), "lookaround"),
    (re.compile(r"invalid named capture group"), "named_group"),
    (re.compile(r"invalid perl operator"), "perl_op"),
    (re.compile(r"invalid character class range"), "class_range"),
    (re.compile(r"invalid character class"), "char_class"),
    (re.compile(r"missing \]"), "missing_bracket"),
    (re.compile(r"missing \)"), "missing_paren"),
    (re.compile(r"unexpected \)|missing \("), "unexpected_paren"),
    (re.compile(r"trailing \\"), "trailing_backslash"),
    (re.compile(r"no argument for repetition operator"), "nothing_to_repeat"),
    (re.compile(r"invalid repetition size"), "repeat_size"),
    (re.compile(r"bad repetition operator"), "repeat_op"),
    (re.compile(r"invalid UTF-8"), "bad_utf8"),
    (re.compile(r"pattern too large"), "too_large"),
)
KINDS = (*(kind for _, kind in _KINDS), "other")
_FRAGMENT = 40


@dataclass(frozen=True, slots=True)
class PatternProblem:
    """One refused pattern: ``key`` names the sentence, ``fragment`` is the part at fault."""

    kind: str
    fragment: str

    @property
    def key(self) -> str:
        """The catalog key of the sentence that explains it."""
        return f"errors.regex.{self.kind}"


def re2_message(error: BaseException) -> str:
    """RE2's message as text (it comes as bytes)."""
    raw = error.args[0] if error.args else str(error)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def pattern_problem(error: BaseException) -> PatternProblem:
    """Classify an ``re2.error``: which problem, and the part of the pattern it points at."""
    message = re2_message(error)
    kind = next((kind for pattern, kind in _KINDS if pattern.match(message)), "other")
    _, colon, rest = message.partition(": ")
    fragment = rest if colon else ""
    if len(fragment) > _FRAGMENT:
        fragment = fragment[: _FRAGMENT - 1] + "…"
    return PatternProblem(kind, fragment)
