"""The one clock-time parser: every form /schedule, quiet hours, night mode and the stats
digest accepted, and the refusals."""

from __future__ import annotations

import re
from datetime import time

import pytest

from core.clock import CLOCK_PATTERN, parse_clock


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        ("9:05", time(9, 5)),
        ("23:59", time(23, 59)),
        ("00:00", time(0)),
        ("21：30", time(21, 30)),
        (" 08:15 ", time(8, 15)),
        ("１２:００", time(12)),
    ],
)
def test_parse_clock_reads(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    "text",
    ["24:00", "12:60", "noon", "12", "12:5", "-1:00", "09:00:00", "", "123:00", "12:00pm"],
)
def test_parse_clock_refuses(text: str) -> None:
    assert parse_clock(text) is None


def test_pattern_finds_the_same_form() -> None:
    found = re.findall(CLOCK_PATTERN, "23:00-07：00")
    assert found == ["23:00", "07：00"]
