"""Reading the <when> of /schedule, its canonical specs, and finding the next occurrence."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from handlers.schedule.when import (
    Plan,
    WhenError,
    crontab_day_of_week,
    next_run,
    parse_when,
    plan_from_spec,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")
NEW_YORK = ZoneInfo("America/New_York")
# Sunday 2026-05-10, 09:00 in Shanghai.
NOW = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def parse(text: str, now: datetime = NOW, tz: ZoneInfo = SHANGHAI) -> tuple[Plan, str]:
    """parse_when with the default clock and zone of these tests."""
    return parse_when(text, now, tz)


def run(spec: str, after: datetime, tz: ZoneInfo, anchor: datetime = NOW) -> datetime | None:
    """next_run of a stored spec."""
    return next_run(plan_from_spec(spec), after, tz, anchor)


def runs(spec: str, after: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
    """The next `count` occurrences, each found from the one before."""
    found: list[datetime] = []
    for _ in range(count):
        following = run(spec, after, tz)
        assert following is not None
        found.append(following)
        after = following
    return found


# --- forms -------------------------------------------------------------------------------------

ONE_OFFS = [
    ("in 10m", "once 2026-05-10T01:10:00Z"),
    ("in 10 minutes", "once 2026-05-10T01:10:00Z"),
    ("IN 10min", "once 2026-05-10T01:10:00Z"),
    ("in 10分钟", "once 2026-05-10T01:10:00Z"),
    ("in 2h", "once 2026-05-10T03:00:00Z"),
    ("in 2小时", "once 2026-05-10T03:00:00Z"),
    ("in 2 hours", "once 2026-05-10T03:00:00Z"),
    ("in 1h30m", "once 2026-05-10T02:30:00Z"),
    ("in 1h 30m", "once 2026-05-10T02:30:00Z"),
    ("in 90m", "once 2026-05-10T02:30:00Z"),
    ("in 1小时30分钟", "once 2026-05-10T02:30:00Z"),
    ("in 45s", "once 2026-05-10T01:00:45Z"),
    ("in 45 seconds", "once 2026-05-10T01:00:45Z"),
    ("in 3d", "once 2026-05-13T01:00:00Z"),
    ("in 3 days", "once 2026-05-13T01:00:00Z"),
    ("in 1天", "once 2026-05-11T01:00:00Z"),
    ("in 1w", "once 2026-05-17T01:00:00Z"),
    ("at 2026-12-01 09:30", "once 2026-12-01T01:30:00Z"),
    ("at 2026/12/01 9:30", "once 2026-12-01T01:30:00Z"),
    ("AT 2026-12-01T09:30", "once 2026-12-01T01:30:00Z"),
    ("at 2026年12月1日 09：30", "once 2026-12-01T01:30:00Z"),
    ("at 09:30", "once 2026-05-10T01:30:00Z"),
    ("at 9:30", "once 2026-05-10T01:30:00Z"),
    ("at 08:30", "once 2026-05-11T00:30:00Z"),
    ("at 09:00", "once 2026-05-11T01:00:00Z"),
    ("at 0:00", "once 2026-05-10T16:00:00Z"),
]


@pytest.mark.parametrize(("text", "spec"), ONE_OFFS)
def test_one_off_forms(text: str, spec: str) -> None:
    """`in` and `at` become a one-off at a UTC instant."""
    plan, rest = parse(f"{text} Hello")
    assert plan == Plan("once", spec)
    assert not plan.recurring
    assert rest == "Hello"


RECURRING = [
    ("daily 09:00", "daily 09:00"),
    ("daily 9:00", "daily 09:00"),
    ("DAILY 9：00", "daily 09:00"),
    ("daily 23:59", "daily 23:59"),
    ("weekly mon,thu 20:00", "weekly mon,thu 20:00"),
    ("weekly Monday,Thursday 20:00", "weekly mon,thu 20:00"),
    ("weekly thu,mon 20:00", "weekly mon,thu 20:00"),
    ("weekly mon, thu 20:00", "weekly mon,thu 20:00"),
    ("weekly 周一，周四 20:00", "weekly mon,thu 20:00"),
    ("weekly 星期一、星期四 20:00", "weekly mon,thu 20:00"),
    ("weekly mon-fri 8:00", "weekly mon-fri 08:00"),
    ("weekly weekdays 08:00", "weekly mon-fri 08:00"),
    ("weekly 周一至周五 08:00", "weekly mon-fri 08:00"),
    ("weekly 星期一-星期五 08:00", "weekly mon-fri 08:00"),
    ("weekly tue,mon,wed,thu,fri 08:00", "weekly mon-fri 08:00"),
    ("weekly fri-mon 08:00", "weekly mon,fri-sun 08:00"),
    ("weekly sat,sun 10:00", "weekly sat,sun 10:00"),
    ("weekly 周末 10:00", "weekly sat,sun 10:00"),
    ("weekly 星期六,星期天 10:00", "weekly sat,sun 10:00"),
    ("weekly mon-sun 10:00", "weekly mon-sun 10:00"),
    ("monthly 1 10:00", "monthly 1 10:00"),
    ("Monthly 1号 10:00", "monthly 1 10:00"),
    ("monthly 01 10:00", "monthly 1 10:00"),
    ("monthly last 10:00", "monthly last 10:00"),
    ("monthly LAST 10:00", "monthly last 10:00"),
    ("monthly 月底 10:00", "monthly last 10:00"),
    ("monthly 15,1,last 10:00", "monthly 1,15,last 10:00"),
    ("monthly 31 10:00", "monthly 31 10:00"),
    ("every 2h", "every 2h"),
    ("every 120m", "every 2h"),
    ("every 2 hours", "every 2h"),
    ("every 2小时", "every 2h"),
    ("every 30m", "every 30m"),
    ("every 30 min", "every 30m"),
    ("every 1h30m", "every 1h30m"),
    ("every 90m", "every 1h30m"),
    ("every 1h 30m", "every 1h30m"),
    ("every 1d", "every 1d"),
    ("every 24h", "every 1d"),
    ("EVERY 1天", "every 1d"),
    ("every 1m", "every 1m"),
    ("every 60s", "every 1m"),
    ('cron "0 9 * * 1-5"', "cron 0 9 * * 1-5"),
    ("cron '0 9 * * 1-5'", "cron 0 9 * * 1-5"),
    ("cron “0 9 * * 1-5”", "cron 0 9 * * 1-5"),
    ("cron 0 9 * * 1-5", "cron 0 9 * * 1-5"),
    ('Cron "0  9 * *  1-5"', "cron 0 9 * * 1-5"),
    ('cron "0 9 * * MON-FRI"', "cron 0 9 * * mon-fri"),
    ('cron "*/15 * * * *"', "cron */15 * * * *"),
    ('cron "0 0 29 2 *"', "cron 0 0 29 2 *"),
]


@pytest.mark.parametrize(("text", "spec"), RECURRING)
def test_recurring_forms(text: str, spec: str) -> None:
    """Each recurring form, in several spellings, becomes one canonical spec."""
    plan, rest = parse(f"{text} Hello")
    assert plan.spec == spec
    assert plan.kind == spec.split()[0]
    assert plan.recurring
    assert rest == "Hello"


@pytest.mark.parametrize(("text", "spec"), RECURRING)
def test_recurring_spec_round_trip(text: str, spec: str) -> None:
    """A stored spec rebuilds the very same plan, and is a valid <when> itself."""
    plan, _ = parse(text)
    assert plan_from_spec(plan.spec) == plan
    assert parse(plan.spec) == (plan, "")


def test_one_off_spec_round_trip() -> None:
    """A one-off's spec rebuilds the same plan."""
    plan, _ = parse("at 2026-12-01 09:30")
    assert plan_from_spec(plan.spec) == plan


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("daily 09:00   Hello\n  world\n", "Hello\n  world\n"),
        ("daily 09:00\n\nHello", "Hello"),
        ("  in 10m\tLine 1\n\tLine 2", "Line 1\n\tLine 2"),
        ('cron "0 9 * * 1-5"Hello', "Hello"),
        ("cron 0 9 * * 1-5 *bold*", "*bold*"),
        ("in 2h 5 apples", "5 apples"),
        ("weekly mon 20:00 周一见", "周一见"),
        ("every 2h", ""),
    ],
)
def test_rest_keeps_its_formatting(text: str, rest: str) -> None:
    """Only the leading whitespace of the rest goes; its newlines and spacing stay."""
    assert parse(text)[1] == rest


