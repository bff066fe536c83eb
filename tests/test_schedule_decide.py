"""The pure decision taken when a schedule's timer fires, on plain data."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule.decide import MISSED_LISTED, Decision, Due, decide
from handlers.schedule.quiet import parse_quiet
from handlers.schedule.when import plan_from_spec
from tests.schedule_support import utc

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 09:00 in Shanghai.
NINE = utc(2026, 12, 1, 1, 0)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def due(spec: str, planned: datetime = NINE, **values: object) -> Due:
    """A schedule due at ``planned`` (anchored an interval earlier)."""
    fields: dict[str, object] = {
        "plan": plan_from_spec(spec),
        "planned": planned,
        "anchor": planned - HOUR,
        "tz": SHANGHAI,
        **values,
    }
    return Due(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "now", "expected"),
    [
        ("on time", NINE, Decision("post", NINE, next_at=NINE + 24 * HOUR)),
        ("a bit late", NINE + 5 * MINUTE, Decision("post", NINE, next_at=NINE + 24 * HOUR)),
        ("at the grace", NINE + 10 * MINUTE, Decision("post", NINE, next_at=NINE + 24 * HOUR)),
        ("past the grace", NINE + 11 * MINUTE, Decision("miss", NINE, next_at=NINE + 24 * HOUR)),
        ("early", NINE - MINUTE, Decision("wait", NINE, next_at=NINE, wait_until=NINE)),
    ],
)
def test_daily_grace(case: str, now: datetime, expected: Decision) -> None:
    """Posted up to the grace (10 min) late; later it is missed and the plan moves on."""
    assert decide(due("daily 09:00"), now) == expected, case


def test_a_missed_day_is_listed_and_the_latest_posted() -> None:
    """Two days down, back just after 09:00: two passed over, today's posted."""
    now = NINE + 48 * HOUR + MINUTE
    decision = decide(due("daily 09:00"), now)
    assert decision.action == "post"
    assert decision.occurrence == NINE + 48 * HOUR
    assert decision.missed == [NINE, NINE + 24 * HOUR]
    assert decision.next_at == NINE + 72 * HOUR


def test_a_long_outage_lists_a_bounded_number_of_missed_runs() -> None:
    """every 1m down for a month: at most MISSED_LISTED listed, the latest due is current."""
    now = NINE + timedelta(days=30) + timedelta(seconds=30)
    decision = decide(due("every 1m", anchor=NINE - MINUTE), now)
    assert decision.action == "post"
    assert decision.occurrence == NINE + timedelta(days=30)
    assert len(decision.missed) <= MISSED_LISTED


@pytest.mark.parametrize(
    ("hours", "now", "action", "wait_until"),
    [
        # Due 09:00 inside quiet 08:00-10:00: waits for 10:00, then posts.
        ("08:00-10:00", NINE, "wait", NINE + HOUR),
        ("08:00-10:00", NINE + HOUR, "post", None),
        # Quiet hours over midnight do not touch a morning post.
        ("23:00-07:00", NINE, "post", None),
        # Quiet 10:00-12:00, due 09:00: caught at 10:05 it could only go out at 12:00,
        # three hours late: missed. Caught at 09:05 it goes out.
        ("10:00-12:00", NINE + HOUR + 5 * MINUTE, "miss", None),
        ("10:00-12:00", NINE + 5 * MINUTE, "post", None),
    ],
)
def test_quiet_hours(hours: str, now: datetime, action: str, wait_until: datetime | None) -> None:
    """A post due in quiet hours waits for their end; lateness counts from then."""
    decision = decide(due("daily 09:00", quiet=parse_quiet(hours)), now)
    assert decision.action == action
    assert decision.wait_until == wait_until


def test_quiet_hours_turn_a_burst_into_one_post() -> None:
    """every 1h with quiet 23:00-07:00: at 07:00 one post, the night's runs passed over."""
    night = utc(2026, 12, 1, 15, 0)  # 23:00 in Shanghai
    morning = night + 8 * HOUR
    decision = decide(due("every 1h", night, quiet=parse_quiet("23:00-07:00")), morning)
    assert decision.action == "post" and decision.occurrence == morning
    assert decision.missed == [night + n * HOUR for n in range(8)]


@pytest.mark.parametrize(
    ("posts", "max_posts", "next_at"),
    [(0, None, NINE + HOUR), (0, 3, NINE + HOUR), (2, 3, None), (5, 3, None)],
)
def test_count(posts: int, max_posts: int | None, next_at: datetime | None) -> None:
    """The last allowed post has no next occurrence."""
    decision = decide(due("every 1h", posts=posts, max_posts=max_posts), NINE)
    assert decision.action == "post" and decision.next_at == next_at


@pytest.mark.parametrize(
    ("until", "action", "next_at"),
    [
        (NINE + 24 * HOUR, "post", None),  # the last day: post, then done
        (NINE + 48 * HOUR, "post", NINE + 24 * HOUR),
        (NINE, "end", None),  # past the end already
    ],
)
def test_until(until: datetime, action: str, next_at: datetime | None) -> None:
    """--until ends a schedule after its last local day."""
    decision = decide(due("daily 09:00", until=until), NINE)
    assert (decision.action, decision.next_at) == (action, next_at)


def test_a_one_off_has_no_next_occurrence() -> None:
    """A one-off posts once and is done."""
    decision = decide(due("once 2026-12-01T01:00:00Z"), NINE)
    assert decision == Decision("post", NINE, next_at=None)


@pytest.mark.parametrize(
    ("zone", "local_nine_utc"),
    [
        ("Pacific/Kiritimati", utc(2026, 11, 30, 19, 0)),  # UTC+14
        ("Pacific/Pago_Pago", utc(2026, 12, 1, 20, 0)),  # UTC-11
    ],
)
def test_far_from_utc(zone: str, local_nine_utc: datetime) -> None:
    """Days roll over in the group's zone, not in UTC."""
    tz = ZoneInfo(zone)
    decision = decide(due("daily 09:00", local_nine_utc, tz=tz), local_nine_utc)
    assert decision.action == "post"
    assert decision.next_at == local_nine_utc + 24 * HOUR
