"""The cleanup's pure rules with a controlled clock: exemptions, thresholds, never-seen, runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.platforms.telegram.render import to_html
from core.buttons import decode, encode, verb_of
from core.text import Text, as_lines
from handlers.cleanup.removal import RemovalReport
from handlers.cleanup.rules import (
    AutoPolicy,
    AutoRequest,
    CleanupError,
    Exemptions,
    Member,
    clip,
    confirm_args,
    exemption,
    is_silent,
    never_seen,
    never_seen_are_silent,
    page_args,
    pages_for,
    parse_autoclean,
    parse_days,
    parse_inactive,
    parse_press,
    plan_run,
    select_inactive,
)
from handlers.cleanup.text import PAGE_SIZE, member_line, removal_report, warning_messages

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    """A time ``days`` before NOW."""
    return NOW - timedelta(days=days)


def member(uid: int, silent: float, **kw: object) -> Member:
    """A member last seen ``silent`` days ago."""
    return Member(uid, kw.pop("name", f"M{uid}"), ago(silent), **kw)  # type: ignore[arg-type]


EXEMPT = Exemptions(
    admins=frozenset({1}), approved=frozenset({2}), exempted=frozenset({3}), new_member_days=7
)


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        (member(1, 90), "admin"),
        (member(2, 90), "approved"),
        (member(3, 90), "exempted"),
        (member(4, 90, is_bot=True), "bot"),
        (member(5, 90, joined_at=ago(2)), "new"),
        (member(6, 90, joined_at=ago(6.99)), "new"),
        (member(7, 90, joined_at=ago(7)), None),
        (member(8, 90, joined_at=None), None),
        (member(9, 90), None),
    ],
)
def test_exemptions(who: Member, reason: str | None) -> None:
    assert exemption(who, EXEMPT, NOW) == reason


@pytest.mark.parametrize(
    ("silent", "days", "expected"),
    [(29.99, 30, False), (30, 30, True), (31, 30, True), (0, 1, False), (1, 1, True)],
)
def test_silence_threshold(silent: float, days: int, expected: bool) -> None:
    assert is_silent(member(10, silent), NOW, days) is expected


def test_select_inactive_orders_oldest_silence_first_and_skips_exempt() -> None:
    members = [member(10, 40), member(11, 100), member(1, 200), member(12, 10), member(13, 60)]
    chosen = select_inactive(members, EXEMPT, NOW, 30)
    assert [m.user_id for m in chosen] == [11, 13, 10]


@pytest.mark.parametrize(
    ("count", "present", "unknown_admins", "expected"),
    [(None, 10, 0, 0), (100, 60, 2, 38), (10, 20, 0, 0), (50, 50, 0, 0)],
)
def test_never_seen_count(
    count: int | None, present: int, unknown_admins: int, expected: int
) -> None:
    assert never_seen(count, present, unknown_admins) == expected


@pytest.mark.parametrize(
    ("joined", "days", "grace", "expected"),
    [
        (None, 30, None, False),
        (ago(29), 30, None, False),
        (ago(30), 30, None, True),
        (ago(10), 30, 7, True),
        (ago(5), 30, 7, False),
        (ago(100), 30, 0, True),
    ],
)
def test_never_seen_grace(
    joined: datetime | None, days: int, grace: int | None, expected: bool
) -> None:
    assert never_seen_are_silent(joined, NOW, days, grace) is expected


POLICY = AutoPolicy(days=30, warn_days=3)


def test_plan_warns_in_the_window_and_leaves_the_recent_alone() -> None:
    plan = plan_run([member(10, 27), member(11, 26.9), member(12, 45)], {}, POLICY, NOW)
    assert [m.user_id for m in plan.warn] == [12, 10]
    assert plan.remove == [] and plan.spared == [] and plan.waiting == 0


def test_plan_removes_after_the_window_only() -> None:
    warnings = {10: ago(3), 11: ago(1), 12: ago(2.97)}
    members = [member(10, 31), member(11, 40), member(12, 33)]
    plan = plan_run(members, warnings, POLICY, NOW)
    # 12's warning is an hour short of 3 days: the daily slack lets it count.
    assert sorted(m.user_id for m in plan.remove) == [10, 12]
    assert plan.waiting == 1 and plan.warn == []


def test_plan_member_who_spoke_after_warning_is_spared_or_warned_afresh() -> None:
    # 10 spoke yesterday (no longer a candidate); 11 spoke after the warning but is silent
    # long enough again, so the old warning no longer counts and a new one is given.
    warnings = {10: ago(3), 11: ago(40)}
    members = [member(11, 28)]
    plan = plan_run(members, warnings, POLICY, NOW)
    assert plan.spared == [10]
    assert [m.user_id for m in plan.warn] == [11]
    assert plan.remove == []


def test_plan_without_warnings_removes_directly() -> None:
    plan = plan_run([member(10, 30), member(11, 29)], {}, AutoPolicy(30, 0), NOW)
    assert [m.user_id for m in plan.remove] == [10]
    assert plan.warn == []


def test_plan_warned_but_not_yet_due() -> None:
    """Warned long ago but silent fewer than ``days``: still waiting (days count)."""
    plan = plan_run([member(10, 28)], {10: ago(5)}, POLICY, NOW)
    assert plan.remove == [] and plan.waiting == 1


@pytest.mark.parametrize(
    ("text", "days"), [("30", 30), ("7d", 7), ("14天", 14), ("1", 1), ("3650", 3650)]
)
def test_parse_days(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["0", "-3", "abc", "3651", "9999999", "３０", "1.5", ""])
def test_parse_days_refuses(text: str) -> None:
    with pytest.raises(CleanupError) as caught:
        parse_days(text)
    assert caught.value.key == "cleanup.bad_days"


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), (30, 1)), (("60",), (60, 1)), (("60", "3"), (60, 3)), (("7", "0"), (7, 1))],
)
def test_parse_inactive(args: tuple[str, ...], expected: tuple[int, int]) -> None:
    assert parse_inactive(args, 30) == expected


@pytest.mark.parametrize("args", [("1", "2", "3"), ("30", "x"), ("x",)])
def test_parse_inactive_refuses(args: tuple[str, ...]) -> None:
    with pytest.raises(CleanupError):
        parse_inactive(args, 30)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), AutoRequest("show")),
        (("off",), AutoRequest("off")),
        (("关闭",), AutoRequest("off")),
        (("test",), AutoRequest("test")),
        (("30",), AutoRequest("set", 30, 3)),
        (("2",), AutoRequest("set", 2, 1)),
        (("30", "warn", "5"), AutoRequest("set", 30, 5)),
        (("30", "warn", "0"), AutoRequest("set", 30, 0)),
        (("30", "dry"), AutoRequest("set", 30, 3, True)),
        (("30", "WARN", "2d", "dryrun"), AutoRequest("set", 30, 2, True)),
    ],
)
def test_parse_autoclean(args: tuple[str, ...], expected: AutoRequest) -> None:
    assert parse_autoclean(args, 3) == expected


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("30", "warn"), "cleanup.autoclean_usage"),
        (("30", "warn", "30"), "cleanup.warn_too_long"),
        (("30", "banana"), "cleanup.autoclean_usage"),
        (("soon",), "cleanup.bad_days"),
        (("30", "warn", "x"), "cleanup.bad_days"),
    ],
)
def test_parse_autoclean_refuses(args: tuple[str, ...], key: str) -> None:
    with pytest.raises(CleanupError) as caught:
        parse_autoclean(args, 3)
    assert caught.value.key == key


def test_button_data_round_trip_and_junk() -> None:
    data = encode("cln.ok", confirm_args(30, 123456789012, NOW))
    assert len(data.encode()) <= 64
    decoded = decode(data)
    assert decoded is not None and decoded[0] == "cln.ok"
    press = parse_press(verb_of(decoded[0]), decoded[1])
    assert press is not None and (press.verb, press.days, press.owner) == ("ok", 30, 123456789012)
    assert press.issued == int(NOW.timestamp())
    page = parse_press("page", tuple(str(a) for a in page_args(30, 4)))
    assert page is not None and (page.verb, page.days, page.owner) == ("page", 30, 4)
    junk_data = (
        ("ok", ("30",)),
        ("zap", ("1", "2", "3")),
        ("ok", ()),
        ("ok", ("a", "b", "c")),
        ("page", ("1",)),
        ("ok", ("0", "1", "2")),
        ("ok", ("30", "1", "9999999999999999999")),
        ("page", ("99999", "1")),
    )
    for verb, args in junk_data:
        assert parse_press(verb, args) is None


def test_pages_and_clip() -> None:
    assert pages_for(0, 20) == 1 and pages_for(20, 20) == 1 and pages_for(21, 20) == 2
    assert clip("a" * 40, 10) == "a" * 9 + "…"
    assert clip("  x \n y ", 10) == "x y"


def fake_t(key: str, **values: object) -> str:
    """A translator stand-in that shows the key and values."""
    return f"{key}{sorted(values.items())}"


def test_a_full_page_stays_under_telegrams_limit() -> None:
    from bot.app import build_translator

    translator = build_translator("en")

    def t(key: str, **values: object) -> Text:
        return translator("en", key, **values)

    worst = "&<>" * 200
    lines = [t("cleanup.list_header", count=99999, days=3650, page=9999, pages=9999)]
    for n in range(PAGE_SIZE):
        who = Member(10**12 + n, worst, ago(3000), 10**9, ago(3000))
        lines.append(member_line(t, 99_999 + n, who, NOW, UTC))  # type: ignore[arg-type]
    lines.append(t("cleanup.never_seen_counted", count=10**6, since="2026-01-01"))
    assert len(to_html(as_lines(lines))) < 4096


def test_warnings_are_batched_and_reports_name_failures() -> None:
    members = [member(i, 40, name=f"<b>{i}</b>") for i in range(100)]
    messages = warning_messages(fake_t, members, 30, 3)  # type: ignore[arg-type]
    assert len(messages) == 3
    report = RemovalReport(removed=members[:2])
    report.fail("gone", members[2])
    report.fail("no_right", members[3])
    text = removal_report(fake_t, report, "Ban users")  # type: ignore[arg-type]
    assert "failed_gone" in text and "failed_no_right" in text and "&lt;b&gt;" in to_html(text)
