"""Quiet hours (core.quiet_hours): reading them, what they contain, when a post held by them is
released; and /quiet's reading of them (handlers.schedule.quiet), which names the error."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.quiet_hours import QuietHours, read_quiet_hours
from handlers.schedule.quiet import parse_quiet
from handlers.schedule.when import WhenError

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(23), time(7))
LUNCH = QuietHours(time(12), time(14))


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def shanghai(*args: int) -> datetime:
    """A Shanghai wall time as an aware UTC datetime."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    "text",
    [
        "23:00-07:00",
        "23:00 - 07:00",
        "23:00~07:00",
        "23:00～07:00",
        "23:00–07:00",
        "23:00 — 07:00",
        "23:00到07:00",
        "23:00 至 7:00",
        "23：00-07：00",
        "  23:00-07:00\n",
    ],
)
def test_parse_quiet(text: str) -> None:
    """Several separators and spacings read as the same period, shown canonically."""
    quiet = parse_quiet(text)
    assert quiet == NIGHT
    assert read_quiet_hours(text) == NIGHT
    assert str(quiet) == "23:00-07:00"


@pytest.mark.parametrize(
    "text",
    ["", "23:00", "23-07", "25:00-07:00", "23:00-07:60", "23:00-07:00-08:00", "10:00-10:00", "x"],
)
def test_bad_quiet(text: str) -> None:
    """Anything else, including an empty period, is bad_quiet with the text quoted."""
    assert read_quiet_hours(text) is None
    with pytest.raises(WhenError) as caught:
        parse_quiet(text)
    assert caught.value.key == "bad_quiet"
    assert caught.value.values == {"value": text.strip()}


@pytest.mark.parametrize(
    ("quiet", "local", "inside"),
    [
        (NIGHT, time(22, 59, 59), False),
        (NIGHT, time(23), True),
        (NIGHT, time(0), True),
        (NIGHT, time(3), True),
        (NIGHT, time(6, 59, 59), True),
        (NIGHT, time(7), False),
        (NIGHT, time(12), False),
        (LUNCH, time(11, 59), False),
        (LUNCH, time(12), True),
        (LUNCH, time(13, 59, 59), True),
        (LUNCH, time(14), False),
        (LUNCH, time(0), False),
        (QuietHours(time(0), time(6)), time(0), True),
        (QuietHours(time(0), time(6)), time(23, 59), False),
        (QuietHours(time(22), time(0)), time(23, 59), True),
        (QuietHours(time(22), time(0)), time(0), False),
        (QuietHours(time(8), time(8)), time(8), False),
    ],
)
def test_contains(quiet: QuietHours, local: time, inside: bool) -> None:
    """[start, end), wrapping past midnight when end is not after start."""
    assert quiet.contains(local) is inside


@pytest.mark.parametrize(
    ("quiet", "at", "released"),
    [
        (NIGHT, shanghai(2026, 5, 10, 22), shanghai(2026, 5, 10, 22)),
        (NIGHT, shanghai(2026, 5, 10, 23), shanghai(2026, 5, 11, 7)),
        (NIGHT, shanghai(2026, 5, 10, 23, 59), shanghai(2026, 5, 11, 7)),
        (NIGHT, shanghai(2026, 5, 11, 0), shanghai(2026, 5, 11, 7)),
        (NIGHT, shanghai(2026, 5, 11, 6, 59), shanghai(2026, 5, 11, 7)),
        (NIGHT, shanghai(2026, 5, 11, 7), shanghai(2026, 5, 11, 7)),
        (LUNCH, shanghai(2026, 5, 10, 11, 59), shanghai(2026, 5, 10, 11, 59)),
        (LUNCH, shanghai(2026, 5, 10, 12), shanghai(2026, 5, 10, 14)),
        (LUNCH, shanghai(2026, 5, 10, 13, 30), shanghai(2026, 5, 10, 14)),
        (LUNCH, shanghai(2026, 5, 10, 14), shanghai(2026, 5, 10, 14)),
        (LUNCH, shanghai(2026, 5, 10, 23), shanghai(2026, 5, 10, 23)),
    ],
)
def test_release(quiet: QuietHours, at: datetime, released: datetime) -> None:
    """Outside quiet hours a post goes at once; inside, when the period ends."""
    assert quiet.release(at, SHANGHAI) == released


@pytest.mark.parametrize(
    ("quiet", "at", "released"),
    [
        # Spring forward night: 23:30 EST to 07:00 EDT is seven hours, not eight.
        (NIGHT, utc(2026, 3, 8, 4, 30), utc(2026, 3, 8, 11)),
        # Fall back night: 23:30 EDT to 07:00 EST is nine hours.
        (NIGHT, utc(2026, 11, 1, 3, 30), utc(2026, 11, 1, 12)),
        # The end, 02:30, is skipped on 2026-03-08: quiet ends with the jump at 03:00 EDT.
        (QuietHours(time(1), time(2, 30)), utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7)),
        # The end, 01:30, occurs twice on 2026-11-01: the first one ahead counts.
        (QuietHours(time(0, 30), time(1, 30)), utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 5, 30)),
        (QuietHours(time(0, 30), time(1, 30)), utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 6, 30)),
        (QuietHours(time(0, 30), time(1, 30)), utc(2026, 11, 1, 5, 45), utc(2026, 11, 1, 5, 45)),
    ],
)
def test_release_across_dst(quiet: QuietHours, at: datetime, released: datetime) -> None:
    """In a zone with DST the release is the real end of the period."""
    assert quiet.release(at, NEW_YORK) == released


@pytest.mark.parametrize(
    "quiet",
    [NIGHT, LUNCH, QuietHours(time(1), time(2, 30)), QuietHours(time(1, 30), time(3))],
)
@pytest.mark.parametrize("start", [utc(2026, 3, 7, 12), utc(2026, 10, 31, 12)])
def test_release_is_the_first_moment_outside(quiet: QuietHours, start: datetime) -> None:
    """Around DST changes, the release is not quiet and everything before it is.

    A fall-back may show a quiet night a few wall-clock minutes that are not quiet (01:00 EST
    after 01:30 EDT, for 01:30-03:00): the night stays one quiet period all the same.
    """
    for minute in range(0, 48 * 60, 7):
        at = start + timedelta(minutes=minute)
        released = quiet.release(at, NEW_YORK)
        assert released >= at
        assert not quiet.contains(released.astimezone(NEW_YORK).time())
        probe = at
        while probe < released:
            local = probe.astimezone(NEW_YORK)
            assert quiet.contains(local.time()) or local.fold == 1
            probe += timedelta(minutes=5)
