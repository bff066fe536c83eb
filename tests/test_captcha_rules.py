"""The captcha's pure decisions: who gets one, challenges, presses, deadlines, settings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from core.buttons import encode
from handlers.captcha.rules import (
    ANSWER,
    BUTTON_CHOICE,
    MATH_OPTIONS,
    Joiner,
    Pending,
    Press,
    SettingError,
    button_args,
    check_fail_action,
    check_mode,
    check_seconds,
    choices,
    deadline,
    judge,
    make_challenge,
    needs_captcha,
    overdue,
    read_press,
)

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NEWCOMER = 500


def joiner(**changes: bool) -> Joiner:
    values = {"is_bot": False, "is_admin": False, "added_by_admin": False, "added_by_bot": False}
    values.update(changes)
    return Joiner(**values)


@pytest.mark.parametrize(
    ("enabled", "who", "expected"),
    [
        (True, joiner(), True),
        (False, joiner(), False),
        (True, joiner(is_bot=True), False),
        (True, joiner(is_admin=True), False),
        (True, joiner(added_by_admin=True), False),
        (True, joiner(added_by_bot=True), False),
        (False, joiner(is_bot=True), False),
    ],
)
def test_who_needs_a_captcha(enabled: bool, who: Joiner, expected: bool) -> None:
    assert needs_captcha(enabled, who) is expected


@pytest.mark.parametrize("seed", range(200))
def test_math_challenge_has_one_right_answer_among_distinct_options(seed: int) -> None:
    challenge = make_challenge("math", random.Random(seed))
    assert challenge.mode == "math"
    assert 1 <= challenge.a <= 20 and 1 <= challenge.b <= 20
    assert len(challenge.options) == MATH_OPTIONS
    assert len(set(challenge.options)) == MATH_OPTIONS
    assert all(option >= 0 for option in challenge.options)
    assert challenge.options[challenge.answer] == challenge.a + challenge.b
    assert [o for o in challenge.options if o == challenge.a + challenge.b] == [
        challenge.a + challenge.b
    ]


def test_right_answer_moves_between_positions() -> None:
    rng = random.Random(7)
    positions = {make_challenge("math", rng).answer for _ in range(200)}
    assert positions == set(range(MATH_OPTIONS))


@pytest.mark.parametrize("mode", ["button", "anything-else"])
def test_button_challenge_is_one_button(mode: str) -> None:
    challenge = make_challenge(mode, random.Random(1))
    assert challenge.mode == "button"
    assert choices(challenge) == [BUTTON_CHOICE]


def test_choices_of_a_sum_are_the_option_indexes() -> None:
    challenge = make_challenge("math", random.Random(3))
    assert choices(challenge) == ["0", "1", "2", "3"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (button_args(12, "ok"), Press(12, "ok")),
        (button_args(7, "3"), Press(7, "3")),
        (("99", "1"), Press(99, "1")),
        ((), None),
        (("12",), None),
        (("x", "1"), None),
        (("-1", "1"), None),
        (("1", ""), None),
        (("1", "123456789"), None),
        (("1234567890123456789", "1"), None),
        (("clear",), None),
        (("",), None),
    ],
)
def test_parse_press(data: tuple[object, ...], expected: Press | None) -> None:
    assert read_press(tuple(str(a) for a in data)) == expected


def test_button_data_fits_telegram_limit() -> None:
    assert len(encode(ANSWER, button_args(2**62, "ok")).encode()) <= 64


def pending(mode: str = "math", answer: int = 2, attempts: int = 2) -> Pending:
    return Pending(NEWCOMER, mode, answer, attempts, T0 + timedelta(minutes=2))


@pytest.mark.parametrize(
    ("case", "presser", "choice", "at", "verdict"),
    [
        (pending(), NEWCOMER, "2", T0, "pass"),
        (pending(), NEWCOMER, "1", T0, "retry"),
        (pending(attempts=1), NEWCOMER, "1", T0, "fail"),
        (pending(), NEWCOMER, "junk", T0, "retry"),
        (pending(), 777, "2", T0, "not_yours"),
        (pending(), 777, "2", T0 + timedelta(hours=1), "not_yours"),
        (pending(), NEWCOMER, "2", T0 + timedelta(minutes=2), "expired"),
        (pending(), NEWCOMER, "2", T0 + timedelta(minutes=1, seconds=59), "pass"),
        (pending("button", 0, 1), NEWCOMER, "ok", T0, "pass"),
        (pending("button", 0, 1), NEWCOMER, "0", T0, "fail"),
        (pending("button", 0, 1), 777, "ok", T0, "not_yours"),
    ],
)
def test_judge(case: Pending, presser: int, choice: str, at: datetime, verdict: str) -> None:
    assert judge(case, presser, choice, at) == verdict


def test_deadline_and_overdue_with_a_controlled_clock() -> None:
    deadlines = {
        1: deadline(T0, 60),
        2: deadline(T0, 30),
        3: deadline(T0, 3600),
    }
    assert overdue(deadlines, T0) == []
    assert overdue(deadlines, T0 + timedelta(seconds=30)) == [2]
    assert overdue(deadlines, T0 + timedelta(minutes=5)) == [2, 1]
    assert overdue(deadlines, T0 + timedelta(days=1)) == [2, 1, 3]


@pytest.mark.parametrize(
    ("seconds", "typed", "ok"),
    [
        (30, "30s", True),
        (120, "2m", True),
        (3600, "1h", True),
        (29, "29s", False),
        (3601, "1h1s", False),
        (None, "soon", False),
        (0, "0s", False),
    ],
)
def test_check_seconds(seconds: int | None, typed: str, ok: bool) -> None:
    if ok:
        assert check_seconds(seconds, typed) == seconds
        return
    with pytest.raises(SettingError) as error:
        check_seconds(seconds, typed)
    assert error.value.key == "bad_time"
    assert error.value.values == {"value": typed}


@pytest.mark.parametrize(
    ("word", "expected"),
    [("kick", "kick"), ("BAN", "ban"), (" mute ", "mute"), ("warn", None), ("", None)],
)
def test_check_fail_action(word: str, expected: str | None) -> None:
    if expected is not None:
        assert check_fail_action(word) == expected
        return
    with pytest.raises(SettingError) as error:
        check_fail_action(word)
    assert error.value.key == "bad_fail"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("button", "button"), ("MATH", "math"), ("on", None), ("sum", None)],
)
def test_check_mode(word: str, expected: str | None) -> None:
    assert check_mode(word) == expected
