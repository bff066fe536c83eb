"""Pure enforcement logic: durations, the escalation ladder and warning expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.moderation.warnings import (
    DEFAULT_LADDER,
    LadderError,
    Rung,
    active,
    expiry_start,
    is_active,
    ladder_spec,
    next_rung,
    parse_ladder,
    rung_for,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = 86_400


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("3:mute:1h 5:mute:1d 7:ban", "3:mute:1h 5:mute:1d 7:ban"),
        ("7:ban, 3:mute:60m", "3:mute:1h 7:ban"),
        ("2:kick", "2:kick"),
        ("4:ban:3天", "4:ban:3d"),
        ("1:MUTE", "1:mute"),
        ("", ""),
    ],
)
def test_parse_ladder_canonical(text: str, spec: str) -> None:
    assert ladder_spec(parse_ladder(text)) == spec


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("3mute", "enforcement.ladder_rung_syntax"),
        ("x:mute", "enforcement.ladder_rung_syntax"),
        ("3:mute:1h:extra", "enforcement.ladder_rung_syntax"),
        ("0:ban", "enforcement.ladder_rung_count"),
        ("101:ban", "enforcement.ladder_rung_count"),
        ("3:shout", "enforcement.ladder_rung_action"),
        ("3:kick:1h", "enforcement.ladder_rung_kick"),
        ("3:mute:soon", "enforcement.ladder_rung_duration"),
        ("3:mute:10s", "enforcement.ladder_rung_duration"),
        ("3:ban:400d", "enforcement.ladder_rung_duration"),
        ("3:mute:1h 3:ban", "enforcement.ladder_rung_twice"),
        (" ".join(f"{n}:kick" for n in range(1, 12)), "enforcement.ladder_too_long"),
    ],
)
def test_parse_ladder_refuses(text: str, key: str) -> None:
    with pytest.raises(LadderError) as caught:
        parse_ladder(text)
    assert caught.value.key == key


LADDER = parse_ladder(DEFAULT_LADDER)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, None),
        (1, None),
        (2, None),
        (3, Rung(3, "mute", 3_600)),
        (4, None),
        (5, Rung(5, "mute", DAY)),
        (6, None),
        (7, Rung(7, "ban")),
        (8, Rung(7, "ban")),
        (20, Rung(7, "ban")),
    ],
)
def test_rung_for_default_ladder(count: int, expected: Rung | None) -> None:
    assert rung_for(LADDER, count) == expected


def test_empty_ladder_never_escalates() -> None:
    assert all(rung_for((), n) is None for n in range(10))


@pytest.mark.parametrize(("count", "upcoming"), [(0, 3), (2, 3), (3, 5), (6, 7), (7, None)])
def test_next_rung(count: int, upcoming: int | None) -> None:
    rung = next_rung(LADDER, count)
    assert (rung.count if rung else None) == upcoming


@pytest.mark.parametrize(
    ("age", "expiry", "counts"),
    [
        (timedelta(0), 30 * DAY, True),
        (timedelta(days=29, hours=23), 30 * DAY, True),
        (timedelta(days=30), 30 * DAY, False),
        (timedelta(days=31), 30 * DAY, False),
        (timedelta(hours=2), 3_600, False),
        (timedelta(minutes=59), 3_600, True),
    ],
)
def test_warning_expiry_with_a_fixed_clock(age: timedelta, expiry: int, counts: bool) -> None:
    assert is_active(T0 - age, T0, expiry) is counts


def test_active_warnings_and_the_ladder_as_time_passes() -> None:
    """Three warnings over a month: the third reaches the mute rung only while the first counts."""
    given = [T0, T0 + timedelta(days=10), T0 + timedelta(days=20)]
    expiry = 30 * DAY
    now = T0 + timedelta(days=20)
    assert len(active(given, now, expiry)) == 3
    assert rung_for(LADDER, len(active(given, now, expiry))) == Rung(3, "mute", 3_600)
    later = T0 + timedelta(days=35)
    assert active(given, later, expiry) == given[1:]
    assert rung_for(LADDER, len(active(given, later, expiry))) is None
    assert expiry_start(later, expiry) == T0 + timedelta(days=5)
