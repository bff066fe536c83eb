"""Options of /schedule: reading them, their errors, composing with the <when>, summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule.options import (
    Options,
    merge_options,
    options_summary,
    parse_options,
    until_instant,
)
from handlers.schedule.when import Plan, WhenError, parse_when

TODAY = date(2026, 5, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)
END = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "options", "rest"),
    [
        ("", Options(), ""),
        ("Hello", Options(), "Hello"),
        ("--pin Hello", Options(pin=True), "Hello"),
        ("--PIN --replace Hello", Options(pin=True, replace=True), "Hello"),
        ("--pin --pin Hello", Options(pin=True), "Hello"),
        ("--until 2026-12-31 Hello", Options(until=END), "Hello"),
        ("--until=2026-12-31 Hello", Options(until=END), "Hello"),
        ("--until 2026/12/31 Hello", Options(until=END), "Hello"),
        ("--until 2026-05-10 Hello", Options(until=TODAY), "Hello"),
        ("--count 5 Hello", Options(count=5), "Hello"),
        ("--count=5 Hello", Options(count=5), "Hello"),
        ("--times 5 Hello", Options(count=5), "Hello"),
        ("--count 10000 Hello", Options(count=10000), "Hello"),
        ("--count 3 --times 4 Hello", Options(count=4), "Hello"),
        ("—pin —count 3 Hello", Options(pin=True, count=3), "Hello"),
        ("–replace Hello", Options(replace=True), "Hello"),
        ("—Hello everyone", Options(), "—Hello everyone"),
        ("——通知——", Options(), "——通知——"),
        ("---- Title ----", Options(), "---- Title ----"),
        ("-- --pin is literal", Options(), "--pin is literal"),
        ("Hello --pin", Options(), "Hello --pin"),
        ("  --pin\n\nLine 1\n  Line 2\n", Options(pin=True), "Line 1\n  Line 2\n"),
        ("--count\n3\nHello", Options(count=3), "Hello"),
    ],
)
def test_parse_options(text: str, options: Options, rest: str) -> None:
    """Leading options are read; the text starts at the first other token, as written."""
    assert parse_options(text, TODAY) == (options, rest)


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("--foo Hello", "bad_option", {"name": "--foo"}),
        ("--foo=1 Hello", "bad_option", {"name": "--foo"}),
        ("--pin=yes Hello", "bad_option", {"name": "--pin=yes"}),
        ("--pin --Pinned Hello", "bad_option", {"name": "--Pinned"}),
        ("--until", "bad_until", {"value": ""}),
        ("--until tomorrow", "bad_until", {"value": "tomorrow"}),
        ("--until 2026-02-30 Hello", "bad_until", {"value": "2026-02-30"}),
        ("--until= Hello", "bad_until", {"value": ""}),
        ("--until 2026-05-09 Hello", "until_past", {"value": "2026-05-09"}),
        ("--count", "bad_count", {"value": ""}),
        ("--count 0 Hello", "bad_count", {"value": "0"}),
        ("--count 10001 Hello", "bad_count", {"value": "10001"}),
        ("--count -1 Hello", "bad_count", {"value": "-1"}),
        ("--times many", "bad_count", {"value": "many"}),
        ("--count ３ Hello", "bad_count", {"value": "３"}),
        ("--count " + "9" * 5000, "bad_count", {"value": "9" * 39 + "…"}),
    ],
)
def test_option_errors(text: str, key: str, values: dict[str, str]) -> None:
    """Each bad option has its catalog key and values."""
    with pytest.raises(WhenError) as caught:
        parse_options(text, TODAY)
    assert (caught.value.key, caught.value.values) == (key, values)


def compose(text: str) -> tuple[Options, Plan, str]:
    """Options, then the <when>, then options again, then the text: as /schedule reads it."""
    before, rest = parse_options(text, TODAY)
    plan, rest = parse_when(rest, NOW, SHANGHAI)
    after, rest = parse_options(rest, TODAY)
    return merge_options(before, after), plan, rest


@pytest.mark.parametrize(
    ("text", "options", "spec", "rest"),
    [
        ("daily 09:00 Hello", Options(), "daily 09:00", "Hello"),
        ("--pin daily 09:00 Hello", Options(pin=True), "daily 09:00", "Hello"),
        ("daily 09:00 --pin Hello", Options(pin=True), "daily 09:00", "Hello"),
        (
            "--pin daily 09:00 --until 2026-12-31 --count 3 Hello\n  world",
            Options(pin=True, until=END, count=3),
            "daily 09:00",
            "Hello\n  world",
        ),
        (
            "--count 2 --replace weekly mon,thu 20:00 --count 5\nHello",
            Options(replace=True, count=5),
            "weekly mon,thu 20:00",
            "Hello",
        ),
        (
            '—pin cron "0 9 * * 1-5" —times 3 Hi',
            Options(pin=True, count=3),
            "cron 0 9 * * 1-5",
            "Hi",
        ),
        ("every 2h -- --pin", Options(), "every 2h", "--pin"),
        ("--until 2026-12-31 every 1h30m", Options(until=END), "every 1h30m", ""),
    ],
)
def test_options_around_the_when(text: str, options: Options, spec: str, rest: str) -> None:
    """Options may come before the <when>, after it, or both; the later value wins."""
    merged, plan, left = compose(text)
    assert (merged, plan.spec, left) == (options, spec, rest)


def test_merge_keeps_earlier_values() -> None:
    """Values read only before the <when> survive an empty second read."""
    first = Options(pin=True, until=END, count=3)
    assert merge_options(first, Options()) == first
    assert merge_options(Options(), first) == first
    assert merge_options(first, Options(count=9)) == Options(pin=True, until=END, count=9)


@pytest.mark.parametrize(
    ("options", "summary"),
    [
        (Options(), ""),
        (Options(pin=True), "--pin"),
        (Options(replace=True, count=1), "--replace --count 1"),
        (Options(pin=True, until=END, count=5), "--pin --until 2026-12-31 --count 5"),
        (Options(True, True, END, 10000), "--pin --replace --until 2026-12-31 --count 10000"),
    ],
)
def test_options_summary_round_trips(options: Options, summary: str) -> None:
    """The summary is canonical option text that reads back to the same options."""
    assert options_summary(options) == summary
    assert parse_options(summary, TODAY) == (options, "")


@pytest.mark.parametrize(
    ("until", "zone", "instant"),
    [
        (END, "Asia/Shanghai", datetime(2026, 12, 31, 16, tzinfo=UTC)),
        (END, "Pacific/Kiritimati", datetime(2026, 12, 31, 10, tzinfo=UTC)),
        (END, "Pacific/Pago_Pago", datetime(2027, 1, 1, 11, tzinfo=UTC)),
        # New York: the day before spring forward ends at 00:00 EST...
        (date(2026, 3, 7), "America/New_York", datetime(2026, 3, 8, 5, tzinfo=UTC)),
        # ...and the day of it at 00:00 EDT.
        (date(2026, 3, 8), "America/New_York", datetime(2026, 3, 9, 4, tzinfo=UTC)),
        # Santiago skips midnight on 2026-09-06: that day starts at 01:00, the moment of the jump.
        (date(2026, 9, 5), "America/Santiago", datetime(2026, 9, 6, 4, tzinfo=UTC)),
        (date.max, "Asia/Shanghai", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_until_instant(until: date, zone: str, instant: datetime) -> None:
    """The schedule may post until the end of that local day."""
    assert until_instant(until, ZoneInfo(zone)) == instant
