"""Welcome templates, join batching and duplicate-join detection: pure logic, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.platforms.telegram.render import to_html
from core.events import Chat, User
from core.template import TemplateError, check_template, render_template, used_placeholders
from core.text import Text, bold, italic, mention
from handlers.welcome import PLACEHOLDERS
from handlers.welcome.batching import JoinBatcher

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
GROUP = Chat(-1001234567890, "Group")
OTHER = Chat(-1009876543210, "Other")


def user(uid: int, name: str = "") -> User:
    return User(uid, name or f"user{uid}")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- check_template -----------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "",
        "Welcome!",
        "Welcome {name}",
        "Hi {mention}, welcome to {group}. You are member #{count}. {rules}",
        "{name}{name}{name}",
        "{{literal}} and {{name}}",
        "{{{name}}}",
        "Braces {{ and }} alone",
        "<b>{name}</b> & co",
        "{name:}",
        "多行\n欢迎 {mention}\n\n{rules}",
    ],
)
def test_check_template_accepts(template: str) -> None:
    check_template(template, PLACEHOLDERS)


@pytest.mark.parametrize(
    ("template", "names"),
    [
        ("{nmae}", ("{nmae}",)),
        ("Hi {foo} {bar} {foo}", ("{foo}", "{bar}")),
        ("{}", ("{}",)),
        ("{} {}", ("{}",)),
        ("{0}", ("{0}",)),
        ("{name!r}", ("{name!r}",)),
        ("{name!s}", ("{name!s}",)),
        ("{name:>5}", ("{name:>5}",)),
        ("{name!r:>5}", ("{name!r:>5}",)),
        ("{name.attr}", ("{name.attr}",)),
        ("{name[0]}", ("{name[0]}",)),
        ("{name.__class__}", ("{name.__class__}",)),
        ("{Name}", ("{Name}",)),
        ("{ name }", ("{ name }",)),
        ("{name} {x} {mention!r} {x} {mention!r}", ("{x}", "{mention!r}")),
        ("{{ok}} {bad}", ("{bad}",)),
    ],
)
def test_check_template_lists_unknown_placeholders_once(
    template: str, names: tuple[str, ...]
) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(template, PLACEHOLDERS)
    assert caught.value.kind == "unknown"
    assert caught.value.names == names
    assert str(caught.value) == "unknown: " + ", ".join(names)


@pytest.mark.parametrize(
    "template",
    ["{", "}", "{name", "name}", "Hi {name}}", "{{name}", "{name!}", "a } b { c", "{name {x}"],
)
def test_check_template_unbalanced_braces(template: str) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(template, PLACEHOLDERS)
    assert caught.value.kind == "braces"
    assert caught.value.names == ()
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("template", "used"),
    [
        ("", set()),
        ("plain {{name}}", set()),
        ("{name} {mention} {name}", {"name", "mention"}),
        ("{group}{count}{rules}", {"group", "count", "rules"}),
    ],
)
def test_used_placeholders(template: str, used: set[str]) -> None:
    assert used_placeholders(template) == used


def test_placeholders_are_the_documented_five() -> None:
    assert set(PLACEHOLDERS) == {"name", "mention", "group", "count", "rules"}


# --- render_template ----------------------------------------------------------------

ANN_VALUES = {"name": "Ann", "group": "Cats & Dogs", "count": "3", "rules": "Be nice"}


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("Welcome {name}!", ANN_VALUES, "Welcome Ann!"),
        ("{name} joined {group}", ANN_VALUES, "Ann joined Cats &amp; Dogs"),
        ("<b>Hi</b> {name}", ANN_VALUES, "&lt;b&gt;Hi&lt;/b&gt; Ann"),
        ("Tom & Jerry > {name}", ANN_VALUES, "Tom &amp; Jerry &gt; Ann"),
        ("{{literal}} {name}", ANN_VALUES, "{literal} Ann"),
        ("{{{name}}}", ANN_VALUES, "{Ann}"),
        ("{name}", {"name": "<b>Eve</b>"}, "&lt;b&gt;Eve&lt;/b&gt;"),
        ("{name}", {"name": "a&amp;b"}, "a&amp;amp;b"),
        ("{name}", {"name": "{group}", "group": "SECRET"}, "{group}"),
        ("{name}", {"name": "{{x}} {", "group": "G"}, "{{x}} {"),
        ("{name} {name}", {"name": "Ann"}, "Ann Ann"),
        ("Hi {name}, rules: {rules}", {"name": "Ann"}, "Hi Ann, rules: "),
        ("{name}", {"name": 'O"Brien'}, 'O"Brien'),
        ("line1\n{name}\nline3", ANN_VALUES, "line1\nAnn\nline3"),
        ("", ANN_VALUES, ""),
    ],
    ids=[
        "plain",
        "escaped-value",
        "escaped-literal-markup",
        "escaped-literal-entities",
        "double-braces",
        "triple-braces",
        "markup-in-name",
        "entity-in-name",
        "placeholder-in-name-stays-literal",
        "braces-in-name",
        "repeated",
        "missing-value-is-empty",
        "quotes-kept",
        "newlines-kept",
        "empty",
    ],
)
def test_render_template(template: str, values: dict[str, str], expected: str) -> None:
    rendered = render_template(template, values)
    assert isinstance(rendered, Text)
    assert to_html(rendered) == expected


def test_render_keeps_html_values_and_escapes_the_rest() -> None:
    eve = User(5, "<b>Eve</b>")
    values = {"mention": mention(eve), "name": eve.name, "group": bold("G<1>")}
    rendered = render_template("{mention} ({name}) in {group}", values)
    assert to_html(rendered) == (
        '<a href="tg://user?id=5">&lt;b&gt;Eve&lt;/b&gt;</a> (&lt;b&gt;Eve&lt;/b&gt;)'
        " in <b>G&lt;1&gt;</b>"
    )


def test_render_does_not_reparse_html_values() -> None:
    """A Text value holding placeholder text is inserted once, not filled again."""
    rendered = render_template("{mention}", {"mention": italic("{rules}"), "rules": "R"})
    assert to_html(rendered) == "<i>{rules}</i>"


# --- JoinBatcher --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quiet", "maximum", "joins", "due"),
    [
        (2, 10, [0], 2),
        (2, 10, [0, 1], 3),
        (2, 10, [0, 1, 2.5], 4.5),
        (2, 10, [0, 5, 9], 10),
        (2, 10, [0, 3, 6, 9.5], 10),
        (2, 10, [0, 7.9], 9.9),
        (2, 10, [0, 8.5], 10),
        (5, 3, [0], 5),
        (5, 3, [0, 4], 5),
        (0.5, 60, [0, 0.1, 0.2], 0.7),
    ],
    ids=[
        "one-join",
        "quiet-after-last",
        "quiet-after-third",
        "capped-by-max",
        "capped-by-max-again",
        "just-under-max",
        "just-over-max",
        "max-below-quiet-single",
        "max-below-quiet-is-raised-to-quiet",
        "short-quiet",
    ],
)
def test_due_is_min_of_quiet_after_last_and_max_after_first(
    quiet: float, maximum: float, joins: list[float], due: float
) -> None:
    batcher = JoinBatcher(quiet, maximum)
    returned = [batcher.add(GROUP, user(i), at(t)) for i, t in enumerate(joins)]
    assert returned[-1] == batcher.due(GROUP.id) == at(due)
    first, last = at(joins[0]), at(joins[-1])
    expected = min(last + timedelta(seconds=quiet), first + timedelta(seconds=max(quiet, maximum)))
    assert batcher.due(GROUP.id) == expected


def test_raid_of_twenty_joins_is_one_batch() -> None:
    """20 joins 0.4 s apart: every join comes before the previous due time; one welcome."""
    batcher = JoinBatcher(2.0, 10.0)
    users = [user(100 + i, f"Newcomer {i}") for i in range(20)]
    due = None
    for i, newcomer in enumerate(users):
        now = at(i * 0.4)
        if due is not None:
            assert now < due, "the welcome is not due yet when the next join arrives"
        due = batcher.add(GROUP, newcomer, now)
    assert due == at(19 * 0.4 + 2.0)
    assert due <= at(10.0)
    assert batcher.chats() == [GROUP.id]
    pending = batcher.take(GROUP.id)
    assert pending is not None
    assert pending.users == users
    assert pending.chat == GROUP
    assert (pending.first_at, pending.last_at) == (at(0), at(19 * 0.4))
    assert batcher.chats() == []


def test_endless_raid_is_capped_by_max() -> None:
    batcher = JoinBatcher(2.0, 10.0)
    dues = [batcher.add(GROUP, user(i), at(i * 1.0)) for i in range(30)]
    assert max(dues) == at(10.0)
    assert dues[0] == at(2.0)


def test_duplicate_user_counted_once_in_first_position() -> None:
    batcher = JoinBatcher(2.0, 10.0)
    ann, ben = user(1, "Ann"), user(2, "Ben")
    batcher.add(GROUP, ann, at(0))
    batcher.add(GROUP, ben, at(0.5))
    due = batcher.add(GROUP, user(1, "Ann again"), at(1.0))
    assert due == at(3.0), "a repeated join still counts as activity"
    pending = batcher.take(GROUP.id)
    assert pending is not None
    assert [u.id for u in pending.users] == [1, 2]
    assert pending.users[0].name == "Ann"


def test_chats_are_batched_separately_and_take_removes() -> None:
    batcher = JoinBatcher(2.0, 10.0)
    batcher.add(GROUP, user(1), at(0))
    batcher.add(OTHER, user(2), at(1))
    batcher.add(GROUP, user(3), at(1.5))
    assert sorted(batcher.chats()) == sorted([GROUP.id, OTHER.id])
    assert batcher.due(GROUP.id) == at(3.5)
    assert batcher.due(OTHER.id) == at(3)

    taken = batcher.take(GROUP.id)
    assert taken is not None
    assert [u.id for u in taken.users] == [1, 3]
    assert batcher.take(GROUP.id) is None
    assert batcher.chats() == [OTHER.id]
    with pytest.raises(KeyError):
        batcher.due(GROUP.id)

    # The next join after a take starts a fresh batch.
    assert batcher.add(GROUP, user(4), at(20)) == at(22)
    fresh = batcher.take(GROUP.id)
    assert fresh is not None
    assert ([u.id for u in fresh.users], fresh.first_at) == ([4], at(20))


def test_take_unknown_chat_is_none() -> None:
    assert JoinBatcher(2, 10).take(42) is None


def test_latest_chat_title_is_kept() -> None:
    batcher = JoinBatcher(2.0, 10.0)
    batcher.add(Chat(GROUP.id, "Old title"), user(1), at(0))
    batcher.add(Chat(GROUP.id, "New title"), user(2), at(1))
    pending = batcher.take(GROUP.id)
    assert pending is not None
    assert pending.chat.title == "New title"