def test_one_off_drops_microseconds() -> None:
    """A one-off is computed to whole seconds."""
    plan, _ = parse("in 10m", now=NOW + timedelta(microseconds=999_999))
    assert plan.spec == "once 2026-05-10T01:10:00Z"


# --- errors ------------------------------------------------------------------------------------

ERRORS = [
    ("", "bad_when", {}),
    ("   \n", "bad_when", {}),
    ("tomorrow 9:00", "bad_when", {}),
    ("in", "bad_when", {}),
    ("daily", "bad_when", {}),
    ("at", "bad_when", {}),
    ("at noon", "bad_when", {}),
    ("at 2026-12-01", "bad_when", {}),
    ("weekly 20:00", "bad_when", {}),
    ("weekly mon", "bad_when", {}),
    ("monthly 1", "bad_when", {}),
    ("cron", "bad_when", {}),
    ("once 2026-12-01T01:30:00Z", "bad_when", {}),
    ("daily 24:00", "bad_time", {"value": "24:00"}),
    ("daily 9", "bad_time", {"value": "9"}),
    ("daily 9:5", "bad_time", {"value": "9:5"}),
    ("daily 09:00:00", "bad_time", {"value": "09:00:00"}),
    ("at 25:00", "bad_time", {"value": "25:00"}),
    ("at 2026-12-01 noon", "bad_time", {"value": "noon"}),
    ("weekly mon 20:61", "bad_time", {"value": "20:61"}),
    ("monthly 1 soon", "bad_time", {"value": "soon"}),
    ("at 2026-02-30 10:00", "bad_date", {"value": "2026-02-30"}),
    ("at 2026-13-01 10:00", "bad_date", {"value": "2026-13-01"}),
    ("at 0000-01-01 10:00", "bad_date", {"value": "0000-01-01"}),
    ("at 12/01 10:00", "bad_date", {"value": "12/01"}),
    ("weekly xyz 10:00", "bad_day", {"value": "xyz"}),
    ("weekly mon-xyz 10:00", "bad_day", {"value": "mon-xyz"}),
    ("weekly mon-tue-wed 10:00", "bad_day", {"value": "mon-tue-wed"}),
    ("monthly 0 10:00", "bad_day", {"value": "0"}),
    ("monthly 32 10:00", "bad_day", {"value": "32"}),
    ("monthly -1 10:00", "bad_day", {"value": "-1"}),
    ("monthly first 10:00", "bad_day", {"value": "first"}),
    ("monthly , 10:00", "bad_day", {"value": ","}),
    ("in tomorrow", "bad_duration", {"value": "tomorrow"}),
    ("in 1天后 提醒", "bad_duration", {"value": "1天后"}),
    ("in 0m", "bad_duration", {"value": "0m"}),
    ("in 10", "bad_duration", {"value": "10"}),
    ("in 1h30", "bad_duration", {"value": "1h30"}),
    ("every 5 parsecs", "bad_duration", {"value": "5"}),
    ("in 10ſ", "bad_duration", {"value": "10ſ"}),
    ("in 10mın", "bad_duration", {"value": "10mın"}),
    ("past 10:00", "bad_when", {}),
    ("at 2026-05-09 10:00", "past", {"when": "2026-05-09 10:00"}),
    ("at 2026-05-10 08:59", "past", {"when": "2026-05-10 08:59"}),
    ("at 2026-05-10 09:00", "past", {"when": "2026-05-10 09:00"}),
    ("at 0001-01-01 00:00", "past", {"when": "0001-01-01 00:00"}),
    ("every 30s", "too_frequent", {}),
    ("every 59s", "too_frequent", {}),
    ("every 0m", "too_frequent", {}),
    ("in 99999999999999d", "too_far", {}),
    ("in 9999999999999999999999999999999999999999d", "too_far", {}),
    ("in 1900d", "too_far", {}),
    ("in 300w", "too_far", {}),
    ("at 2031-06-01 10:00", "too_far", {}),
    ("at 9999-12-31 23:59", "too_far", {}),
    ("every 2000d", "too_far", {}),
]


