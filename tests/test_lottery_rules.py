"""Lottery rules: /lottery's arguments, its end in the group's time zone, who may enter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.lottery.rules import (
    Conditions,
    Limits,
    LotteryError,
    Standing,
    is_over,
    may_reroll,
    parse_plan,
    refusal,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-12-04 12:00 in Shanghai.
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
LIMITS = Limits(max_winners=10, max_prize_chars=30, max_days=90, max_entries=1000, max_cost=500)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "prize", "winners", "ends_at", "entries"),
    [
        ("Gift card winners=3 end=2h", "Gift card", 3, NOW + timedelta(hours=2), None),
        ("礼品卡 winners=1 end=30分钟", "礼品卡", 1, NOW + timedelta(minutes=30), None),
        ("Cake winners=2 end=20:00", "Cake", 2, local("2026-12-04 20:00"), None),
        ("Cake winners=2 end=09:00", "Cake", 2, local("2026-12-05 09:00"), None),
        ("Cake winners=2 end=12-25 20:00", "Cake", 2, local("2026-12-25 20:00"), None),
        ("Cake winners=2 end=2027-01-02 08:30", "Cake", 2, local("2027-01-02 08:30"), None),
        ("Cake winners=2 end=01-02 08:30", "Cake", 2, local("2027-01-02 08:30"), None),
        ("Big prize winners=5 entries=100", "Big prize", 5, None, 100),
        ("Cake WINNERS=1 end=1h entries=9", "Cake", 1, NOW + timedelta(hours=1), 9),
    ],
)
def test_plans(
    text: str, prize: str, winners: int, ends_at: datetime | None, entries: int | None
) -> None:
    plan = parse_plan(text, NOW, SHANGHAI, LIMITS)
    assert (plan.prize, plan.winners, plan.ends_at, plan.max_entries) == (
        prize,
        winners,
        ends_at,
        entries,
    )
    assert plan.conditions == Conditions()


def test_conditions_are_read() -> None:
    plan = parse_plan(
        "Cake winners=1 end=1h cost=10 checkins=3 member_days=7 nowarn", NOW, SHANGHAI, LIMITS
    )
    assert plan.conditions == Conditions(cost=10, checkins=3, member_days=7, no_warnings=True)


@pytest.mark.parametrize(
    ("text", "key", "named"),
    [
        ("winners=1 end=1h", "no_prize", None),
        ("x" * 31 + " winners=1 end=1h", "long_prize", None),
        ("Cake end=1h", "no_winners", None),
        ("Cake winners=0 end=1h", "bad_number", "winners"),
        ("Cake winners=11 end=1h", "bad_number", "winners"),
        ("Cake winners=three end=1h", "bad_number", "winners"),
        ("Cake winners=1", "no_end", None),
        ("Cake winners=1 end=soon", "bad_end", None),
        ("Cake winners=1 end=13-45 20:00", "bad_end", None),
        ("Cake winners=1 end=10s", "end_range", None),
        ("Cake winners=1 end=100d", "end_range", None),
        ("Cake winners=1 entries=0", "bad_number", "entries"),
        ("Cake winners=1 end=1h cost=501", "bad_number", "cost"),
        ("Cake winners=1 end=1h cost=-1", "bad_number", "cost"),
        ("Cake winners=1 end=1h checkins=x", "bad_number", "checkins"),
        ("Cake winners=1 end=1h member_days=1e3", "bad_number", "member_days"),
        ("Cake winners=1 winners=2 end=1h", "twice", "winners"),
        ("Cake winners=1 end=1h colour=red", "unknown_key", "colour"),
    ],
)
def test_bad_arguments_name_the_problem(text: str, key: str, named: str | None) -> None:
    with pytest.raises(LotteryError) as caught:
        parse_plan(text, NOW, SHANGHAI, LIMITS)
    assert caught.value.key == key
    if named is not None:
        assert caught.value.values["option"] == named


MEMBER_SINCE = NOW - timedelta(days=10)
GOOD = Standing(checkins=5, member_since=MEMBER_SINCE, active_warnings=0, balance=50)


@pytest.mark.parametrize(
    ("conditions", "standing", "why"),
    [
        (Conditions(), Standing(0, None, 3, 0), None),
        (Conditions(cost=10, checkins=5, member_days=10, no_warnings=True), GOOD, None),
        (Conditions(checkins=6), GOOD, "need_checkins"),
        (Conditions(member_days=11), GOOD, "need_member_days"),
        (Conditions(member_days=1), Standing(5, None, 0, 50), "need_member_days"),
        (Conditions(no_warnings=True), Standing(5, MEMBER_SINCE, 1, 50), "need_no_warnings"),
        (Conditions(cost=51), GOOD, "need_points"),
        (Conditions(cost=50), GOOD, None),
    ],
)
def test_refusal(conditions: Conditions, standing: Standing, why: str | None) -> None:
    found = refusal(conditions, standing, NOW)
    assert (found[0] if found else None) == why


@pytest.mark.parametrize(
    ("ends_at", "max_entries", "entries", "over"),
    [
        (NOW + timedelta(seconds=1), None, 0, False),
        (NOW, None, 0, True),
        (None, 3, 2, False),
        (None, 3, 3, True),
        (NOW + timedelta(hours=1), 3, 3, True),
    ],
)
def test_is_over(
    ends_at: datetime | None, max_entries: int | None, entries: int, over: bool
) -> None:
    assert is_over(ends_at, max_entries, entries, NOW) is over


@pytest.mark.parametrize(
    ("claimed", "won_ago", "why"),
    [
        (True, 7200, "reroll_claimed"),
        (False, 100, "reroll_early"),
        (False, 3600, None),
    ],
)
def test_may_reroll(claimed: bool, won_ago: int, why: str | None) -> None:
    assert may_reroll(claimed, NOW - timedelta(seconds=won_ago), 3600, NOW) == why
