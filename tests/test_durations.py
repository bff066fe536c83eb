"""The one duration parser: every form the old moderation, schedule, cleanup, stats and
auto-reply parsers accepted, and the refusals."""

from __future__ import annotations

import pytest

from core.durations import (
    DAY,
    HOUR,
    MINUTE,
    UNITS,
    WEEK,
    compact_duration,
    duration_parts,
    format_duration,
    is_unit,
    parse_day_count,
    parse_duration,
)

# Every unit spelling any of the old parsers knew, with its size.
OLD_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "秒", "秒钟", "秒鐘"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "分", "分钟", "分鐘"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "小时", "个小时", "小時", "個小時"), HOUR),
    **dict.fromkeys(("时", "钟头", "个钟头"), HOUR),
    **dict.fromkeys(("d", "day", "days", "天", "日"), DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "周", "週", "星期", "个星期"), WEEK),
}


@pytest.mark.parametrize(("unit", "size"), sorted(OLD_UNITS.items()))
def test_every_old_unit_is_read(unit: str, size: int) -> None:
    assert UNITS[unit] == size
    assert parse_duration(f"3{unit}") == 3 * size
    assert parse_duration(f"3 {unit}") == 3 * size
    assert is_unit(unit)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("10m", 600),
        ("2h", 7_200),
        ("3d", 259_200),
        ("1w", 604_800),
        ("1h30m", 5_400),
        ("1d 12h", 129_600),
        ("2hours", 7_200),
        ("30秒", 30),
        ("2个小时", 7_200),
        ("90 min", 5_400),
        ("2H", 7_200),
        ("5M", 300),
        ("2Hours", 7_200),
        ("45sec", 45),
        ("10分钟", 600),
        ("2小时", 7_200),
        ("3天", 259_200),
        ("1周", 604_800),
        ("1天12小时", 129_600),
        ("2個小時30分鐘", 9_000),
        ("1個星期", 604_800),
        ("2个钟头", 7_200),
        (" 5m ", 300),
        ("0s", 0),
        ("１０分钟", 600),
        ("٣h", 10_800),
    ],
)
def test_parse_duration_reads(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "10",
        "h",
        "abc",
        "-5m",
        "1.5h",
        "10x",
        "m10",
        "1h junk",
        "forever",
        "1e3s",
        "１０分钟x",
        "10ſ",
        "10mın",
        "1天后",
        "1h30",
        "1234567890s",
    ],
)
def test_parse_duration_refuses(text: str) -> None:
    assert parse_duration(text) is None


def test_digit_limit_is_the_callers() -> None:
    assert parse_duration("1234567890s", max_digits=15) == 1_234_567_890
    assert duration_parts("99999999999999999999d") == [("99999999999999999999", DAY)]
    assert duration_parts("1h 30m") == [("1", HOUR), ("30", MINUTE)]
    assert duration_parts("soon") is None


@pytest.mark.parametrize("word", ["10", "parsecs", "mın", "", "1h"])
def test_is_unit_refuses(word: str) -> None:
    assert not is_unit(word)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("30", 30),
        ("7d", 7),
        ("30D", 30),
        ("14天", 14),
        ("30日", 30),
        ("90 days", 90),
        ("2w", 14),
        ("48h", 2),
        ("000007", 7),
        ("３０d", 30),
    ],
)
def test_parse_day_count_reads(text: str, days: int) -> None:
    assert parse_day_count(text) == days


@pytest.mark.parametrize("text", ["", "-3", "1.5", "３０", "7dd", "week", "36h", "1234567", "x"])
def test_parse_day_count_refuses(text: str) -> None:
    assert parse_day_count(text) is None


@pytest.mark.parametrize(
    ("seconds", "language", "shown"),
    [
        (0, "en", "0s"),
        (0, "zh", "0秒"),
        (45, "en", "45s"),
        (5_400, "en", "1h 30m"),
        (90_061, "en", "1d 1h 1m 1s"),
        (1_209_600, "en", "2w"),
        (5_400, "zh", "1小时30分钟"),
        (3_600, "en", "1h"),
        (3_600, "zh", "1小时"),
        (86_400 * 3, "zh", "3天"),
        (-5, "en", "0s"),
    ],
)
def test_format_duration(seconds: int, language: str, shown: str) -> None:
    assert format_duration(seconds, language) == shown


@pytest.mark.parametrize(
    ("seconds", "weeks", "shown"),
    [
        (0, True, "0s"),
        (5_400, True, "1h30m"),
        (1_209_600, True, "2w"),
        (1_209_600, False, "14d"),
        (90_061, False, "1d1h1m1s"),
    ],
)
def test_compact_duration(seconds: int, weeks: bool, shown: str) -> None:
    assert compact_duration(seconds, weeks=weeks) == shown


@pytest.mark.parametrize("seconds", [30, 600, 5_400, 90_061, 604_800, 3 * DAY + 7])
def test_written_durations_parse_back(seconds: int) -> None:
    assert parse_duration(compact_duration(seconds)) == seconds
    assert parse_duration(compact_duration(seconds, weeks=False)) == seconds
    assert parse_duration(format_duration(seconds, "en")) == seconds
    assert parse_duration(format_duration(seconds, "zh")) == seconds
