"""Neutral text to OneBot segments: names stay text, mentions become ``at``, long texts split."""

from __future__ import annotations

from typing import Any

import pytest

from bot.platforms.onebot.render import (
    at_segment,
    cut_at,
    messages,
    plain,
    segments,
    split,
    text_segment,
)
from core.events import User
from core.ids import scoped
from core.text import Text, bold, code, italic, link, mention

QQ = scoped("onebot", 123456)
TELEGRAM_USER = 777


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("hi", [text_segment("hi")]),
        ("", []),
        ("[CQ:at,qq=all]", [text_segment("[CQ:at,qq=all]")]),
        ("&#91;CQ:face,id=1&#93;", [text_segment("&#91;CQ:face,id=1&#93;")]),
        (Text("a ", bold("b"), " ", italic("c"), " ", code("d")), [text_segment("a b c d")]),
        (
            "hi " + mention(User(QQ, "[CQ:at,qq=all]")) + "!",
            [text_segment("hi "), at_segment(123456), text_segment("!")],
        ),
        (
            mention(User(TELEGRAM_USER, "Tg [CQ:at,qq=all]")),
            [text_segment("Tg [CQ:at,qq=all]")],
        ),
        (link("rules", "https://x.test/r"), [text_segment("rules (https://x.test/r)")]),
        (link("https://x.test", "https://x.test"), [text_segment("https://x.test")]),
        (bold("[CQ:image,file=http://evil]"), [text_segment("[CQ:image,file=http://evil]")]),
    ],
)
def test_segments(text: Text | str, wire: list[dict[str, Any]]):
    assert segments(text) == wire


@pytest.mark.parametrize(
    ("text", "room", "cut"),
    [
        ("short", 10, 5),
        ("one two three", 9, 8),
        ("line one\nline two", 12, 9),
        ("abcdefghij", 4, 4),
        (" abc", 2, 2),
    ],
)
def test_cut_at(text: str, room: int, cut: int):
    assert cut_at(text, room) == cut


@pytest.mark.parametrize(
    ("wire", "limit", "shown"),
    [
        ([text_segment("aaaa bbbb cccc")], 5, ["aaaa ", "bbbb ", "cccc"]),
        ([text_segment("abc")], 10, ["abc"]),
        ([text_segment("abcdefgh")], 3, ["abc", "def", "gh"]),
        # A text that fits whole in a message of its own is not cut.
        ([text_segment("aaaa"), text_segment("bbbbbb")], 7, ["aaaa", "bbbbbb"]),
        # A mention is never cut; it moves to the next message when there is no room.
        ([text_segment("aaaa"), at_segment(12345)], 7, ["aaaa", "@12345"]),
        ([at_segment(1), text_segment(" hi")], 10, ["@1 hi"]),
    ],
)
def test_split(wire: list[dict[str, Any]], limit: int, shown: list[str]):
    parts = split(wire, limit)
    assert [plain(p) for p in parts] == shown
    assert all(len(plain(p)) <= limit for p in parts)


def test_split_keeps_every_character():
    long = "\n".join(f"line {n} " + "x" * (n % 50) for n in range(400))
    parts = messages(long, limit=500)
    assert len(parts) > 1
    assert "".join(plain(p) for p in parts) == long
    assert all(len(plain(p)) <= 500 for p in parts)


def test_split_refuses_a_limit_under_one():
    with pytest.raises(ValueError, match="limit"):
        split([text_segment("x")], 0)


def test_messages_of_an_empty_text_is_nothing():
    assert messages("") == []
