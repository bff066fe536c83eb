"""A burst of check-in replies merged into one message: translated, names escaped."""

from __future__ import annotations

import pytest

from bot.app import build_translator
from bot.platforms.telegram.render import to_html
from core.outbound_rules import Pending, Priority, merged_text
from handlers.checkin.burst import (
    CheckedIn,
    already_merge,
    already_text,
    done_merge,
    done_text,
    level_up_merge,
)

T = build_translator("zh")
MEMBERS = [CheckedIn("Ann", 10, 1), CheckedIn("<b>Bo</b> & co", 12, 3)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "✅ Checked in: Ann +10 (1-day streak), "
            "&lt;b&gt;Bo&lt;/b&gt; &amp; co +12 (3-day streak)",
        ),
        (
            "zh",
            "✅ 签到成功：Ann +10（连续 1 天）、&lt;b&gt;Bo&lt;/b&gt; &amp; co +12（连续 3 天）",
        ),
    ],
)
def test_merged_check_ins_name_everyone_with_points_and_streak(
    language: str, expected: str
) -> None:
    assert to_html(done_text(T, language, MEMBERS)) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Already checked in today: Ann, &lt;i&gt;Cy. Come back tomorrow!"),
        ("zh", "今天已经签到过了：Ann、&lt;i&gt;Cy。明天再来吧！"),
    ],
)
def test_merged_already_replies_name_everyone(language: str, expected: str) -> None:
    assert to_html(already_text(T, language, ["Ann", "<i>Cy", "Ann"])) == expected


def test_queued_replies_carry_what_the_merge_needs() -> None:
    """The queue merges by key and builds the text from the parts, per language."""
    items = [
        Pending(Priority.LOW, f"{m.name}: long reply", merge=done_merge(T, "en", m))
        for m in MEMBERS
    ]
    assert merged_text(items) == done_text(T, "en", MEMBERS)
    assert done_merge(T, "en", MEMBERS[0]).key != done_merge(T, "zh", MEMBERS[0]).key
    assert done_merge(T, "en", MEMBERS[0]).key != already_merge(T, "en", "Ann").key
    # Level-ups merge as one line each.
    ups = [Pending(Priority.LOW, text, merge=level_up_merge("en")) for text in ("🎉 A", "🎉 B")]
    assert merged_text(ups) == "🎉 A\n🎉 B"
