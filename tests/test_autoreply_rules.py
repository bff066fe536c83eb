"""Auto-reply rules as admins type them: parsing and every check, with no I/O."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import catalog_folders
from core.i18n import load_catalog
from handlers.autoreply.normalize import fold, whole_key
from handlers.autoreply.rules import (
    Answer,
    Limits,
    LinkButton,
    RuleError,
    Trigger,
    parse_addreply,
    parse_answer,
    split_keyword,
)

LIMITS = Limits()


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ＰＲＩＣＥ", "price"),  # full-width letters
        ("Price", "price"),
        ("１２３", "123"),  # full-width digits
        ("价\u200b格", "价格"),  # zero-width space
        ("ﬁne", "fine"),  # ligature
        ("①", "1"),
        ("Straße", "strasse"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  Hello   World! ", "hello world"),
        ("价格？", "价格"),
        ("「价格」", "「价格」"),
        ("...", ""),
    ],
)
def test_whole_key(text: str, key: str) -> None:
    assert whole_key(text) == key


@pytest.mark.parametrize(
    ("text", "word", "rest"),
    [
        ("price 10 yuan", "price", "10 yuan"),
        ('"opening hours" 9:00-18:00', "opening hours", "9:00-18:00"),
        ("“营业 时间” 九点", "营业 时间", "九点"),
        ("「营业时间」九点", "营业时间", "九点"),
        ('="good morning" hi', "=good morning", "hi"),
        ('re:"a b+" c', "re:a b+", "c"),
        ("kw\nline one\nline two", "kw", "line one\nline two"),
        ("kw", "kw", ""),
    ],
)
def test_split_keyword(text: str, word: str, rest: str) -> None:
    assert split_keyword(text) == (word, rest)


@pytest.mark.parametrize(
    ("args", "trigger", "answer"),
    [
        ("price See the pinned post", Trigger("contains", "price"), Answer("See the pinned post")),
        ('"opening hours" 9:00-18:00', Trigger("contains", "opening hours"), Answer("9:00-18:00")),
        ("=hi Hello {name}", Trigger("exact", "hi"), Answer("Hello {name}")),
        ("re:价格|多少钱 看置顶", Trigger("regex", "价格|多少钱"), Answer("看置顶")),
        (
            "price See prices | Shop -> https://example.com",
            Trigger("contains", "price"),
            Answer("See prices", (LinkButton("Shop", "https://example.com"),)),
        ),
        (
            "faq a | b | Docs -> https://d.example | Chat -> tg://resolve?domain=x",
            Trigger("contains", "faq"),
            Answer(
                "a | b",
                (
                    LinkButton("Docs", "https://d.example"),
                    LinkButton("Chat", "tg://resolve?domain=x"),
                ),
            ),
        ),
        ("kw 1 | 2", Trigger("contains", "kw"), Answer("1 | 2")),
    ],
)
def test_parse_addreply(args: str, trigger: Trigger, answer: Answer) -> None:
    assert parse_addreply(args, "", LIMITS) == (trigger, answer)


def test_reply_text_is_the_answer_when_none_is_typed() -> None:
    """/addreply <keyword> as a reply takes the replied message's text."""
    assert parse_addreply("rules", "Be nice.", LIMITS) == (
        Trigger("contains", "rules"),
        Answer("Be nice."),
    )


@pytest.mark.parametrize(
    ("args", "replied", "key"),
    [
        ("", "", "usage"),
        ("kw", "", "empty_reply"),
        ('"" reply', "", "empty_keyword"),
        ("= reply", "", "empty_keyword"),
        ('"unclosed reply', "", "unclosed_quote"),
        ("k" * 201 + " reply", "", "keyword_too_long"),
        ("re:" + "a" * 501 + " reply", "", "pattern_too_long"),
        (r"re:(a)\1 reply", "", "errors.regex.backref"),
        ("re:(?=a)b reply", "", "errors.regex.lookaround"),
        ("re:(?<!a)b reply", "", "errors.regex.lookaround"),
        ("re:a{2000} reply", "", "errors.regex.repeat_size"),
        ("re:(ab reply", "", "errors.regex.missing_paren"),
        ("re:.* reply", "", "regex_matches_all"),
        ("re:x? reply", "", "regex_matches_all"),
        ("kw hi {nickname}", "", "unknown_placeholders"),
        ("kw hi {name", "", "bad_braces"),
        ("kw see | Shop -> ftp://example.com", "", "bad_url"),
        ("kw see | -> https://example.com", "", "bad_button"),
        ("kw " + "x" * 4001, "", "reply_too_long"),
        ("kw x" + " | b -> https://e.com" * 9, "", "too_many_buttons"),
    ],
)
def test_bad_input_names_the_problem(args: str, replied: str, key: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_addreply(args, replied, LIMITS)
    assert caught.value.key == key


def test_regex_error_quotes_the_part_at_fault() -> None:
    with pytest.raises(RuleError) as caught:
        parse_addreply(r"re:(a)\1 x", "", LIMITS)
    assert caught.value.values == {"fragment": "\\1"}


def test_limits_come_from_settings() -> None:
    with pytest.raises(RuleError):
        parse_addreply("abcdef x", "", Limits(keyword_chars=5))
    parse_addreply("abcde x", "", Limits(keyword_chars=5))


@pytest.mark.parametrize(
    ("trigger", "key"),
    [
        (Trigger("contains", "ＰＲＩＣＥ"), "price"),
        (Trigger("exact", "Hello  World!"), "hello world"),
        (Trigger("regex", "Ａ+b"), "A+b"),  # NFKC only: escapes like \S keep their case
        (Trigger("regex", r"\S+"), r"\S+"),
    ],
)
def test_match_keys(trigger: Trigger, key: str) -> None:
    assert trigger.match_key == key


def test_answer_round_trips_through_its_stored_form() -> None:
    answer = parse_answer("x | A -> https://a.example", LIMITS)
    assert Answer.from_dict(answer.to_dict()) == answer
    assert Answer.from_dict({"text": "plain"}) == Answer("plain")


def test_every_error_key_has_a_sentence() -> None:
    """Each RuleError/MalformedFile raised by the feature has a catalog sentence."""
    source = "".join(path.read_text("utf-8") for path in Path("handlers/autoreply").glob("*.py"))
    keys = set(re.findall(r'(?:RuleError|MalformedFile)\("(\w+)"', source))
    assert len(keys) > 20
    for language in ("zh", "en"):
        catalog = load_catalog(language, *catalog_folders())
        assert {f"autoreply.{key}" for key in keys} <= set(catalog)
