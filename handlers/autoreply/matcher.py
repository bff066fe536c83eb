"""Which rule answers a message: one pass over the text whatever the number of rules.

Literal keywords go through one Aho-Corasick automaton, whole-message keywords through a
dict, patterns through RE2 sets. When several rules match, the most specific answers: a
whole-message rule, then the longest keyword (earliest in the text on a tie), then the
oldest pattern. A rule cooling down is passed over for the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import re2

from handlers.autoreply.normalize import fold, trim
from handlers.autoreply.rules import CONTAINS, EXACT, REGEX, Answer, regex_options

log = logging.getLogger(__name__)

# Patterns per RE2 set: large sets match fastest but may exceed RE2's memory budget, in
# which case a set is split in halves until each half compiles.
SET_SIZE = 512


@dataclass(frozen=True, slots=True)
class Rule:
    """A stored rule as the matcher needs it."""

    id: int
    mode: str
    match_key: str
    answers: tuple[Answer, ...]


class Matcher:
    """All of one group's rules, compiled once; rebuilt when the group's rules change."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = {rule.id: rule for rule in rules}
        self._exact: dict[str, int] = {}
        literals: list[Rule] = []
        patterns: list[Rule] = []
        for rule in sorted(rules, key=lambda r: r.id):
            if rule.mode == EXACT:
                self._exact.setdefault(rule.match_key, rule.id)
            elif rule.mode == CONTAINS and rule.match_key:
                literals.append(rule)
            elif rule.mode == REGEX:
                patterns.append(rule)
        self._literal_ids = [rule.id for rule in literals]
        self._literal_lengths = [len(rule.match_key) for rule in literals]
        self._automaton = (
            ahocorasick_rs.AhoCorasick([rule.match_key for rule in literals]) if literals else None
        )
        self._sets = _pattern_sets(patterns)

    def __len__(self) -> int:
        return len(self.rules)

    def candidates(self, text: str) -> Iterator[int]:
        """Ids of the rules a message matches, most specific first, each once."""
        folded = fold(text)
        seen: set[int] = set()
        exact = self._exact.get(trim(folded))
        if exact is not None:
            seen.add(exact)
            yield exact
        for rule_id in self._literal_matches(folded):
            if rule_id not in seen:
                seen.add(rule_id)
                yield rule_id
        for rule_id in self._pattern_matches(folded):
            if rule_id not in seen:
                seen.add(rule_id)
                yield rule_id

    def match(self, text: str, ready: Callable[[int], bool] = lambda _: True) -> Rule | None:
        """The rule that answers ``text``: the most specific one that is ``ready``."""
        for rule_id in self.candidates(text):
            if ready(rule_id):
                return self.rules[rule_id]
        return None

    def _literal_matches(self, folded: str) -> list[int]:
        if self._automaton is None:
            return []
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        if not found:
            return []
        lengths = self._literal_lengths
        found.sort(key=lambda m: (-lengths[m[0]], m[1], m[0]))
        return [self._literal_ids[index] for index, _, _ in found]

    def _pattern_matches(self, folded: str) -> list[int]:
        ids: list[int] = []
        for patterns, ids_of in self._sets:
            hits = patterns.Match(folded)
            if hits:
                ids.extend(ids_of[index] for index in hits)
        return sorted(ids)


PatternSet = tuple[re2.Set, list[int]]


def _pattern_sets(rules: Sequence[Rule]) -> list[PatternSet]:
    """RE2 sets holding every pattern, as few as compile."""
    sets: list[PatternSet] = []
    for start in range(0, len(rules), SET_SIZE):
        sets.extend(_compile_set(rules[start : start + SET_SIZE]))
    return sets


def _compile_set(rules: Sequence[Rule]) -> list[PatternSet]:
    patterns = re2.Set.SearchSet(regex_options())
    ids: list[int] = []
    try:
        for rule in rules:
            patterns.Add(rule.match_key)
            ids.append(rule.id)
        patterns.Compile()
    except re2.error:
        if len(rules) == 1:
            # Checked when stored, so only a pattern too large for a set lands here.
            log.warning("auto-reply pattern of rule %s does not compile in a set", rules[0].id)
            return []
        half = len(rules) // 2
        return _compile_set(rules[:half]) + _compile_set(rules[half:])
    return [(patterns, ids)]
