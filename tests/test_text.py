"""Neutral text (core.text) and its Telegram HTML rendering: segments, joining, plain text,
equality, and hostile names and URLs that can never become markup."""

from __future__ import annotations

import pytest

from bot.platforms.telegram.render import to_html
from core.events import User
from core.i18n import fill
from core.text import (
    BOLD,
    CODE,
    LINK,
    MENTION,
    PLAIN,
    Segment,
    Text,
    as_lines,
    bold,
    code,
    italic,
    link,
    mention,
    plain,
)

EVE = User(5, "<b>Eve</b>")


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (plain("a < b & c > d"), "a &lt; b &amp; c &gt; d"),
        (plain("&amp;"), "&amp;amp;"),
        (plain('say "hi"'), 'say "hi"'),
        (bold("<b>x</b>"), "<b>&lt;b&gt;x&lt;/b&gt;</b>"),
        (italic("</i><b>"), "<i>&lt;/i&gt;&lt;b&gt;</i>"),
        (code("if a < b && c"), "<code>if a &lt; b &amp;&amp; c</code>"),
        (mention(EVE), '<a href="tg://user?id=5">&lt;b&gt;Eve&lt;/b&gt;</a>'),
        (
            mention(User(6, "</a><a href='x'>")),
            "<a href=\"tg://user?id=6\">&lt;/a&gt;&lt;a href='x'&gt;</a>",
        ),
        (mention(User(7, "")), '<a href="tg://user?id=7">7</a>'),
        (mention(User(8, "Bo"), "👮"), '<a href="tg://user?id=8">👮</a>'),
        (
            link("rules", 'https://e.x/?a=1&b="2"'),
            '<a href="https://e.x/?a=1&amp;b=&quot;2&quot;">rules</a>',
        ),
        (
            link("<x>", "https://e.x/'><script>"),
            '<a href="https://e.x/&#x27;&gt;&lt;script&gt;">&lt;x&gt;</a>',
        ),
        (link("", "https://e.x/"), '<a href="https://e.x/">https://e.x/</a>'),
        ("<b>a str is plain</b>", "&lt;b&gt;a str is plain&lt;/b&gt;"),
        (Text(), ""),
    ],
    ids=[
        "plain",
        "entity-in-plain",
        "quotes-in-text",
        "bold-hostile",
        "italic-closing-tag",
        "code",
        "mention-hostile-name",
        "mention-closing-a",
        "mention-without-name",
        "mention-label",
        "link-quotes-in-url",
        "link-breaking-out",
        "link-without-label",
        "str",
        "empty",
    ],
)
def test_telegram_html_escapes_every_segment(text: Text | str, html: str) -> None:
    assert to_html(text) == html


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (plain("a") + bold("b") + "c", "abc"),
        ("Hi " + mention(EVE) + "!", "Hi <b>Eve</b>!"),
        (link("rules", "https://e.x/"), "rules"),
        (code("x") + italic("y"), "xy"),
        (Text(), ""),
    ],
)
def test_plain_shows_labels_as_text(text: Text, shown: str) -> None:
    assert text.plain() == shown
    assert str(text) == shown
    assert len(text) == len(shown)
    assert bool(text) is bool(shown)


@pytest.mark.parametrize(
    ("separator", "parts", "segments"),
    [
        (", ", ["a", "b"], (Segment(PLAIN, "a, b"),)),
        (
            "\n",
            ["a", bold("b"), "c"],
            (Segment(PLAIN, "a\n"), Segment(BOLD, "b"), Segment(PLAIN, "\nc")),
        ),
        (" ", [], ()),
        ("-", [bold("x")], (Segment(BOLD, "x"),)),
        (
            " ",
            [mention(User(1, "A")), mention(User(2, "B"))],
            (Segment(MENTION, "A", 1), Segment(PLAIN, " "), Segment(MENTION, "B", 2)),
        ),
        ("", ["", "", code("c")], (Segment(CODE, "c"),)),
    ],
    ids=["str-parts", "mixed", "nothing", "one", "mentions", "empty-parts-dropped"],
)
def test_join(separator: str, parts: list[Text | str], segments: tuple[Segment, ...]) -> None:
    assert Text(separator).join(parts).segments == segments


def test_as_lines_puts_one_part_per_line() -> None:
    assert as_lines(["a", bold("b")]) == plain("a\n") + bold("b")
    assert to_html(as_lines(["<", bold("&")])) == "&lt;\n<b>&amp;</b>"


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (plain("ab"), plain("a") + "b", True),
        (plain("ab"), "a" + plain("b"), True),
        (plain("ab"), Text("a", "b"), True),
        (bold("ab"), bold("a") + bold("b"), True),
        (plain("ab"), "ab", True),
        (Text(), "", True),
        (plain(""), Text(), True),
        (bold("ab"), "ab", False),
        (bold("ab"), plain("ab"), False),
        (mention(User(1, "A")), mention(User(2, "A")), False),
        (mention(User(1, "A")), link("A", "tg://user?id=1"), False),
        (mention(User(1, "A")) + mention(User(1, "A")), mention(User(1, "AA")), False),
    ],
)
def test_equality_and_hash(left: Text, right: Text | str, equal: bool) -> None:
    assert (left == right) is equal
    assert (right == left) is equal
    if equal:
        assert hash(left) == hash(right)


def test_texts_are_immutable_and_hashable() -> None:
    greeting = "Hi " + mention(EVE)
    before = greeting.segments
    _ = greeting + "!"
    assert greeting.segments == before
    assert {greeting: 1}[("Hi " + mention(EVE))] == 1
    with pytest.raises(AttributeError):
        greeting.extra = 1  # type: ignore[attr-defined]


def test_contains_looks_at_what_is_shown() -> None:
    text = "Hi " + mention(EVE)
    assert "<b>Eve" in text
    assert "tg://" not in text


def test_a_text_label_is_taken_as_its_plain_text() -> None:
    assert bold(plain("a") + italic("b")) == bold("ab")
    assert link(bold("x"), "https://e.x/").segments == (Segment(LINK, "x", "https://e.x/"),)


def test_only_text_and_str_combine() -> None:
    with pytest.raises(TypeError):
        plain("a") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Text(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plain(",").join([1])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("segments", "text"),
    [
        ([Segment(BOLD, "a"), Segment(BOLD, "b"), Segment(PLAIN, "")], bold("ab")),
        ([Segment(PLAIN, "a"), Segment(PLAIN, "b"), Segment(PLAIN, "c")], plain("abc")),
        (
            [Segment(MENTION, "A", 1), Segment(MENTION, "A", 1)],
            mention(User(1, "A")) + mention(User(1, "A")),
        ),
        ([], Text()),
    ],
    ids=["bold-run", "plain-run", "mentions-stay-apart", "empty"],
)
def test_of_merges_like_concatenation(segments: list[Segment], text: Text) -> None:
    assert Text.of(segments) == text


@pytest.mark.parametrize(
    ("sentence", "values", "text"),
    [
        ("{a}{b}", {"a": bold("x"), "b": bold("y")}, bold("xy")),
        ("<{a}>", {"a": "&"}, plain("<&>")),
        ("hi {who}!", {"who": mention(EVE)}, "hi " + mention(EVE) + "!"),
        ("{n} {n:day|days}", {"n": plain("1")}, plain("1 day")),
    ],
    ids=["formatted-values-merge", "plain-stays-plain", "mention-kept", "text-number"],
)
def test_fill_builds_the_same_text_as_concatenation(
    sentence: str, values: dict[str, object], text: Text
) -> None:
    assert fill(sentence, values) == text