@pytest.mark.parametrize(("text", "key", "values"), ERRORS)
def test_errors(text: str, key: str, values: dict[str, str]) -> None:
    """Each kind of bad input has its own catalog key and values."""
    with pytest.raises(WhenError) as caught:
        parse(text)
    assert caught.value.key == key
    assert caught.value.values == values


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ('cron "61 * * * *"', "errors.cron.minute", {"value": "61"}),
        ('cron "* 24 * * *"', "errors.cron.hour", {"value": "24"}),
        ('cron "* * 0 * *"', "errors.cron.day", {"value": "0"}),
        ('cron "* * * 13 *"', "errors.cron.month", {"value": "13"}),
        ('cron "* * *"', "errors.cron.fields", {"count": "3"}),
        ('cron "0 9 * * * *"', "errors.cron.fields", {"count": "6"}),
        ('cron ""', "errors.cron.fields", {"count": "0"}),
        ('cron "0 9 * *', "errors.cron.quote", {}),
        ('cron "a b c d e"', "errors.cron.minute", {"value": "a"}),
        ("cron 0 9 * * 8", "errors.cron.weekday", {"value": "8"}),
        ("cron 0 9 * * 5-1", "errors.cron.weekday", {"value": "5-1"}),
        ("cron 0 9 * * */0", "errors.cron.weekday", {"value": "*/0"}),
        ("cron 0 9 * * 1/2", "errors.cron.weekday", {"value": "1/2"}),
        ("cron 0 9 * * *-3", "errors.cron.weekday", {"value": "*-3"}),
        ("cron 0 9 * * funday", "errors.cron.weekday", {"value": "funday"}),
        ("cron 0 99 * * funday", "errors.cron.hour", {"value": "99"}),
        ("cron 0 9 * foo *", "errors.cron.month", {"value": "foo"}),
        ("cron 0 0 30 2 *", "errors.cron.never", {}),
        ("cron 0 0 31 4,6,9,11 *", "errors.cron.never", {}),
        ("cron */0 * * * *", "errors.cron.minute", {"value": "*/0"}),
        ("cron 5-1 * * * *", "errors.cron.minute", {"value": "5-1"}),
        (f"cron {'9' * 5000} * * * *", "errors.cron.minute", {"value": "9" * 39 + "…"}),
    ],
)
def test_bad_cron(text: str, key: str, values: dict[str, str]) -> None:
    """A crontab that is malformed or never fires names the field, its value, or the problem."""
    with pytest.raises(WhenError) as caught:
        parse(text)
    assert caught.value.key == key
    assert caught.value.values == values


