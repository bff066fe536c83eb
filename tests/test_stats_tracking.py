"""The statistics buffer of the activity tracker: counts per member, local day and hour."""

from __future__ import annotations

from datetime import date, datetime

from handlers.stats.tracking import MemberDay, StatsBuffer, batch_rows
from storage.stats import MemberDayCount

DAY = date(2026, 11, 26)


def test_messages_joins_and_leaves_are_counted_per_member_and_day() -> None:
    buffer = StatsBuffer()
    buffer.message(-1, 7, datetime(2026, 11, 26, 23, 59))
    buffer.message(-1, 7, datetime(2026, 11, 26, 23, 0))
    buffer.message(-1, 7, datetime(2026, 11, 27, 0, 1))
    buffer.joined(-1, 8, DAY)
    buffer.joined(-1, 8, DAY)  # the second report of the same join
    buffer.left(-1, 8, DAY)
    buffer.message(-2, 7, datetime(2026, 11, 26, 23, 30))
    assert len(buffer) == 4
    batch = buffer.drain()
    assert batch.members == {
        (-1, DAY, 7): MemberDay(messages=2),
        (-1, date(2026, 11, 27), 7): MemberDay(messages=1),
        (-1, DAY, 8): MemberDay(joined=True, left=True),
        (-2, DAY, 7): MemberDay(messages=1),
    }
    assert batch.hours == {
        (-1, DAY, 23): 2,
        (-1, date(2026, 11, 27), 0): 1,
        (-2, DAY, 23): 1,
    }
    assert batch.days() == {(-1, DAY), (-1, date(2026, 11, 27)), (-2, DAY)}
    members, hours = batch_rows(batch)
    assert MemberDayCount(-1, DAY, 8, 0, True, True) in members
    assert (-1, DAY, 23, 2) in hours
    assert len(buffer) == 0 and not buffer.drain()
