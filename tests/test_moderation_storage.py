"""Moderation settings, banned words and allowed domains in storage (SQLite and PostgreSQL),
the rules index that caches them, and the settings parsers."""

from __future__ import annotations

import pytest

from handlers.moderation.compiled import literal_key
from handlers.moderation.index import RulesIndex
from handlers.moderation.rules import (
    GroupRules,
    Limits,
    SettingError,
    parse_actions,
    rules_from_stored,
)
from handlers.moderation.settings import (
    _flood_args,
    _newcomer_args,
    parse_bad_word,
    parse_domain,
)
from storage.moderation_rules import ModerationRulesRepository
from storage.unit import Store

CHAT = -1001234567890123
OTHER = -1009999999999999


async def test_defaults_without_rows(store: Store) -> None:
    async with store.unit() as uow:
        assert rules_from_stored(await ModerationRulesRepository(uow).rules(CHAT)) == GroupRules()


async def test_settings_words_and_domains_round_trip(store: Store) -> None:
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        await repo.save(
            CHAT, "dryrun", {"link": {"on": True, "actions": "delete,ban:3600s"}}, {"emoji": 3}
        )
        assert await repo.add_word(CHAT, "傻 逼", literal_key("傻 逼"), False, 7)
        assert not await repo.add_word(CHAT, "傻逼", literal_key("傻逼"), False, 7)
        assert await repo.add_word(CHAT, "re:代.发票", "代.发票", True, 7)
        assert await repo.add_domain(CHAT, "example.com", 7)
        assert not await repo.add_domain(CHAT, "example.com", 7)
        assert await repo.add_domain(OTHER, "other.org", 7)
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        rules = rules_from_stored(await repo.rules(CHAT))
        assert rules.mode == "dryrun"
        assert rules.check("link").enabled
        assert rules.check("link").actions == parse_actions("delete,ban:1h")
        assert rules.limits == Limits(emoji=3)
        assert rules.domains == {"example.com"}
        assert [(w.word, w.match_key, w.is_regex) for w in rules.bad_words] == [
            ("傻 逼", "傻逼", False),
            ("re:代.发票", "代.发票", True),
        ]
        assert await repo.word_count(CHAT) == 2
        assert await repo.domain_count(CHAT) == 1


async def test_changes_drop_the_cached_snapshot(store: Store) -> None:
    async with store.unit() as uow:
        before = await ModerationRulesRepository(uow).rules(CHAT)
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        assert await repo.rules(CHAT) is before  # cached: no query
        await repo.add_domain(CHAT, "example.com", 1)
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        assert (await repo.rules(CHAT)).domains == {"example.com"}
        assert await repo.remove_domain(CHAT, "example.com")
        assert not await repo.remove_domain(CHAT, "example.com")
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        assert (await repo.rules(CHAT)).domains == frozenset()
        await repo.add_word(CHAT, "spam", "spam", False, None)
    async with store.unit() as uow:
        repo = ModerationRulesRepository(uow)
        assert await repo.remove_word(CHAT, "spam", False)
        assert not await repo.remove_word(CHAT, "spam", False)
    async with store.unit() as uow:
        assert rules_from_stored(await ModerationRulesRepository(uow).rules(CHAT)).bad_words == ()