def test_error_values_are_clipped() -> None:
    """A long bad value is shortened before it is quoted back."""
    with pytest.raises(WhenError) as caught:
        parse("weekly " + "x" * 5000 + " 10:00")
    assert len(caught.value.values["value"]) <= 40


ALPHABET = [
    *"0123456789 :-/,*\"'“”年月日号天周一五\n\t-xyz",
    *("in ", "at ", "daily ", "weekly ", "monthly ", "every ", "cron ", "last", "mon"),
    *("h", "m", "d", "s", "ſ", "ı", "K", "分钟", "小时", "\u200b", "🙂", "٣", "１"),
]


def test_garbage_raises_only_when_errors() -> None:
    """Random input either parses or raises WhenError, nothing else."""
    rng = random.Random(20260510)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        try:
            plan, _ = parse(text)
        except WhenError:
            continue
        assert plan_from_spec(plan.spec) == plan


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000,
        "in " + "9" * 100_000 + "m",
        "every " + "1h" * 50_000,
        "weekly " + "mon," * 20_000 + " 10:00",
        "cron " + "1," * 20_000 + " * * * *",
        "\x00\x01\x02",
        "🙂 🙂 🙂",
        "daily \u0663:\u0660\u0660",
    ],
)
def test_huge_or_strange_input(text: str) -> None:
    """Very long or odd input is handled, as a plan or a WhenError."""
    try:
        plan, _ = parse(text)
    except WhenError:
        return
    assert plan_from_spec(plan.spec) == plan


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "garbage",
        "in 10m",
        "at 09:30",
        "daily",
        "daily 09:00 extra",
        "weekly mon",
        "once 2026-13-01T00:00:00Z",
        "once 2026-12-01 01:30",
        "once",
        "cron 0 9 * *",
    ],
)
def test_corrupt_spec(spec: str) -> None:
    """A stored spec that does not parse back raises WhenError."""
    with pytest.raises(WhenError):
        plan_from_spec(spec)


