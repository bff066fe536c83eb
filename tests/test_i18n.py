"""Message catalogs: both languages complete and consistent; the translator escapes values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import core.i18n as i18n
from bot.app import build_features, build_translator, catalog_folders
from bot.platforms.telegram.render import to_html
from core.i18n import (
    LANGUAGES,
    Translator,
    choose_plural,
    fill,
    load_catalog,
    placeholders,
    plural_forms,
)
from core.text import Text, bold, italic

FOLDERS = catalog_folders()
ZH = load_catalog("zh", *FOLDERS)
EN = load_catalog("en", *FOLDERS)


def test_languages() -> None:
    assert LANGUAGES == ("zh", "en")


def test_catalogs_have_the_same_keys() -> None:
    assert sorted(set(ZH) - set(EN)) == [], "keys only in zh.toml"
    assert sorted(set(EN) - set(ZH)) == [], "keys only in en.toml"
    assert len(ZH) > 0


@pytest.mark.parametrize("key", sorted(set(ZH) | set(EN)))
def test_same_placeholders_in_both_languages(key: str) -> None:
    assert placeholders(ZH.get(key, "")) == placeholders(EN.get(key, "")), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_is_non_empty_and_formats(language: str) -> None:
    """Each sentence parses as a format string and fills in with its own placeholders."""
    catalog = load_catalog(language, *FOLDERS)
    for key, text in catalog.items():
        assert text.strip(), f"{language}:{key} is empty"
        for number in (1, 2):
            filled = fill(text, {name: number for name in placeholders(text)})
            assert isinstance(filled, Text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", set()),
        ("plain", set()),
        ("Hi {name}", {"name"}),
        ("{a} {b} {a}", {"a", "b"}),
        ("{{literal}} {x}", {"x"}),
        ("{{{{ or }}}}", set()),
    ],
)
def test_placeholders(text: str, names: set[str]) -> None:
    assert placeholders(text) == names


def _command_specs() -> list[str]:
    _features, table = build_features()
    return list(table.specs)


COMMANDS = _command_specs()


def test_features_declare_commands() -> None:
    assert {"help", "start", "rules", "setrules", "welcome", "setwelcome", "lang"} <= set(COMMANDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description(language: str, command: str) -> None:
    catalog = load_catalog(language, *FOLDERS)
    key = f"commands.{command}"
    assert key in catalog, f"{language}.toml lacks {key}"
    assert catalog[key].strip()


def test_help_keys_of_all_specs_exist() -> None:
    _features, table = build_features()
    translator = build_translator()
    for spec in table.specs.values():
        for language in LANGUAGES:
            assert spec.help_key in translator.keys(language)
            assert translator.plain(language, spec.help_key) != spec.help_key


# --- Translator ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tr() -> Translator:
    return build_translator("zh")


@pytest.mark.parametrize(
    ("language", "key", "values", "expected"),
    [
        (
            "en",
            "common.not_admin",
            {"command": "setrules"},
            "⛔ Only group admins can use /setrules.",
        ),
        (
            "en",
            "common.not_admin",
            {"command": "<b>x</b>"},
            "⛔ Only group admins can use /&lt;b&gt;x&lt;/b&gt;.",
        ),
        ("en", "rules.show", {"rules": "a & b"}, "📜 Group rules:\na &amp; b"),
        ("en", "rules.show", {"rules": bold("a & b")}, "📜 Group rules:\n<b>a &amp; b</b>"),
        ("en", "rules.show", {"rules": italic("kept")}, "📜 Group rules:\n<i>kept</i>"),
        ("en", "rules.show", {"rules": "{rules}"}, "📜 Group rules:\n{rules}"),
        (
            "en",
            "common.too_long",
            {"length": 2001, "limit": 2000},
            "That is too long (2001 characters, the limit is 2000).",
        ),
        ("zh", "rules.show", {"rules": "<script>"}, "📜 群规：\n&lt;script&gt;"),
    ],
    ids=["plain", "escaped", "entity", "bold", "html-kept", "no-reparse", "ints", "zh"],
)
def test_translator_formats(
    tr: Translator, language: str, key: str, values: dict[str, object], expected: str
) -> None:
    result = tr(language, key, **values)
    assert isinstance(result, Text)
    assert to_html(result) == expected


def test_translator_escapes_catalog_text(tr: Translator) -> None:
    """Catalog sentences are plain text: their < > come out escaped, {{ }} as braces."""
    result = tr("en", "welcome.usage")
    assert "/setwelcome &lt;text&gt;" in to_html(result)
    assert "{name} {mention} {group} {count} {rules}" in result


@pytest.mark.parametrize(
    ("language", "expected_language"),
    [("zh", "zh"), ("en", "en"), (None, "zh"), ("fr", "zh"), ("", "zh")],
)
def test_unknown_language_falls_back_to_default(
    tr: Translator, language: str | None, expected_language: str
) -> None:
    assert tr.plain(language, "lang.set") == load_catalog(expected_language, *FOLDERS)["lang.set"]
    assert tr(language, "lang.usage") == load_catalog(expected_language, *FOLDERS)["lang.usage"]


def test_default_language_is_configurable() -> None:
    english = build_translator("en")
    assert english.plain("fr", "lang.set") == EN["lang.set"]
    assert english.plain("zh", "lang.set") == ZH["lang.set"]


@pytest.mark.parametrize(
    ("language", "key"),
    [("en", "welcome.usage"), ("zh", "welcome.usage"), ("en", "rules.usage"), ("en", "rules.show")],
)
def test_plain_returns_the_raw_text(tr: Translator, language: str, key: str) -> None:
    assert tr.plain(language, key) == load_catalog(language, *FOLDERS)[key]


def test_plain_keeps_doubled_braces_and_markup_characters(tr: Translator) -> None:
    raw = tr.plain("en", "welcome.usage")
    assert "{{name}}" in raw
    assert "<text>" in raw


def test_unknown_key_gives_the_key(tr: Translator) -> None:
    assert tr.plain("en", "no.such.key") == "no.such.key"
    assert to_html(tr("zh", "no.<such>.key")) == "no.&lt;such&gt;.key"


def test_key_missing_in_one_language_falls_back_to_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogs = {
        "zh": {"both": "中文 {x}", "only_zh": "只有中文"},
        "en": {"both": "English {x}", "only_en": "English only"},
    }
    monkeypatch.setattr(i18n, "load_catalog", lambda language: dict(catalogs[language]))
    translator = Translator("zh")
    assert to_html(translator("en", "both", x="<y>")) == "English &lt;y&gt;"
    assert translator.plain("zh", "only_en") == "English only"
    assert translator.plain("en", "only_zh") == "只有中文"
    assert translator.keys("zh") == {"both", "only_zh"}


def test_feature_catalogs_merge_and_keys_defined_twice_are_refused(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[common]\nyes = "Yes"\n', "utf-8")
    (tmp_path / "poll.en.toml").write_text('[poll]\nasked = "Asked"\n', "utf-8")
    (tmp_path / "poll.zh.toml").write_text('[poll]\nasked = "已提问"\n', "utf-8")
    assert load_catalog("en", tmp_path) == {"common.yes": "Yes", "poll.asked": "Asked"}
    (tmp_path / "again.en.toml").write_text('[common]\nyes = "Yes!"\n', "utf-8")
    with pytest.raises(ValueError, match=r"common\.yes"):
        load_catalog("en", tmp_path)


# --- plurals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "form"),
    [
        (1, "day"),
        (0, "days"),
        (2, "days"),
        (21, "days"),
        (-1, "days"),
        (1.0, "day"),
        (1.5, "days"),
        ("1", "day"),
        (" 1 ", "day"),
        ("1,000", "days"),
        ("many", "days"),
        (True, "days"),
        (Text("1"), "day"),
    ],
)
def test_choose_plural(value: object, form: str) -> None:
    assert choose_plural(value, "day|days") == form


@pytest.mark.parametrize("spec", ["day", "day|days|dayz"])
def test_a_plural_choice_has_two_forms(spec: str) -> None:
    with pytest.raises(ValueError):
        choose_plural(2, spec)


@pytest.mark.parametrize(
    ("text", "values", "markup", "expected"),
    [
        ("{n} {n:day|days}", {"n": 1}, True, "1 day"),
        ("{n} {n:day|days}", {"n": 2}, True, "2 days"),
        ("{n} {n:row was|rows were} rejected", {"n": 1}, True, "1 row was rejected"),
        ("{n} {n:row was|rows were} rejected", {"n": 3}, True, "3 rows were rejected"),
        ("{who}: {n} {n:point|points}", {"who": "<b>", "n": 1}, True, "&lt;b&gt;: 1 point"),
        ("{who}: {n} {n:point|points}", {"who": "<b>", "n": 1}, False, "<b>: 1 point"),
        (
            "{who} has {n} {n:point|points}",
            {"who": italic("A"), "n": 5},
            True,
            "<i>A</i> has 5 points",
        ),
        ("{{n}} {n:day|days}", {"n": 1}, True, "{n} day"),
        ("plain {x}", {"x": "<"}, True, "plain &lt;"),
        ("plain {x}", {"x": "<"}, False, "plain <"),
    ],
)
def test_fill(text: str, values: dict[str, object], markup: bool, expected: str) -> None:
    filled = fill(text, values)
    # markup: as Telegram HTML (values escaped); otherwise the plain text shown.
    assert (to_html(filled) if markup else filled.plain()) == expected


@pytest.mark.parametrize(
    ("language", "key", "values", "expected"),
    [
        ("en", "checkin.makeup_nothing", {"days": 1}, "in the last 1 day."),
        ("en", "checkin.makeup_nothing", {"days": 7}, "in the last 7 days."),
        ("en", "cleanup.report_removed", {"count": 1}, "1 member removed."),
        ("en", "cleanup.report_removed", {"count": 4}, "4 members removed."),
        ("en", "cleanup.failed_admin", {"count": 1}, "1 is an admin now and was skipped"),
        ("en", "cleanup.failed_admin", {"count": 2}, "2 are admins now and were skipped"),
        ("en", "autoreply.import_rejected", {"count": 1}, "1 row was rejected:"),
        ("en", "common.too_long", {"length": 1, "limit": 0}, "(1 character, the limit is 0)"),
        ("en", "autoreply.deleted", {"count": 1, "ids": "#2"}, "Deleted auto-reply #2."),
        ("en", "autoreply.deleted", {"count": 2, "ids": "#2 #3"}, "Deleted auto-replies #2 #3."),
        ("zh", "cleanup.report_removed", {"count": 1}, "1"),
    ],
)
def test_plural_sentences(
    tr: Translator, language: str, key: str, values: dict[str, object], expected: str
) -> None:
    assert expected in tr(language, key, **values)


def test_plain_text_takes_plurals_too(tr: Translator) -> None:
    """Charts and files get plain text with the right form, and nothing escaped."""
    assert tr.text("en", "stats.chart_title", group="A & B", days=1, start="s", end="e") == (
        "A & B · last 1 day (s – e)"
    )


PLURAL_NOUN = re.compile(
    r"\{(?P<name>\w+)\}\s+(?:(?:new|scheduled|active|moderation|more)\s+)?"
    r"(?P<word>[A-Za-z-]+s)\b"
)
# Words ending in s after a number that are no plural noun.
NOT_PLURAL = {"is", "was", "has", "its", "this", "us", "plus", "as", "s"}
# Placeholders that hold no number (names, lists of ids), so no plural follows them.
NOT_NUMBERS = {"names", "action", "id", "ids", "mentions", "user", "group", "name", "who"}


def english_sentences() -> list[tuple[str, str]]:
    return sorted(load_catalog("en", *FOLDERS).items())


@pytest.mark.parametrize(("key", "text"), english_sentences())
def test_english_numbers_take_the_plural_mechanism(key: str, text: str) -> None:
    """No "{n} days" left: a number followed by a plural noun must use {n:day|days}."""
    for match in PLURAL_NOUN.finditer(text):
        if match["name"] in NOT_NUMBERS or match["word"].lower() in NOT_PLURAL:
            continue
        raise AssertionError(f"{key}: “{match[0]}” reads wrong for 1; use {{n:one|other}}")
    assert "(s)" not in text, f"{key}: write {{n:one|other}} instead of (s)"


def test_the_scan_sees_a_wrong_plural() -> None:
    """The scan is real: the old wording is caught, the new one passes."""
    assert PLURAL_NOUN.search("Streak: {streak} days")
    assert PLURAL_NOUN.search("{added} new rules")
    assert not PLURAL_NOUN.search("Streak: {streak} {streak:day|days}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_choices_have_two_forms(language: str) -> None:
    for key, text in load_catalog(language, *FOLDERS).items():
        for name, forms in plural_forms(text):
            assert len(forms) == 2 and all(forms), f"{language}:{key}: {{{name}:one|other}}"
            assert name in placeholders(text)
