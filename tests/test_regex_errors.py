"""RE2's refusals become a catalog key and the part at fault, for a sentence in each language."""

from __future__ import annotations

import pytest
import re2

from bot.app import build_translator, catalog_folders
from bot.platforms.telegram.render import to_html
from core.i18n import LANGUAGES, load_catalog
from core.regex_errors import KINDS, PatternProblem, pattern_problem, re2_message
from handlers.autoreply.rules import regex_options


def refusal(pattern: str) -> re2.error:
    """The error RE2 raises for a pattern it refuses."""
    with pytest.raises(re2.error) as caught:
        re2.compile(pattern, regex_options())
    return caught.value


@pytest.mark.parametrize(
    ("pattern", "kind", "fragment"),
    [
        (r"(a)\1", "backref", r"\1"),
        (r"\8", "backref", r"\8"),
        ("(?=a)", "lookaround", "(?="),
        ("(?!a)", "lookaround", "(?!"),
        ("(?<=a)b", "lookaround", "(?<="),
        ("(?<!a)b", "lookaround", "(?<!"),
        ("(?i", "perl_op", "(?i"),
        ("(?P=n)", "perl_op", "(?P"),
        ("(ab", "missing_paren", "(ab"),
        ("ab)", "unexpected_paren", "ab)"),
        ("[ab", "missing_bracket", "[ab"),
        ("[z-a]", "class_range", "z-a"),
        (r"\p{Foo}", "class_range", r"\p{Foo}"),
        (r"\xZZ", "bad_escape", r"\xZZ"),
        (r"\Z", "bad_escape", r"\Z"),
        ("a\\", "trailing_backslash", ""),
        ("*a", "nothing_to_repeat", "*"),
        ("a{1001}", "repeat_size", "{1001}"),
        ("x{2,1}", "repeat_size", "{2,1}"),
        ("a**", "repeat_op", "**"),
    ],
)
def test_pattern_problem(pattern: str, kind: str, fragment: str) -> None:
    assert pattern_problem(refusal(pattern)) == PatternProblem(kind, fragment)


def test_a_long_fragment_is_clipped() -> None:
    problem = pattern_problem(refusal("(" + "a" * 200))
    assert problem.kind == "missing_paren"
    assert len(problem.fragment) == 40 and problem.fragment.endswith("…")


@pytest.mark.parametrize(
    ("message", "kind", "fragment"),
    [
        (b"pattern too large - compile failed", "too_large", ""),
        (b"invalid UTF-8", "bad_utf8", ""),
        (b"invalid named capture group: (?P<>", "named_group", "(?P<>"),
        (b"invalid character class: [[:x:]]", "char_class", "[[:x:]]"),
        (b"missing (: )", "unexpected_paren", ")"),
        (b"something new: x", "other", "x"),
        ("text, not bytes: y", "other", "y"),
    ],
)
def test_messages_of_other_re2_versions(message: bytes | str, kind: str, fragment: str) -> None:
    """Messages that no pattern above provokes (or that a newer RE2 may word differently)."""
    assert pattern_problem(re2.error(message)) == PatternProblem(kind, fragment)


def test_re2_message_decodes_bytes() -> None:
    assert re2_message(refusal("(")) == "missing ): ("


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_sentence(language: str, kind: str) -> None:
    """In both languages, and with the fragment escaped when shown."""
    key = PatternProblem(kind, "").key
    assert key in load_catalog(language, *catalog_folders())
    shown = to_html(build_translator()(language, key, fragment="<b>"))
    assert "<b>" not in shown
    assert "RE2 says" not in shown and "b'" not in shown