# --- next_run --------------------------------------------------------------------------------

NEXT_RUNS = [
    # Shanghai, UTC+8 with no DST.
    ("daily 09:00", SHANGHAI, utc(2026, 5, 10, 0, 59, 59), utc(2026, 5, 10, 1)),
    ("daily 09:00", SHANGHAI, utc(2026, 5, 10, 1), utc(2026, 5, 11, 1)),
    ("daily 09:00", SHANGHAI, datetime(2026, 5, 10, 9, 0, 0, 1, SHANGHAI), utc(2026, 5, 11, 1)),
    ("daily 00:00", SHANGHAI, utc(2026, 5, 10, 1), utc(2026, 5, 10, 16)),
    ("weekly mon,thu 20:00", SHANGHAI, NOW, utc(2026, 5, 11, 12)),
    ("weekly mon,thu 20:00", SHANGHAI, utc(2026, 5, 11, 12), utc(2026, 5, 14, 12)),
    ("monthly 1 10:00", SHANGHAI, NOW, utc(2026, 6, 1, 2)),
    ("monthly last 10:00", SHANGHAI, NOW, utc(2026, 5, 31, 2)),
    ("monthly last 10:00", SHANGHAI, utc(2026, 2, 1), utc(2026, 2, 28, 2)),
    ("monthly last 10:00", SHANGHAI, utc(2028, 2, 1), utc(2028, 2, 29, 2)),
    ("monthly 31 10:00", SHANGHAI, utc(2026, 5, 31, 2), utc(2026, 7, 31, 2)),
    ("monthly 29 10:00", SHANGHAI, utc(2026, 1, 29, 2), utc(2026, 3, 29, 2)),
    ("monthly 1,15,last 10:00", SHANGHAI, utc(2026, 5, 1, 2), utc(2026, 5, 15, 2)),
    ("cron 0 9 * * 1-5", SHANGHAI, NOW, utc(2026, 5, 11, 1)),
    ("cron 0 0 29 2 *", SHANGHAI, NOW, utc(2028, 2, 28, 16)),
    ("cron */15 * * * *", SHANGHAI, utc(2026, 5, 10, 1, 0, 0, 1), utc(2026, 5, 10, 1, 15)),
    # Kiritimati, UTC+14: the local day is ahead of the UTC day.
    ("daily 09:00", KIRITIMATI, NOW, utc(2026, 5, 10, 19)),
    ("weekly mon 08:00", KIRITIMATI, NOW, utc(2026, 5, 10, 18)),
    ("monthly 1 00:30", KIRITIMATI, NOW, utc(2026, 5, 31, 10, 30)),
    ("cron 0 9 * * 1-5", KIRITIMATI, NOW, utc(2026, 5, 10, 19)),
    # Pago Pago, UTC-11: the local day is behind the UTC day.
    ("daily 09:00", PAGO_PAGO, NOW, utc(2026, 5, 10, 20)),
    ("weekly mon 20:00", PAGO_PAGO, NOW, utc(2026, 5, 12, 7)),
    ("monthly last 23:30", PAGO_PAGO, NOW, utc(2026, 6, 1, 10, 30)),
    ("cron 0 9 * * 0", PAGO_PAGO, NOW, utc(2026, 5, 10, 20)),
    # New York, whose clocks go forward on 2026-03-08 and back on 2026-11-01.
    ("daily 09:00", NEW_YORK, utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
    ("daily 09:00", NEW_YORK, utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
    ("weekly sun 12:00", NEW_YORK, utc(2026, 3, 2), utc(2026, 3, 8, 16)),
    ("monthly 8 12:00", NEW_YORK, utc(2026, 2, 9), utc(2026, 3, 8, 16)),
    ("cron 0 9 * * *", NEW_YORK, utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
]


@pytest.mark.parametrize(("spec", "tz", "after", "expected"), NEXT_RUNS)
def test_next_run(spec: str, tz: ZoneInfo, after: datetime, expected: datetime) -> None:
    """The first occurrence strictly after `after`, in UTC and to the second."""
    found = run(spec, after, tz)
    assert found == expected
    assert found is not None
    assert found.tzinfo == UTC
    assert found.microsecond == 0


@pytest.mark.parametrize("spec", [spec for _, spec in RECURRING])
def test_next_run_is_strictly_after_and_increasing(spec: str) -> None:
    """Each occurrence is later than the one it was found from, in any zone."""
    for tz in (SHANGHAI, KIRITIMATI, PAGO_PAGO, NEW_YORK):
        found = runs(spec, NOW, tz, 5)
        assert found == sorted(set(found))
        assert found[0] > NOW
        assert all(at.microsecond == 0 and at.second == 0 for at in found)


def test_daily_skipped_by_spring_forward_posts_at_the_jump() -> None:
    """02:30 does not exist on 2026-03-08 in New York: it posts at 03:00 EDT, the jump."""
    assert runs("daily 02:30", utc(2026, 3, 7, 12), NEW_YORK, 3) == [
        utc(2026, 3, 8, 7),
        utc(2026, 3, 9, 6, 30),
        utc(2026, 3, 10, 6, 30),
    ]


def test_daily_in_repeated_hour_posts_once() -> None:
    """01:30 happens twice on 2026-11-01 in New York: a daily post goes out the first time."""
    assert runs("daily 01:30", utc(2026, 10, 31, 12), NEW_YORK, 2) == [
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]
    assert run("cron 30 1 * * *", utc(2026, 11, 1, 5, 30), NEW_YORK) == utc(2026, 11, 2, 6, 30)


def test_wildcard_cron_keeps_the_repeated_hour() -> None:
    """A cron job with a wildcard hour runs through both passes of the repeated hour."""
    assert runs("cron 0,30 * * * *", utc(2026, 11, 1, 4, 45), NEW_YORK, 5) == [
        utc(2026, 11, 1, 5),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 6),
        utc(2026, 11, 1, 6, 30),
        utc(2026, 11, 1, 7),
    ]


def test_wildcard_cron_across_spring_forward() -> None:
    """The skipped hour has no occurrences; the clock goes on at 03:00 EDT."""
    assert runs("cron */30 * * * *", utc(2026, 3, 8, 6), NEW_YORK, 3) == [
        utc(2026, 3, 8, 6, 30),
        utc(2026, 3, 8, 7),
        utc(2026, 3, 8, 7, 30),
    ]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 5, 9), utc(2026, 5, 10, 3)),
        (NOW, utc(2026, 5, 10, 3)),
        (utc(2026, 5, 10, 2, 59, 59), utc(2026, 5, 10, 3)),
        (utc(2026, 5, 10, 3), utc(2026, 5, 10, 5)),
        (utc(2026, 5, 10, 3, 0, 0, 1), utc(2026, 5, 10, 5)),
        (utc(2026, 5, 20, 4), utc(2026, 5, 20, 5)),
    ],
)
def test_every_counts_from_its_anchor(after: datetime, expected: datetime) -> None:
    """`every` posts at anchor + k*interval, k >= 1, strictly after `after`."""
    assert run("every 2h", after, SHANGHAI, anchor=NOW) == expected


