"""A group's banned words and allowed domains, compiled once per settings snapshot.

Literal words go through one Aho-Corasick automaton, patterns through one RE2 set, so a
message is checked in one pass however many words a group bans. Words made only of Latin
letters and digits match whole words (``ass`` does not fire on ``class``), also when
spelled out letter by letter (``c a s i n o``); any other word (Chinese, mixed) matches
anywhere, also in the text with spaces and punctuation squeezed out, so ``傻 . 逼`` is
still found.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import ahocorasick_rs
import re2

from core.normalize import normalize
from handlers.moderation.rules import CHECKS, BadWord, GroupRules

log = logging.getLogger(__name__)

_LATIN_WORD = re.compile(r"[a-z0-9 ]+")
# What squeezing removes: whitespace, punctuation and symbols (emoji included).
_SQUEEZE = re.compile(r"[\s\W_]+")
# Latin words spelled out letter by letter: "v i a g r a", "c.a.s.i.n.o".
_SPELLED = re.compile(r"(?<![a-z0-9])[a-z](?:[\s.*_-]+[a-z](?![a-z0-9])){2,}")
_SPELLING_GLUE = re.compile(r"[\s.*_-]+")


def join_spelled(normalized: str) -> str:
    """Text with words spelled out letter by letter written whole again."""
    return _SPELLED.sub(lambda m: _SPELLING_GLUE.sub("", m.group()), normalized)


def squeeze(normalized: str) -> str:
    """Normalised text without spaces, punctuation and symbols."""
    return _SQUEEZE.sub("", normalized)


def regex_options() -> re2.Options:
    """How banned-word patterns compile: case-insensitive and quiet."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


def literal_key(word: str) -> str:
    """The form a literal banned word is stored and matched in."""
    key = " ".join(normalize(word).split())
    return key if _LATIN_WORD.fullmatch(key) else squeeze(key)


class CompiledRules:
    """The matchers of one group's snapshot (build once, use for every message)."""

    def __init__(self, rules: GroupRules) -> None:
        self.rules = rules
        self.domains = rules.domains
        # The checks that run (none when moderation is off), looked up once per message each.
        self.enabled = frozenset(name for name in CHECKS if rules.enabled(name))
        literals = [w for w in rules.bad_words if not w.is_regex and w.match_key]
        # Latin words: whole words of the text. Others: anywhere in the squeezed text (their
        # keys are squeezed too, so spacing and punctuation inside them do not matter).
        self._words = [w for w in literals if _LATIN_WORD.fullmatch(w.match_key)]
        self._pieces = [w for w in literals if not _LATIN_WORD.fullmatch(w.match_key)]
        self._word_automaton = _automaton(self._words)
        self._piece_automaton = _automaton(self._pieces)
        self._patterns, self._pattern_words = _pattern_set(
            [w for w in rules.bad_words if w.is_regex]
        )

    def bad_word(self, normalized: str, squeezed: str | None = None) -> BadWord | None:
        """The first banned word in the text, if any (``squeezed``: if already computed)."""
        found = self._whole_word(normalized)
        if found is None and self._piece_automaton is not None:
            if squeezed is None:
                squeezed = squeeze(normalized)
            hits = self._piece_automaton.find_matches_as_indexes(squeezed)
            if hits:
                found = self._pieces[hits[0][0]]
        if found is None and self._patterns is not None:
            matched = self._patterns.Match(normalized)
            if matched:
                found = self._pattern_words[min(matched)]
        return found

    def _whole_word(self, normalized: str) -> BadWord | None:
        automaton = self._word_automaton
        if automaton is None:
            return None
        texts = [normalized]
        if _SPELLED.search(normalized):
            texts.append(join_spelled(normalized))
        for text in texts:
            for index, start, end in automaton.find_matches_as_indexes(text, overlapping=True):
                if _is_whole_word(text, start, end):
                    return self._words[index]
        return None


def _automaton(words: Sequence[BadWord]) -> ahocorasick_rs.AhoCorasick | None:
    return ahocorasick_rs.AhoCorasick([w.match_key for w in words]) if words else None


def _is_whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _pattern_set(words: Sequence[BadWord]) -> tuple[re2.Set | None, list[BadWord]]:
    """One RE2 set of every pattern that compiles (all were checked when added)."""
    if not words:
        return None, []
    patterns = re2.Set.SearchSet(regex_options())
    kept: list[BadWord] = []
    for word in words:
        try:
            patterns.Add(word.match_key)
        except re2.error:
            log.warning("banned pattern %s does not compile; skipped", word.id)
            continue
        kept.append(word)
    if not kept:
        return None, []
    try:
        patterns.Compile()
    except re2.error:
        log.warning("banned patterns of a group do not compile together; skipped")
        return None, []
    return patterns, kept
