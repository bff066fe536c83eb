"""The pure rules of badges: /award arguments, holding after grants and revokes, weeks."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.badges.rules import AwardArgs, BadgeError, last_full_week, parse_award
from storage.badges import held, streak_badges_reached


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("helper", AwardArgs("helper", "")),
        ("Helper  answered   everyone ", AwardArgs("helper", "answered everyone")),
        ("ｈｅｌｐｅｒ 好", AwardArgs("helper", "好")),
        ("热心-成员_1 thanks", AwardArgs("热心-成员_1", "thanks")),
    ],
)
def test_award_arguments(text: str, expected: AwardArgs) -> None:
    assert parse_award(text, "award", 24, 200) == expected


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("", "usage", {"command": "award"}),
        ("   ", "usage", {"command": "award"}),
        ("x" * 25, "name_too_long", {"length": 25, "limit": 24}),
        ("<b>bold</b>", "bad_name", {"name": "<b>bold</b>"}),
        ("ok " + "r" * 201, "reason_too_long", {"length": 201, "limit": 200}),
    ],
)
def test_bad_award_arguments(text: str, key: str, values: dict[str, object]) -> None:
    with pytest.raises(BadgeError) as caught:
        parse_award(text, "award", 24, 200)
    assert (caught.value.key, caught.value.values) == (key, values)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], []),
        ([("a", "grant")], ["a"]),
        ([("a", "grant"), ("a", "revoke")], []),
        ([("a", "grant"), ("b", "grant"), ("a", "revoke"), ("a", "grant")], ["b", "a"]),
        ([("a", "revoke")], []),
    ],
)
def test_held_is_grants_minus_revokes(events: list[tuple[str, str]], expected: list[str]) -> None:
    assert held(events) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (5, 6, []),
        (6, 7, ["streak7"]),
        (7, 8, []),
        (29, 30, ["streak30"]),
        (99, 100, ["streak100"]),
        (0, 100, ["streak7", "streak30", "streak100"]),
        (0, 1, []),
    ],
)
def test_streak_badges_reached(before: int, after: int, expected: list[str]) -> None:
    assert streak_badges_reached(before, after) == expected


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (date(2026, 12, 7), date(2026, 11, 30)),  # a Monday: last week ended yesterday
        (date(2026, 12, 13), date(2026, 11, 30)),  # a Sunday: this week is not over
        (date(2026, 12, 14), date(2026, 12, 7)),
    ],
)
def test_last_full_week(today: date, monday: date) -> None:
    assert last_full_week(today) == monday