def test_every_ignores_anchor_microseconds_and_zone() -> None:
    """The anchor counts to the second; the zone plays no part."""
    anchor = NOW.astimezone(PAGO_PAGO) + timedelta(microseconds=700)
    assert run("every 1h30m", NOW, NEW_YORK, anchor) == utc(2026, 5, 10, 2, 30)


def test_every_is_absolute_time_across_dst() -> None:
    """`every 1d` is 24 hours: across spring forward it moves an hour on the local clock."""
    anchor = utc(2026, 3, 7, 14)  # 09:00 EST
    assert next_run(plan_from_spec("every 1d"), anchor, NEW_YORK, anchor) == utc(2026, 3, 8, 14)


def test_one_off_next_run() -> None:
    """A one-off occurs once: before its instant it is next, at or after it there is none."""
    plan = plan_from_spec("once 2026-12-01T01:30:00Z")
    at = utc(2026, 12, 1, 1, 30)
    assert next_run(plan, NOW, SHANGHAI, NOW) == at
    assert next_run(plan, at - timedelta(microseconds=1), SHANGHAI, NOW) == at
    assert next_run(plan, at, SHANGHAI, NOW) is None
    assert next_run(plan, at + timedelta(days=1), SHANGHAI, NOW) is None


# --- cron day-of-week numbering --------------------------------------------------------------


