"""Check-in points rules: rewards, streaks, make-up days, activity, levels and settings; no I/O."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date, timedelta
from typing import Any

import pytest

from handlers.checkin.rules import (
    CODE_ALPHABET,
    DEFAULT_LEVELS,
    KNOWN_SETTINGS,
    SETTING_RANGES,
    Level,
    PointsError,
    PointsRules,
    activity_award,
    capped_award,
    checkin_reward,
    current_streak,
    level_index,
    makeup_target,
    parse_amount,
    parse_setting_changes,
    redemption_code,
    rules_from_dict,
    rules_to_dict,
    streak_after,
    week_start,
)

DEFAULTS = PointsRules()
TODAY = date(2024, 3, 15)


def ago(*offsets: int) -> set[date]:
    """Days the given number of days before TODAY (0 is TODAY itself)."""
    return {TODAY - timedelta(days=offset) for offset in offsets}


def test_every_field_is_a_setting() -> None:
    assert {f.name for f in fields(PointsRules)} == set(KNOWN_SETTINGS)
    for name, (low, high) in SETTING_RANGES.items():
        assert low <= getattr(DEFAULTS, name) <= high


@pytest.mark.parametrize(
    ("streak", "rules", "reward"),
    [
        (1, DEFAULTS, 10),
        (2, DEFAULTS, 12),
        (8, DEFAULTS, 24),  # 7 bonus days: the cap
        (9, DEFAULTS, 24),
        (365, DEFAULTS, 24),
        (0, DEFAULTS, 10),  # nonsense streak: no bonus, no penalty
        (5, PointsRules(base=5, streak_bonus=0), 5),
        (5, PointsRules(streak_cap=0), 10),
        (3, PointsRules(base=0, streak_bonus=3, streak_cap=1), 3),
    ],
)
def test_checkin_reward(streak: int, rules: PointsRules, reward: int) -> None:
    assert checkin_reward(streak, rules) == reward


@pytest.mark.parametrize(
    ("last_day", "last_streak", "today", "streak"),
    [
        (None, 0, date(2024, 3, 15), 1),
        (date(2024, 3, 14), 4, date(2024, 3, 15), 5),
        (date(2024, 3, 15), 4, date(2024, 3, 15), 4),  # already checked in today
        (date(2024, 3, 13), 4, date(2024, 3, 15), 1),  # one day missed
        (date(2023, 3, 15), 9, date(2024, 3, 15), 1),
        (date(2024, 1, 31), 2, date(2024, 2, 1), 3),  # month boundary
        (date(2024, 2, 29), 2, date(2024, 3, 1), 3),  # leap day
        (date(2023, 2, 28), 2, date(2023, 3, 1), 3),
        (date(2023, 12, 31), 6, date(2024, 1, 1), 7),  # year boundary
        (date(2023, 12, 30), 6, date(2024, 1, 1), 1),
        (date(2024, 3, 16), 3, date(2024, 3, 15), 1),  # clock went back: start over
    ],
)
def test_streak_after(last_day: date | None, last_streak: int, today: date, streak: int) -> None:
    assert streak_after(last_day, last_streak, today) == streak


@pytest.mark.parametrize(
    ("days", "streak"),
    [
        (set(), 0),
        (ago(0), 1),
        (ago(0, 1, 2), 3),
        (ago(1, 2, 3), 3),  # today still open
        (ago(0, 1, 3, 4), 2),
        (ago(2, 3), 0),  # yesterday missed
        (ago(5), 0),
        (ago(-1), 0),  # a future day does not count
    ],
)
def test_current_streak(days: set[date], streak: int) -> None:
    assert current_streak(days, TODAY) == streak


def test_current_streak_across_year() -> None:
    days = [date(2023, 12, 30), date(2023, 12, 31), date(2024, 1, 1)]
    assert current_streak(days, date(2024, 1, 1)) == 3
    assert current_streak(days, date(2024, 1, 2)) == 3


@pytest.mark.parametrize(
    ("days", "window", "target"),
    [
        (ago(0, 1, 3, 4), 7, 2),  # gap inside the window
        (ago(1, 3), 7, 2),  # today not checked in yet is not a gap
        (ago(0, 1, 2, 3, 4, 5, 6, 7, 9), 7, None),  # the only gap is 9 days back
        (ago(0, 1, 2, 3, 4, 5, 6, 8), 7, 7),  # the window edge is reachable
        (ago(0, 1, 2, 3, 4, 5, 6, 8), 6, None),
        (ago(0, 2, 5, 6), 7, 1),  # several gaps: the most recent
        (ago(0, 1, 2), 7, None),  # no gap after the first check-in
        (ago(0), 7, None),  # nothing before the gaps
        (set(), 7, None),
        (ago(3), 7, 1),  # yesterday follows the check-in 3 days back
        (ago(0, 1, 2, 4), 1, None),
    ],
)
def test_makeup_target(days: set[date], window: int, target: int | None) -> None:
    expected = None if target is None else TODAY - timedelta(days=target)
    assert makeup_target(days, TODAY, window) == expected


def test_makeup_target_month_boundary() -> None:
    days = {date(2024, 2, 28), date(2024, 3, 1), date(2024, 3, 2)}
    assert makeup_target(days, date(2024, 3, 2), 7) == date(2024, 2, 29)


LEVELS = (Level(0, "新人", "Newcomer"), Level(100, "活跃", "Active"), Level(500, "达人", "Expert"))


@pytest.mark.parametrize(
    ("total", "index"),
    [(-5, 0), (0, 0), (99, 0), (100, 1), (101, 1), (499, 1), (500, 2), (10**9, 2)],
)
def test_level_index(total: int, index: int) -> None:
    assert level_index(total, LEVELS) == index


def test_default_levels() -> None:
    thresholds = [level.threshold for level in DEFAULT_LEVELS]
    assert thresholds[0] == 0
    assert thresholds == sorted(set(thresholds))
    assert level_index(0, DEFAULT_LEVELS) == 0
    assert level_index(10**6, DEFAULT_LEVELS) == len(DEFAULT_LEVELS) - 1


@pytest.mark.parametrize(
    ("language", "name"),
    [("zh", "活跃"), ("zh-hans", "活跃"), ("ZH_CN", "活跃"), ("en", "Active"), ("fr", "Active")],
)
def test_level_name(language: str, name: str) -> None:
    assert LEVELS[1].name(language) == name


@pytest.mark.parametrize(
    ("chars", "seconds", "earned", "rules", "points"),
    [
        (5, None, 0, DEFAULTS, 0),  # too short
        (6, None, 0, DEFAULTS, 1),
        (6, 59.9, 0, DEFAULTS, 0),  # inside the cooldown
        (6, 60, 0, DEFAULTS, 1),
        (6, 3600, 19, DEFAULTS, 1),
        (6, 3600, 20, DEFAULTS, 0),  # cap reached
        (6, 3600, 25, DEFAULTS, 0),  # cap lowered below what was earned
        (6, 3600, 18, PointsRules(activity_points=5), 2),  # cap partially reached
        (6, 0, 0, PointsRules(activity_cooldown=0), 1),
        (100, None, 0, PointsRules(activity_points=0), 0),
        (100, None, 0, PointsRules(activity_cap=0), 0),
    ],
)
def test_activity_award(
    chars: int, seconds: float | None, earned: int, rules: PointsRules, points: int
) -> None:
    assert activity_award(chars, seconds, earned, rules) == points


def test_parse_setting_changes_full() -> None:
    text = (
        "base=5 streak_bonus=3 streak_cap=10 makeup_cost=30 makeup_window=3 activity_chars=10 "
        "activity_cooldown=120 activity_points=2 activity_cap=40 "
        "levels=500:达人/Expert,0:新人/Newcomer,100:活跃"
    )
    assert parse_setting_changes(text, DEFAULTS) == PointsRules(
        base=5,
        streak_bonus=3,
        streak_cap=10,
        makeup_cost=30,
        makeup_window=3,
        activity_chars=10,
        activity_cooldown=120,
        activity_points=2,
        activity_cap=40,
        levels=(
            Level(0, "新人", "Newcomer"),
            Level(100, "活跃", "活跃"),
            Level(500, "达人", "Expert"),
        ),
    )


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("base=20", {"base": 20}),
        ("BASE=20", {"base": 20}),
        ("base＝２０", {"base": 20}),  # full-width
        ("base=20\u3000streak_cap=3", {"base": 20, "streak_cap": 3}),  # ideographic space
        ("base=1 base=2", {"base": 2}),  # a later repeat wins
        ("makeup_cost=1,000", {"makeup_cost": 1000}),
        ("base=0 makeup_window=30", {"base": 0, "makeup_window": 30}),
        (
            "levels=0：新人／Newcomer，50：常客",
            {"levels": (Level(0, "新人", "Newcomer"), Level(50, "常客", "常客"))},
        ),
        (
            "levels=0:新人、50:常客/Regular,",
            {"levels": (Level(0, "新人", "新人"), Level(50, "常客", "Regular"))},
        ),
    ],
)
def test_parse_setting_changes(text: str, changes: dict[str, Any]) -> None:
    current = PointsRules(streak_bonus=4)
    assert parse_setting_changes(text, current) == replace(current, **changes)


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("", "setting_usage", {}),
        ("   ", "setting_usage", {}),
        ("base", "bad_setting_syntax", {"token": "base"}),
        ("base=1 cap", "bad_setting_syntax", {"token": "cap"}),
        ("=5", "bad_setting_syntax", {"token": "=5"}),
        ("base = 5", "bad_setting_syntax", {"token": "base"}),
        (
            "bonus=5",
            "unknown_setting",
            {"name": "bonus", "known": ", ".join(KNOWN_SETTINGS)},
        ),
        ("base=-1", "bad_setting", {"name": "base", "value": "-1", "low": 0, "high": 10_000}),
        ("base=10001", "bad_setting", {"name": "base", "value": "10001", "low": 0, "high": 10_000}),
        ("base=ten", "bad_setting", {"name": "base", "value": "ten", "low": 0, "high": 10_000}),
        ("base=", "bad_setting", {"name": "base", "value": "", "low": 0, "high": 10_000}),
        ("base=1.5", "bad_setting", {"name": "base", "value": "1.5", "low": 0, "high": 10_000}),
        ("base=1,5", "bad_setting", {"name": "base", "value": "1,5", "low": 0, "high": 10_000}),
        ("streak_bonus=1001", "bad_setting", {"name": "streak_bonus", "value": "1001"}),
        ("streak_cap=366", "bad_setting", {"name": "streak_cap", "value": "366", "high": 365}),
        ("makeup_cost=1000001", "bad_setting", {"name": "makeup_cost", "high": 1_000_000}),
        ("makeup_window=0", "bad_setting", {"name": "makeup_window", "low": 1, "high": 30}),
        ("makeup_window=31", "bad_setting", {"name": "makeup_window", "value": "31"}),
        ("activity_chars=0", "bad_setting", {"name": "activity_chars", "low": 1}),
        ("activity_cooldown=86401", "bad_setting", {"name": "activity_cooldown"}),
        ("activity_points=1001", "bad_setting", {"name": "activity_points"}),
        ("activity_cap=100001", "bad_setting", {"name": "activity_cap"}),
        ("base=" + "9" * 5000, "bad_setting", {"name": "base", "value": "9" * 20}),
        ("levels=", "bad_levels", {"detail": "0 (1..20)"}),
        (
            "levels=" + ",".join(f"{n}:L{n}" for n in range(21)),
            "bad_levels",
            {"detail": "21 (1..20)"},
        ),
        ("levels=0:a,100", "bad_levels", {"detail": "100"}),
        ("levels=0:a,x:b", "bad_levels", {"detail": "x:b"}),
        ("levels=0:a,-5:b", "bad_levels", {"detail": "-5:b"}),
        ("levels=0:a,99999999999:b", "bad_levels", {"detail": "99999999999:b"}),
        ("levels=0:a,100:", "bad_levels", {"detail": "100:"}),
        ("levels=0:a,100:/Active", "bad_levels", {"detail": "100:/Active"}),
        ("levels=0:a,100:" + "x" * 21, "bad_levels", {"detail": ("100:" + "x" * 21)[:20]}),
        ("levels=0:a,100:b,100:c", "bad_levels", {"detail": "100:c"}),
        ("levels=10:a,100:b", "bad_levels", {"detail": "10:a"}),
        ("levels=100:b,10:a", "bad_levels", {"detail": "10:a"}),  # the lowest, after sorting
        ("base=5 nope=1", "unknown_setting", {"name": "nope"}),
    ],
)
def test_parse_setting_changes_errors(text: str, key: str, values: dict[str, Any]) -> None:
    with pytest.raises(PointsError) as caught:
        parse_setting_changes(text, DEFAULTS)
    assert caught.value.key == key
    assert caught.value.values.items() >= values.items()
    if key == "bad_setting":
        assert set(caught.value.values) == {"name", "value", "low", "high"}


@pytest.mark.parametrize(
    "rules",
    [
        DEFAULTS,
        PointsRules(base=0),
        PointsRules(streak_bonus=5, activity_cap=0, makeup_window=30),
        PointsRules(levels=(Level(0, "新人", "Newcomer"), Level(10, "老手", "Old hand"))),
    ],
)
def test_rules_dict_round_trip(rules: PointsRules) -> None:
    assert rules_from_dict(rules_to_dict(rules)) == rules


def test_rules_to_dict_keeps_only_changes() -> None:
    assert rules_to_dict(DEFAULTS) == {}
    rules = PointsRules(base=3, levels=(Level(0, "新人", "Newcomer"), Level(9, "甲", "A")))
    assert rules_to_dict(rules) == {"base": 3, "levels": [[0, "新人", "Newcomer"], [9, "甲", "A"]]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, DEFAULTS),
        ({}, DEFAULTS),
        ({"unknown": 5, "base": 3}, PointsRules(base=3)),
        ({"base": "3"}, DEFAULTS),
        ({"base": True}, DEFAULTS),
        ({"base": 3.0}, DEFAULTS),
        ({"base": -1, "streak_cap": 400, "makeup_window": 0}, DEFAULTS),
        ({"levels": "0:a"}, DEFAULTS),
        ({"levels": []}, DEFAULTS),
        ({"levels": [[0, "a"]]}, DEFAULTS),
        ({"levels": [[5, "a", "A"]]}, DEFAULTS),  # must start at 0
        ({"levels": [[0, "a", "A"], [0, "b", "B"]]}, DEFAULTS),
        ({"levels": [[0, "a", ""]]}, DEFAULTS),
        ({"levels": [[0, "a", 7]]}, DEFAULTS),
        ({"levels": [[False, "a", "A"]]}, DEFAULTS),
        ({"levels": [[0, "a", "A"]], "base": "x"}, PointsRules(levels=(Level(0, "a", "A"),))),
        (
            {"levels": [[50, "b", "B"], [0, "a", "A"]]},
            PointsRules(levels=(Level(0, "a", "A"), Level(50, "b", "B"))),
        ),
    ],
)
def test_rules_from_dict_tolerant(data: dict[str, Any] | None, expected: PointsRules) -> None:
    assert rules_from_dict(data) == expected


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("5", 5),
        ("  5 ", 5),
        ("+5", 5),
        ("1,000", 1000),
        ("1,000,000", 1_000_000),
        ("1_000", 1000),
        ("１０", 10),  # full-width digits
        ("007", 7),
    ],
)
def test_parse_amount(text: str, amount: int) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "limit", "key", "values"),
    [
        (None, 100, "amount_missing", {}),
        ("", 100, "amount_missing", {}),
        ("  ", 100, "amount_missing", {}),
        ("abc", 100, "amount_not_number", {"value": "abc"}),
        ("1.5", 100, "amount_not_number", {"value": "1.5"}),
        ("1,5", 100, "amount_not_number", {"value": "1,5"}),
        ("1,0000", 100, "amount_not_number", {"value": "1,0000"}),
        ("5pts", 100, "amount_not_number", {"value": "5pts"}),
        ("1e3", 100, "amount_not_number", {"value": "1e3"}),
        ("x" * 50, 100, "amount_not_number", {"value": "x" * 20}),
        ("0", 100, "amount_not_positive", {"value": "0"}),
        ("-5", 100, "amount_not_positive", {"value": "-5"}),
        ("－５", 100, "amount_not_positive", {"value": "-5"}),  # full-width minus
        ("\u22125", 100, "amount_not_positive", {"value": "\u22125"}),  # minus sign
        ("101", 100, "amount_too_big", {"value": "101", "limit": 100}),
        ("9" * 5000, 100, "amount_too_big", {"value": "9" * 20, "limit": 100}),
        ("1,000,001", 1_000_000, "amount_too_big", {"value": "1,000,001", "limit": 1_000_000}),
    ],
)
def test_parse_amount_errors(
    text: str | None, limit: int, key: str, values: dict[str, Any]
) -> None:
    with pytest.raises(PointsError) as caught:
        parse_amount(text, limit)
    assert (caught.value.key, caught.value.values) == (key, values)


def test_parse_amount_default_limit() -> None:
    assert parse_amount("1000000") == 1_000_000
    with pytest.raises(PointsError):
        parse_amount("1000001")


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2024, 3, 11), date(2024, 3, 11)),  # Monday
        (date(2024, 3, 17), date(2024, 3, 11)),  # Sunday
        (date(2024, 3, 14), date(2024, 3, 11)),
        (date(2024, 1, 3), date(2024, 1, 1)),
        (date(2023, 1, 1), date(2022, 12, 26)),  # across the year
        (date(2024, 3, 2), date(2024, 2, 26)),  # across the month
    ],
)
def test_week_start(day: date, monday: date) -> None:
    assert week_start(day) == monday


def test_redemption_code_shape() -> None:
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)
    rng = random.Random(1)
    for _ in range(200):
        code = redemption_code(rng)
        assert len(code) == 9
        assert code[4] == "-"
        assert set(code[:4] + code[5:]) <= set(CODE_ALPHABET)


def test_redemption_code_deterministic() -> None:
    first = [redemption_code(random.Random(42)) for _ in range(2)]
    assert first[0] == first[1]
    rng = random.Random(42)
    assert redemption_code(rng) != redemption_code(rng)


def test_points_error_carries_key_and_values() -> None:
    error = PointsError("amount_too_big", value="9", limit=5)
    assert isinstance(error, ValueError)
    assert (error.key, error.values, str(error)) == (
        "amount_too_big",
        {"value": "9", "limit": 5},
        "amount_too_big",
    )


@pytest.mark.parametrize(
    ("points", "stored_today", "cap", "expected"),
    [(3, 0, 20, 3), (3, 18, 20, 2), (3, 20, 20, 0), (3, 25, 20, 0), (0, 0, 20, 0)],
)
def test_capped_award(points: int, stored_today: int, cap: int, expected: int) -> None:
    assert capped_award(points, stored_today, cap) == expected