async def test_index_compiles_once_and_rechecks_on_time(store: Store) -> None:
    now = [0.0]
    index = RulesIndex(10, 30.0, clock=lambda: now[0])
    async with store.unit() as uow:
        first = await index.get(uow, CHAT)
        assert await index.get(uow, CHAT) is first
    # Another process adds a word: this store's cache does not know until the recheck.
    other = Store(store.url)
    try:
        async with other.unit() as uow:
            await ModerationRulesRepository(uow).add_word(CHAT, "spam", "spam", False, None)
    finally:
        await other.close()
    async with store.unit() as uow:
        assert (await index.get(uow, CHAT)) is first
        now[0] = 31.0
        fresh = await index.get(uow, CHAT)
        assert fresh is not first
        assert [w.word for w in fresh.rules.bad_words] == ["spam"]
        now[0] = 62.0
        assert await index.get(uow, CHAT) is fresh  # read again, unchanged: kept


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("example.com", "example.com"),
        ("https://www.Example.com/path?q=1", "example.com"),
        ("*.example.com", "example.com"),
        ("docs.example.co.uk.", "docs.example.co.uk"),
        ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"),
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("t.me", "t.me"),
        ("localhost", None),
        ("not a domain", None),
        ("-bad-.com", None),
        ("", None),
        ("a" * 300 + ".com", None),
    ],
)
def test_parse_domain(text: str, domain: str | None) -> None:
    assert parse_domain(text) == domain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("代开发票", ("代开发票", "代开发票", False)),
        ("  傻 . 逼 ", ("傻 . 逼", "傻逼", False)),
        ("Free Money", ("Free Money", "free money", False)),
        ("re:代.{0,3}发票", ("re:代.{0,3}发票", "代.{0,3}发票", True)),
        ("RE: buy\\s+now", ("re:buy\\s+now", "buy\\s+now", True)),
    ],
)
def test_parse_bad_word(text: str, expected: tuple[str, str, bool]) -> None:
    assert parse_bad_word(text, 50, 50) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "moderation.word_usage"),
        ("re:", "moderation.word_usage"),
        ("re:(", "errors.regex.missing_paren"),
        ("re:(?=x)", "errors.regex.lookaround"),
        ("re:.*", "moderation.regex_matches_all"),
        ("re:x?", "moderation.regex_matches_all"),
        ("\u200b\u200b", "moderation.word_empty"),
        ("x" * 51, "common.too_long"),
        ("re:" + "x" * 51, "common.too_long"),
    ],
)
def test_parse_bad_word_refuses(text: str, key: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_bad_word(text, 50, 50)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("5", "10s"), (5, 10)),
        (("5", "10"), (5, 10)),
        (("20", "1m"), (20, 60)),
        (("1", "10s"), None),
        (("101", "10s"), None),
        (("5", "2h"), None),
        (("5", "soon"), None),
        (("five", "10s"), None),
        (("5",), None),
        (("5", "10s", "x"), None),
    ],
)
def test_flood_args(args: tuple[str, ...], expected: tuple[int, int] | None) -> None:
    assert _flood_args(args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("24h",), (86_400, 0)),
        (("24h", "10"), (86_400, 10)),
        (("10",), (0, 10)),
        (("3天",), (3 * 86_400, 0)),
        (("30s",), None),
        (("100d",), None),
        (("0",), None),
        (("24h", "x"), None),
        (("24h", "10", "1"), None),
        ((), None),
    ],
)
def test_newcomer_args(args: tuple[str, ...], expected: tuple[int, int] | None) -> None:
    assert _newcomer_args(args) == expected


async def test_people_are_read_once_and_kept_up_to_date(store: Store) -> None:
    """Usernames come from the member records once per group, plus what is seen later."""
    from datetime import UTC, datetime

    from handlers.moderation.people import People
    from storage.repositories import Activity, ChatRepository, MemberRepository

    now = datetime.now(UTC)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(CHAT)
        await MemberRepository(uow).record(
            [
                Activity(CHAT, 1, "Ann", "Ann_Lee", False, now, 1),
                Activity(CHAT, 2, "Ben", None, False, now, 1),
            ]
        )
    people = People()
    people.always("My_Bot")
    people.saw(CHAT, "Early_Bird")  # seen before the group was read
    async with store.unit() as uow:
        assert await people.names(uow, CHAT) == {"ann_lee", "early_bird", "my_bot"}
    people.saw(CHAT, "Carol")
    people.saw(CHAT, None)
    async with store.unit() as uow:
        assert await people.names(uow, CHAT) == {"ann_lee", "early_bird", "my_bot", "carol"}
        assert await people.names(uow, OTHER) == {"my_bot"}
