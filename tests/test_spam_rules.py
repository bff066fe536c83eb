"""Pure decisions of the spam filter: the action syntax, verdicts, scope, newcomers, buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.newcomers import Newcomer, Newcomers
from handlers.moderation.actions import Action
from handlers.spam.feature import parse_press
from handlers.spam.rules import (
    ActionsError,
    format_actions,
    in_scope,
    parse_actions,
    parse_threshold,
    sample_digest,
    verdict,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        ("delete mute:1d report", (Action("delete"), Action("mute", 86_400), Action("report"))),
        ("delete mute 2h", (Action("delete"), Action("mute", 7_200))),
        ("Delete, BAN", (Action("delete"), Action("ban"))),
        ("ban 3天 report", (Action("ban", 259_200), Action("report"))),
        ("warn", (Action("warn"),)),
        ("kick delete", (Action("kick"), Action("delete"))),
    ],
)
def test_parse_actions(text: str, actions: tuple[Action, ...]) -> None:
    assert parse_actions(text) == actions
    assert parse_actions(format_actions(actions)) == actions


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ("", ""),
        ("fly", "fly"),
        ("delete delete", "delete"),
        ("report:1d", "report:1d"),
        ("mute:soon", "mute:soon"),
        ("mute 10s", "10s"),  # shorter than 30 seconds: not taken as the mute's length
        ("mute:400d", "mute:400d"),
    ],
)
def test_bad_actions_name_the_culprit(text: str, culprit: str) -> None:
    with pytest.raises(ActionsError) as caught:
        parse_actions(text)
    assert caught.value.text == culprit


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.95, "spam"), (0.88, "spam"), (0.87, "grey"), (0.58, "grey"), (0.57, "ham"), (0.0, "ham")],
)
def test_verdict(score: float, expected: str) -> None:
    assert verdict(score, 0.88, 0.3) == expected


def test_no_grey_band() -> None:
    assert verdict(0.87, 0.88, 0.0) == "ham"


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.9", 0.9), ("90%", 0.9), (" .5 ", 0.5), ("1", None), ("0", None), ("x", None), ("", None)],
)
def test_parse_threshold(text: str, value: float | None) -> None:
    assert parse_threshold(text) == value


@pytest.mark.parametrize(
    ("scope", "joined_days_ago", "messages", "scored"),
    [
        ("all", None, 500, True),
        ("new", 2, 500, True),  # joined two days ago
        ("new", 8, 500, False),  # joined long ago, talks a lot
        ("new", 8, 5, True),  # fifth message
        ("new", 8, 6, False),
        ("new", None, 1, True),  # never seen before: first message
        ("new", None, 6, False),
    ],
)
def test_scope(scope: str, joined_days_ago: int | None, messages: int, scored: bool) -> None:
    joined = NOW - timedelta(days=joined_days_ago) if joined_days_ago is not None else None
    assert in_scope(scope, Newcomer(joined, messages), NOW, 7, 5) is scored


def test_newcomers_are_bounded_and_rejoins_start_over() -> None:
    newcomers = Newcomers(limit=2)
    newcomers.put(1, 10, Newcomer(None, 9))
    newcomers.put(1, 11, Newcomer(None, 1))
    assert newcomers.get(1, 10) is not None  # touched: now the newest
    newcomers.put(1, 12, Newcomer(None, 1))
    assert newcomers.get(1, 11) is None
    newcomers.joined(1, 10, NOW)
    assert newcomers.get(1, 10) == Newcomer(NOW, 0)


def test_sample_digest_ignores_styling_and_spacing() -> None:
    assert sample_digest("ＶＸ  1 2 3") == sample_digest("vx 1 2 3")
    assert sample_digest("vx 123") != sample_digest("vx 124")


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        (("12", "s"), (12, True)),
        (("7", "h"), (7, False)),
        (("7", "x"), None),
        (("abc", "s"), None),
        (("1234567890123", "s"), None),
        (("1", "d", "x"), None),
    ],
)
def test_parse_press(data: tuple[str, ...], parsed: tuple[int, bool] | None) -> None:
    assert parse_press(data) == parsed
