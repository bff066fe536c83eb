"""The moderation normal form: what obfuscated text folds to."""

from __future__ import annotations

import pytest

from handlers.moderation.normalize import digit_skeleton, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello World", "hello world"),
        # full-width letters, digits and punctuation
        ("ｖｘ：１３８", "vx:138"),
        ("加ＶＸ", "加vx"),
        # mathematical / letter-like symbols
        ("𝐇𝕌𝐗", "hux"),
        ("𝓦𝓮𝓒𝓱𝓪𝓽", "wechat"),
        ("Ⓥⓧ", "vx"),
        ("①③⑧", "138"),
        # zero-width and other invisible characters
        ("加\u200bV\u200d信", "加v信"),
        ("t\u2060.\ufeffme", "t.me"),
        ("w\u00ade\u200cchat", "wechat"),
        # combining marks: strike-through, underline, keycaps
        ("v̶x̶", "vx"),
        ("1̲3̲8̲", "138"),
        ("1️⃣3️⃣8️⃣", "138"),
        # Cyrillic and Greek look-alikes
        ("раураl", "paypal"),
        ("ВІТСОІN", "bitcoin"),
        ("ΝΙΚΕ", "nike"),
        ("teІegram", "teiegram"),
        ("ԝеснат", "wechat"),
        ("ᴡᴇᴄʜᴀᴛ", "wechat"),
        # Chinese text is left alone apart from width
        ("大家好，今天签到了吗？", "大家好,今天签到了吗?"),
        # Hangul filler and braille blank hide inside words
        ("v\u3164x", "vx"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["ｖｘ１３８", "𝐇𝕌𝐗", "加\u200bV", "раураl", "abc DEF"])
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        # emoji, spaces and dashes between digits
        ("138🔥0013🔥8000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("(+86) 138.0013.8000", "8613800138000"),
        # Chinese numerals, plain and financial
        ("一三八零零一三八零零零", "13800138000"),
        ("壹叁捌 零零 壹叁捌", "13800138"),
        # look-alike letters as single characters or touching digits
        ("1 3 8 o o 1 3 8", "13800138"),
        ("138oo13 8ooo", "13800138000"),
        ("l38OO", "13800"),
        # words end a number; look-alike words do not count
        ("lol 12345", "12345"),
        ("hello 12 world 34", "12 34"),
        ("价格 100 元 / 200 元", "100 200"),
        ("line 1\nline 2", "1 2"),
        ("no digits here", ""),
        ("今天天气不错", ""),
    ],
)
def test_digit_skeleton(text: str, expected: str) -> None:
    assert digit_skeleton(normalize(text)) == expected


def test_the_quick_tests_see_every_character_that_is_changed() -> None:
    """normalize() skips str.translate when its quick regex tests find nothing to change."""
    from handlers.moderation import normalize as module

    for code in module._DROP:
        assert module._MAY_DROP.search(chr(code)), hex(code)
    for char in module._UPPER_HOMOGLYPHS:
        assert module._HAS_UPPER.search(char), char
    for char in module._LOWER_HOMOGLYPHS:
        assert module._HAS_LOWER.search(char), char
    assert not module._MAY_DROP.search("大家好🎉😀👍🇨🇳")
