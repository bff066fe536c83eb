"""Night mode's clock: when a night starts and ends, in zones with and without DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from core.quiet_hours import read_quiet_hours
from core.runtime import zone
from handlers.nightmode.window import decide, next_switch, night_at, nights

SHANGHAI = zone("Asia/Shanghai")
LONDON = zone("Europe/London")
NEW_YORK = zone("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "tz", "at", "night"),
    [
        # Shanghai has no DST: 23:00-07:00 local is 15:00-23:00 UTC.
        ("23:00-07:00", SHANGHAI, "2026-11-26 14:59", None),
        ("23:00-07:00", SHANGHAI, "2026-11-26 15:00", ("2026-11-26 15:00", "2026-11-26 23:00")),
        # 03:00 local belongs to the night that began the evening before.
        ("23:00-07:00", SHANGHAI, "2026-11-26 19:00", ("2026-11-26 15:00", "2026-11-26 23:00")),
        ("23:00-07:00", SHANGHAI, "2026-11-26 23:00", None),
        # A period within one day.
        ("01:00-05:00", SHANGHAI, "2026-11-26 17:30", ("2026-11-26 17:00", "2026-11-26 21:00")),
        ("01:00-05:00", SHANGHAI, "2026-11-26 16:59", None),
        # London springs forward on 2026-03-29 at 01:00 UTC (01:00 GMT -> 02:00 BST): a start
        # at 01:30, skipped by the clock, happens at the jump.
        ("01:30-06:00", LONDON, "2026-03-29 01:00", ("2026-03-29 01:00", "2026-03-29 05:00")),
        ("01:30-06:00", LONDON, "2026-03-29 00:59", None),
        # London falls back on 2026-10-25 at 01:00 UTC (02:00 BST -> 01:00 GMT): the night
        # ends the first time the clock reads 01:30 and the repeated hour does not close again.
        ("23:00-01:30", LONDON, "2026-10-25 00:29", ("2026-10-24 22:00", "2026-10-25 00:30")),
        ("23:00-01:30", LONDON, "2026-10-25 01:10", None),
        # New York falls back on 2026-11-01: a night of 9 hours (22:00 EDT to 06:00 EST).
        ("22:00-06:00", NEW_YORK, "2026-11-01 05:00", ("2026-11-01 02:00", "2026-11-01 11:00")),
        # In summer the same local night is 4 hours earlier in UTC than in winter.
        ("22:00-06:00", NEW_YORK, "2026-07-01 03:00", ("2026-07-01 02:00", "2026-07-01 10:00")),
        ("22:00-06:00", NEW_YORK, "2026-12-01 03:00", ("2026-12-01 03:00", "2026-12-01 11:00")),
    ],
)
def test_night_at(hours: str, tz: object, at: str, night: tuple[str, str] | None) -> None:
    expected = None if night is None else (utc(night[0]), utc(night[1]))
    assert night_at(read_quiet_hours(hours), tz, utc(at)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hours", "tz", "at", "following"),
    [
        ("23:00-07:00", SHANGHAI, "2026-11-26 04:00", "2026-11-26 15:00"),
        # Exactly at the start the next switch is the end, never the same instant.
        ("23:00-07:00", SHANGHAI, "2026-11-26 15:00", "2026-11-26 23:00"),
        ("23:00-07:00", SHANGHAI, "2026-11-26 23:00", "2026-11-27 15:00"),
        # Across London's spring-forward and fall-back days.
        ("01:30-06:00", LONDON, "2026-03-28 12:00", "2026-03-29 01:00"),
        ("23:00-01:30", LONDON, "2026-10-25 00:30", "2026-10-25 23:00"),
        # A period that lies inside the DST gap is empty that day: the next night is the day after.
        ("01:10-01:40", LONDON, "2026-03-28 23:00", "2026-03-30 00:10"),
    ],
)
def test_next_switch(hours: str, tz: object, at: str, following: str) -> None:
    assert next_switch(read_quiet_hours(hours), tz, utc(at)) == utc(following)  # type: ignore[arg-type]


@pytest.mark.parametrize("tz", [SHANGHAI, LONDON, NEW_YORK], ids=lambda z: z.key)
@pytest.mark.parametrize("hours", ["23:00-07:00", "00:30-05:30", "01:30-02:30", "12:00-11:59"])
def test_a_year_of_nights_alternates_strictly(hours: str, tz: object) -> None:
    """Walking from switch to switch for a year: state flips every time, time always moves on."""
    period = read_quiet_hours(hours)
    at, closed, seen = utc("2026-01-01 00:00"), None, 0
    while at < utc("2027-01-01 00:00"):
        following = next_switch(period, tz, at)  # type: ignore[arg-type]
        assert following > at
        now_closed = night_at(period, tz, following) is not None  # type: ignore[arg-type]
        assert now_closed != closed, f"two switches in a row to the same state at {following}"
        closed, at, seen = now_closed, following, seen + 1
    assert seen >= 2 * 364


def test_nights_are_ordered_and_disjoint() -> None:
    found = nights(read_quiet_hours("23:00-07:00"), LONDON, utc("2026-10-25 12:00"))
    assert len(found) == 5
    for (start, end), (later, _) in pairwise(found):
        assert start < end <= later
    # The night of the fall-back is an hour longer than the one before.
    lengths = [end - start for start, end in found]
    assert lengths[1] - lengths[0] == timedelta(hours=1)


@pytest.mark.parametrize(
    ("hours", "closed", "at", "action"),
    [
        ("23:00-07:00", False, "2026-11-26 16:00", "close"),
        ("23:00-07:00", True, "2026-11-26 16:00", None),
        ("23:00-07:00", True, "2026-11-26 23:30", "open"),
        ("23:00-07:00", False, "2026-11-26 23:30", None),
        # Night mode off while the bot keeps the group closed: reopen it now.
        (None, True, "2026-11-26 16:00", "open"),
        (None, False, "2026-11-26 16:00", None),
    ],
)
def test_decide(hours: str | None, closed: bool, at: str, action: str | None) -> None:
    period = read_quiet_hours(hours) if hours else None
    step = decide(period, closed, SHANGHAI, utc(at))
    assert step.action == action
    if period is None:
        assert step.next_at is None and step.night is None
    else:
        assert step.next_at is not None and step.next_at > utc(at)