def test_apscheduler_crontab_numbering_really_differs() -> None:
    """The installed APScheduler reads crontab day 1 as Tuesday: hence the translation."""
    trigger = CronTrigger.from_crontab("0 9 * * 1", timezone=SHANGHAI)
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire is not None
    assert fire.astimezone(SHANGHAI).strftime("%a") == "Tue"


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("mon-fri", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("sun", {"Sun"}),
        ("0,6", {"Sat", "Sun"}),
        ("6-7", {"Sat", "Sun"}),
        ("fri-sun", {"Fri", "Sat", "Sun"}),
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
        ("1-5/2", {"Mon", "Wed", "Fri"}),
        ("0-7", {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}),
        ("*", {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}),
    ],
)
def test_cron_day_of_week_is_crontab_numbering(field: str, days: set[str]) -> None:
    """0 and 7 are Sunday, 1 is Monday, in lists, ranges and steps."""
    fires = runs(f"cron 0 9 * * {field}", NOW, SHANGHAI, 14)
    assert {at.astimezone(SHANGHAI).strftime("%a") for at in fires} == days
    assert all(at.astimezone(SHANGHAI).hour == 9 for at in fires)


def test_crontab_day_of_week_translation() -> None:
    """The translation names APScheduler's days explicitly, Monday first."""
    assert crontab_day_of_week("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_day_of_week("0,7") == "sun"
    assert crontab_day_of_week("*") == "*"


def test_cron_with_both_day_fields_matches_either() -> None:
    """Standard cron: day of month 1 or Monday, when both are restricted."""
    fires = runs("cron 0 9 1 * 1", utc(2026, 6, 29, 2), SHANGHAI, 3)
    assert [at.astimezone(SHANGHAI).date().isoformat() for at in fires] == [
        "2026-07-01",
        "2026-07-06",
        "2026-07-13",
    ]
