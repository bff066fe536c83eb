"""/help by topic over the real feature table: lengths, what members see, finding topics."""

from __future__ import annotations

import re

import pytest

from bot.app import build_features, build_translator, catalog_folders
from bot.platforms.telegram.render import to_html
from core.i18n import LANGUAGES, load_catalog
from core.text import Text
from handlers.basics import help_overview, help_topic, topic_name, topic_names, unknown_topic
from handlers.basics.topics import Topic, find_topic, help_topics, normalize

# Telegram's limit on a message's text.
MAX_TEXT = 4096
TABLE = build_features()[1]
T = build_translator()
ALL = help_topics(TABLE, is_admin=True)
MEMBERS = help_topics(TABLE, is_admin=False)
ADMIN_ONLY = {spec.name for spec in TABLE.specs.values() if spec.admin_only}


def listed(text: Text) -> set[str]:
    """The commands a help text lists, one per line as ``/name — ...``."""
    return set(re.findall(r"^/(\w+) — ", text.plain(), flags=re.M))


def every_text() -> list[tuple[str, bool, str, str]]:
    """(language, admin?, which, text) of every /help and /help <topic> there is."""
    texts = []
    for language in LANGUAGES:
        for admin, topics in ((True, ALL), (False, MEMBERS)):
            texts.append((language, admin, "/help", help_overview(T, language, topics)))
            for topic in topics:
                texts.append((language, admin, topic.key, help_topic(T, language, topic)))
            texts.append((language, admin, "unknown", unknown_topic(T, language, "x" * 80, topics)))
    return texts


@pytest.mark.parametrize(
    ("language", "admin", "which", "text"),
    every_text(),
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_every_help_text_fits_in_one_message(
    language: str, admin: bool, which: str, text: Text
) -> None:
    assert len(to_html(text)) <= MAX_TEXT
    assert len(text.plain()) <= MAX_TEXT


def test_the_old_admin_help_was_over_the_limit_and_the_new_one_is_short() -> None:
    """Every command in one list (what /help sent before) no longer fits: hence topics."""
    everything = "\n".join(
        f"/{spec.name} — {T.plain('en', spec.help_key)}" for spec in TABLE.specs.values()
    )
    assert len(everything) > MAX_TEXT
    # One message with room to spare, as the activities add their everyday commands.
    assert len(help_overview(T, "en", ALL)) < MAX_TEXT * 3 / 4


@pytest.mark.parametrize("language", LANGUAGES)
def test_members_see_no_admin_commands(language: str) -> None:
    assert listed(help_overview(T, language, MEMBERS)).isdisjoint(ADMIN_ONLY)
    for topic in MEMBERS:
        shown = listed(help_topic(T, language, topic))
        assert shown and shown.isdisjoint(ADMIN_ONLY), topic.key


@pytest.mark.parametrize("language", LANGUAGES)
def test_admins_see_every_command_in_some_topic(language: str) -> None:
    shown = set().union(*(listed(help_topic(T, language, topic)) for topic in ALL))
    assert shown == set(TABLE.specs)
    # And the short list names every topic and the everyday commands, none of the admin ones.
    overview = help_overview(T, language, ALL)
    assert listed(overview).isdisjoint(ADMIN_ONLY)
    for topic in ALL:
        assert f"/help {topic_name(T, language, topic.key)} — " in overview


def test_topics_come_from_the_features_in_order_members_first() -> None:
    keys = [topic.key for topic in ALL]
    assert keys[0] == "basics" and set(keys) == set(TABLE.topics())
    with_members = [topic.key for topic in ALL if topic.member]
    assert keys[: len(with_members)] == with_members
    assert [t.key for t in MEMBERS] == with_members


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_topic_has_a_name_and_a_line_in_each_language(language: str) -> None:
    catalog = load_catalog(language, *catalog_folders())
    for key in TABLE.topics():
        assert catalog.get(f"help.topic.{key}.name", "").strip(), key
        assert catalog.get(f"help.topic.{key}.about", "").strip(), key
    names = [normalize(topic_name(T, language, key)) for key in TABLE.topics()]
    assert len(names) == len(set(names)), "two topics share a name"


def test_a_topic_name_that_is_a_command_is_that_topics_command() -> None:
    """Otherwise /help <name> would be ambiguous."""
    for topic in ALL:
        for name in topic_names(T, [topic])[topic.key] | {topic.key}:
            spec = TABLE.get(normalize(name))
            assert spec is None or TABLE.topic_of(spec.name) == topic.key, name


@pytest.mark.parametrize(
    ("word", "topic"),
    [
        ("checkin", "checkin"),
        ("签到", "checkin"),
        ("points", "checkin"),
        ("POINTS", "checkin"),
        ("/redeem", "checkin"),
        ("warn", "enforcement"),
        ("/Warn@test_group_bot", "enforcement"),
        ("处罚", "enforcement"),
        ("night", "nightmode"),
        ("夜间", "nightmode"),
        ("nightmode", "nightmode"),
        ("replies", "autoreply"),
        ("自动回复", "autoreply"),
        ("ｓｔａｔｓ", "stats"),  # full-width letters, as a Chinese keyboard may type them
        (" stats ", "stats"),
        ("nosuch", None),
        ("", None),
        ("/", None),
    ],
)
def test_find_topic(word: str, topic: str | None) -> None:
    found = find_topic(word, ALL, topic_names(T, ALL))
    assert (found.key if found else None) == topic


def test_find_topic_prefers_a_topic_name_over_a_command_of_another() -> None:
    a = Topic("alpha", (), (TABLE.specs["ban"],))
    b = Topic("beta", (), ())
    assert find_topic("ban", [a, b], {"beta": {"ban"}}) == b
    assert find_topic("ban", [a, b], {}) == a


def test_unknown_topic_escapes_what_was_typed_and_lists_the_topics() -> None:
    text = to_html(unknown_topic(T, "en", "<b>x</b>", MEMBERS))
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<b>" not in text
    assert "points" in text and "night" not in text, "only the caller's topics"
    assert "签到" in unknown_topic(T, "zh", "x", MEMBERS)


def test_features_may_share_a_topic_and_the_table_records_it() -> None:
    from core.commands import CommandTable
    from core.feature import CommandSpec, Feature

    async def noop(command: object, ctx: object) -> None:
        return None

    class One(Feature):
        name = "one"

        def commands(self) -> tuple[CommandSpec, ...]:
            return (CommandSpec("a", noop), CommandSpec("b", noop, admin_only=True))

    class Two(Feature):
        name = "two"
        topic = "one"

        def commands(self) -> tuple[CommandSpec, ...]:
            return (CommandSpec("c", noop, admin_only=True),)

    table = CommandTable()
    table.add([One(), Two()])
    assert table.topics() == ["one"] and table.topic_of("c") == "one" and table.topic_of("x") == ""
    (topic,) = help_topics(table, is_admin=True)
    assert [s.name for s in topic.member] == ["a"] and [s.name for s in topic.admin] == ["b", "c"]
    (members,) = help_topics(table, is_admin=False)
    assert members.admin == ()
