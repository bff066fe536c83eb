"""The pure rules of challenges: reading /challenge, progress in a window, a window's state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers.challenges.rules import (
    CHECKIN_STREAK,
    MESSAGES,
    ChallengeError,
    ChallengeSpec,
    Limits,
    longest_run,
    parse_challenge,
    progress,
    state,
)

TODAY = date(2026, 12, 1)  # a Tuesday
LIMITS = Limits(max_days=31, max_target=1000, max_points=500)


def days(*numbers: int) -> set[date]:
    """Days of December 2026."""
    return {date(2026, 12, n) for n in numbers}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "checkin_streak 7 12-01..12-07 points=50",
            ChallengeSpec(CHECKIN_STREAK, 7, date(2026, 12, 1), date(2026, 12, 7), 50, None),
        ),
        (
            "签到 3 12-02~12-04 badge=Early_Bird",
            ChallengeSpec(CHECKIN_STREAK, 3, date(2026, 12, 2), date(2026, 12, 4), 0, "early_bird"),
        ),
        (
            "messages 50 week points=10 badge=talker",
            ChallengeSpec(MESSAGES, 50, TODAY, date(2026, 12, 6), 10, "talker"),
        ),
        (
            "发言 20 12-28..01-03 积分=５",
            ChallengeSpec(MESSAGES, 20, date(2026, 12, 28), date(2027, 1, 3), 5, None),
        ),
        (
            "messages 1 2026-12-01..2026-12-31 points=1",
            ChallengeSpec(MESSAGES, 1, TODAY, date(2026, 12, 31), 1, None),
        ),
    ],
)
def test_challenges_as_typed(text: str, expected: ChallengeSpec) -> None:
    assert parse_challenge(text, TODAY, LIMITS) == expected


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("", "usage", {}),
        ("messages 5", "usage", {}),
        ("dance 5 week points=1", "unknown_kind", {"kind": "dance"}),
        ("messages 0 week points=1", "bad_target", {"value": "0", "limit": 1000}),
        ("messages lots week points=1", "bad_target", {"value": "lots", "limit": 1000}),
        ("messages 5 tomorrow points=1", "bad_window", {"value": "tomorrow"}),
        ("messages 5 12-40..12-41 points=1", "bad_window", {"value": "12-40..12-41"}),
        (
            "messages 5 2026-12-05..2026-12-01 points=1",
            "bad_window",
            {"value": "2026-12-05..2026-12-"},
        ),
        ("messages 5 2026-11-01..2026-11-30 points=1", "window_past", {"end": "2026-11-30"}),
        ("messages 5 12-01..01-31 points=1", "window_too_long", {"days": 62, "limit": 31}),
        ("签到 8 12-01..12-07 points=1", "target_beyond_window", {"target": 8, "days": 7}),
        ("messages 5 week prize=1", "bad_option", {"token": "prize=1"}),
        ("messages 5 week points=501", "bad_points", {"value": "501", "limit": 500}),
        ("messages 5 week badge=<b>", "bad_badge", {"name": "<b>"}),
        ("messages 5 week", "no_reward", {}),
        ("messages 5 week points=0", "no_reward", {}),
    ],
)
def test_bad_challenges(text: str, key: str, values: dict[str, object]) -> None:
    with pytest.raises(ChallengeError) as caught:
        parse_challenge(text, TODAY, LIMITS)
    assert (caught.value.key, caught.value.values) == (key, values)


@pytest.mark.parametrize(
    ("checked", "expected"),
    [
        (days(), 0),
        (days(3), 1),
        (days(1, 2, 3), 3),
        (days(1, 2, 4, 5, 6), 3),
        (days(1, 2, 3, 4, 5, 6, 7, 8), 7),  # the 8th is outside the window
        ({date(2026, 11, 30), *days(1, 2)}, 2),  # so is the day before
    ],
)
def test_longest_run_in_the_window(checked: set[date], expected: int) -> None:
    assert longest_run(checked, date(2026, 12, 1), date(2026, 12, 7)) == expected


@pytest.mark.parametrize(("kind", "expected"), [(CHECKIN_STREAK, 2), (MESSAGES, 40)])
def test_progress_by_kind(kind: str, expected: int) -> None:
    assert progress(kind, days(1, 2), 40, date(2026, 12, 1), date(2026, 12, 7)) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (TODAY - timedelta(days=1), "upcoming"),
        (TODAY, "active"),
        (date(2026, 12, 7), "active"),
        (date(2026, 12, 8), "ended"),
    ],
)
def test_window_state(today: date, expected: str) -> None:
    assert state(TODAY, date(2026, 12, 7), today) == expected
