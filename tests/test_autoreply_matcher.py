"""Which rule answers a message, and cooldowns: pure logic with plain data."""

from __future__ import annotations

import pytest

from handlers.autoreply.cooldown import Cooldowns
from handlers.autoreply.matcher import Matcher, Rule
from handlers.autoreply.rules import Answer, Trigger


def rule(rule_id: int, spelled: str) -> Rule:
    """A rule written the way /addreply takes it: ``kw``, ``=kw`` or ``re:pattern``."""
    if spelled.startswith("re:"):
        trigger = Trigger("regex", spelled[3:])
    elif spelled.startswith("="):
        trigger = Trigger("exact", spelled[1:])
    else:
        trigger = Trigger("contains", spelled)
    return Rule(rule_id, trigger.mode, trigger.match_key, (Answer(f"answer {rule_id}"),))


RULES = [
    rule(1, "price"),
    rule(2, "opening hours"),
    rule(3, "hours"),
    rule(4, "=hi"),
    rule(5, "价格"),
    rule(6, r"re:多少\s*钱"),
    rule(7, r"re:\bwechat\b|微信"),
    rule(8, "ＶＩＰ"),
    rule(9, "re:ORDER-\\d+"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is the PRICE?", 1),
        ("what are the opening hours", 2),  # the longer keyword wins over "hours"
        ("office hours please", 3),
        ("Hi", 4),
        ("  HI!  ", 4),  # a whole-message rule ignores spaces and end punctuation
        ("hi there", None),  # ...but the message must be nothing else
        ("这个价格是多少", 5),
        ("这个多少 钱", 6),
        ("加我微信", 7),
        ("my Wechat is", 7),
        ("wechatty", None),
        ("vip room", 8),  # a full-width keyword matches half-width text
        ("ｖｉｐ room", 8),  # and full-width text
        ("Ｐｒｉｃｅ", 1),
        ("pr\u200bice", 1),  # zero-width characters do not hide a keyword
        ("order-123 shipped", 9),  # regexes are case-insensitive
        ("nothing here", None),
        ("", None),
    ],
)
def test_match(text: str, expected: int | None) -> None:
    found = Matcher(RULES).match(text)
    assert (found.id if found else None) == expected


def test_order_of_candidates() -> None:
    """Whole message first, then the longest keyword (earliest on a tie), then patterns."""
    matcher = Matcher(
        [rule(1, "ab"), rule(2, "bcd"), rule(3, "=abcd"), rule(4, "re:a.c"), rule(5, "cd")]
    )
    assert list(matcher.candidates("abcd")) == [3, 2, 1, 5, 4]
    assert list(matcher.candidates("xx cd ab")) == [5, 1]


def test_overlapping_keywords_each_count_once() -> None:
    matcher = Matcher([rule(1, "aa"), rule(2, "a")])
    assert list(matcher.candidates("aaaa")) == [1, 2]


def test_a_rule_cooling_down_gives_way_to_the_next() -> None:
    matcher = Matcher([rule(1, "price"), rule(2, "shipping")])
    text = "price and shipping?"
    assert matcher.match(text, lambda rule_id: rule_id != 1).id == 2  # type: ignore[union-attr]
    assert matcher.match(text, lambda rule_id: False) is None


def test_empty_matcher() -> None:
    assert Matcher([]).match("anything") is None
    assert len(Matcher([])) == 0


def test_many_patterns_are_split_into_sets_that_compile() -> None:
    """Hundreds of large patterns still all match (sets are halved until they compile)."""
    rules = [rule(i, f"re:k{i:04d}x[a-z]{{2,40}}(foo|bar)+\\d{{1,30}}") for i in range(1, 1201)]
    matcher = Matcher(rules)
    for i in (1, 600, 1200):
        assert matcher.match(f"see k{i:04d}xabcfoo12").id == i  # type: ignore[union-attr]


def test_cooldown_with_a_controlled_clock() -> None:
    now = [100.0]
    cooldowns = Cooldowns(lambda: now[0])
    assert cooldowns.ready(-1, 7)
    cooldowns.start(-1, 7, 30)
    assert not cooldowns.ready(-1, 7)
    assert cooldowns.ready(-2, 7)  # per group
    assert cooldowns.ready(-1, 8)  # per rule
    now[0] = 129.9
    assert not cooldowns.ready(-1, 7)
    now[0] = 130.0
    assert cooldowns.ready(-1, 7)


def test_zero_cooldown_never_waits() -> None:
    cooldowns = Cooldowns(lambda: 0.0)
    cooldowns.start(-1, 1, 0)
    assert cooldowns.ready(-1, 1) and len(cooldowns) == 0


def test_expired_cooldowns_are_swept() -> None:
    now = [0.0]
    cooldowns = Cooldowns(lambda: now[0])
    for rule_id in range(10_000):
        cooldowns.start(-1, rule_id, 1)
    now[0] = 5.0
    cooldowns.start(-1, 1, 1)
    assert len(cooldowns) == 1
