"""Splitting long Telegram HTML texts: at line ends, never inside tags or entities, tags
closed and reopened across cuts, lengths counted as Telegram counts them."""

from __future__ import annotations

import html
import re

import pytest

from bot.platforms.telegram.split import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    split_html,
    units,
    visible_length,
)

_TAG = re.compile(r"<(/?)([a-z][\w-]*)[^>]*>")


def to_plain(markup: str) -> str:
    """What Telegram shows of an HTML text: tags dropped, entities read."""
    return html.unescape(_TAG.sub("", markup))


def balanced(part: str) -> bool:
    """Every tag in a part is closed, in order."""
    stack: list[str] = []
    for closing, name in _TAG.findall(part):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("plain", 5),
        ("<b>bold</b>", 4),
        ("a &lt; b &amp;&amp; c", 10),
        ('<a href="https://e.x/?a=1&amp;b=2">link</a>', 4),
        ("签到成功", 4),
        ("😀", 2),  # outside the BMP: two UTF-16 code units, as Telegram counts
        ("&#128512;", 2),
    ],
)
def test_visible_length(text: str, length: int) -> None:
    assert visible_length(text) == length


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("short", 10, ["short"]),
        ("one\ntwo\nthree", 8, ["one\ntwo", "three"]),
        # The line end that overflows is the cut.
        ("1234\n5678", 4, ["1234", "5678"]),
        # A paragraph break does not start the next part with an empty line.
        ("1234\n\n5678", 5, ["1234", "5678"]),
        # One over-long line: cut at a space.
        ("aaa bbb ccc", 8, ["aaa bbb", "ccc"]),
        # No space: between two characters.
        ("签到签到签到", 4, ["签到签到", "签到"]),
        # Entities are never cut: &lt; counts one and stays whole.
        ("&lt;&lt;&lt;&lt;&lt;", 2, ["&lt;&lt;", "&lt;&lt;", "&lt;"]),
        # A tag open at the cut is closed, and reopened with its attributes.
        ("<b>bold\ntext</b>", 5, ["<b>bold</b>", "<b>text</b>"]),
        (
            '<a href="https://e.x/">abcdef</a>',
            3,
            ['<a href="https://e.x/">abc</a>', '<a href="https://e.x/">def</a>'],
        ),
        # Nested tags close innermost first and reopen outermost first.
        (
            '<pre><code class="language-py">x = 1\ny = 2</code></pre>',
            6,
            [
                '<pre><code class="language-py">x = 1</code></pre>',
                '<pre><code class="language-py">y = 2</code></pre>',
            ],
        ),
        # A tag opening right at a cut goes with its text to the next part.
        ("abcd<b>efgh</b>", 4, ["abcd", "<b>efgh</b>"]),
        # A tag closing right at a cut stays with its text.
        ("<i>abcd</i>efgh", 4, ["<i>abcd</i>", "efgh"]),
        # An emoji counts two: four fit in a limit of eight.
        ("😀" * 5, 8, ["😀" * 4, "😀"]),
    ],
    ids=[
        "fits",
        "lines",
        "overflowing-line-end",
        "paragraph",
        "word",
        "characters",
        "entities",
        "bold-across-lines",
        "link",
        "pre-code",
        "opening-tag-at-cut",
        "closing-tag-at-cut",
        "astral",
    ],
)
def test_split_html(text: str, limit: int, parts: list[str]) -> None:
    assert split_html(text, limit) == parts


def test_a_caption_takes_the_first_limit_and_messages_the_rest() -> None:
    text = "\n".join(f"line {n:04d}" for n in range(300))  # 2,999 characters
    parts = split_html(text, TEXT_LIMIT, first_limit=CAPTION_LIMIT)
    assert len(parts) == 2
    assert visible_length(parts[0]) <= CAPTION_LIMIT
    assert "\n".join(parts) == text


def test_white_space_only_parts_are_dropped() -> None:
    assert split_html("abc\n\n\n\n\n\ndef", 3) == ["abc", "def"]


@pytest.mark.parametrize("limit", [50, 97, 200, 4096])
def test_long_mixed_text_keeps_every_character_and_every_part_is_valid(limit: int) -> None:
    lines = [
        f"<b>#{n}</b> &lt;{n}&gt; <code>{'x' * (n % 37)}</code> 成员{n} "
        + ("<i>" + "word " * (n % 23) + "</i>")
        for n in range(400)
    ]
    text = "<blockquote>" + "\n".join(lines) + "</blockquote>" + "尾" * 300
    parts = split_html(text, limit)
    assert len(parts) > 1
    for part in parts:
        assert visible_length(part) <= limit
        assert balanced(part), part
    # Nothing lost but the white space at the cuts.
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squeeze("".join(to_plain(p) for p in parts)) == squeeze(to_plain(text))


def test_the_english_admin_help_sized_text_becomes_two_messages() -> None:
    line = "<b>/command</b> — " + html.escape("does <something> & more, ") * 3
    text = "\n".join([line] * 70)
    assert 6000 < visible_length(text) < 8000
    parts = split_html(text)
    assert len(parts) == 2
    assert all(units(to_plain(p)) <= TEXT_LIMIT for p in parts)
