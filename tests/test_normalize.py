"""The moderation normal form: what obfuscated text folds to."""

from __future__ import annotations

import pytest

from core.normalize import contact_skeleton, digit_skeleton, normalize


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
    from core import normalize as module

    for code in module._DROP:
        assert module._MAY_DROP.search(chr(code)), hex(code)
    for char in module._UPPER_HOMOGLYPHS:
        assert module._HAS_UPPER.search(char), char
    for char in module._LOWER_HOMOGLYPHS:
        assert module._HAS_LOWER.search(char), char
    assert not module._MAY_DROP.search("大家好🎉😀👍🇨🇳")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a symbol or emoji inside the word
        ("薇❤信 abc123", "薇信 abc123"),
        ("加❤V", "加v"),
        ("Ｖ❤Ｘ：abc", "vx:abc"),
        ("扣❤扣", "扣扣"),
        ("v❤信", "v信"),
        ("微💰信💰号", "微信号"),
        ("加 ❤ V ❤ 私聊", "加v 私聊"),
        # ordinary Chinese is not joined up (only contact words are): a lone symbol is a space
        ("我爱❤你", "我爱 你"),
        ("今天 下午 见", "今天 下午 见"),
        # spaces and dots between Han characters
        ("微 信", "微信"),
        ("微 . 信", "微信"),
        # pinyin split in two, and "v 信"
        ("wei xin abc", "weixin abc"),
        ("wei-xin", "weixin"),
        ("dian hua", "dianhua"),
        ("shou ji", "shouji"),
        ("kou kou", "koukou"),
        ("v 信", "v信"),
        # single letters spaced or dotted apart
        ("q q 1 2 3 4", "qq 1 2 3 4"),
        ("v x: abc123", "vx: abc123"),
        ("q.q", "qq"),
        ("v-x abc", "vx abc"),
        ("w e c h a t", "wechat"),
        # ornaments standing between words read as one space
        ("vx 💋 : id_1", "vx : id_1"),
        # what the patterns read stays: ids, ":", "+", "@", line breaks, sentence ends
        ("abc_123", "abc_123"),
        ("wxid_abc88", "wxid_abc88"),
        ("+v", "+v"),
        ("飞机 @ name", "飞机 @ name"),
        ("加\nq", "加\nq"),
        ("参加。q: 几点", "参加。q: 几点"),
        ("好的, qq 群", "好的, qq 群"),
        # ordinary words are not joined into contact words
        ("weird xin", "weird xin"),
        ("tv 信号", "tv 信号"),
        ("the vxlan", "the vxlan"),
        ("v 字手势", "v 字手势"),
        ("hello world", "hello world"),
        ("", ""),
    ],
)
def test_contact_skeleton(text: str, expected: str) -> None:
    assert contact_skeleton(normalize(text)) == expected


@pytest.mark.parametrize("text", ["薇❤信", "q q", "wei xin", "微 信", "v 信", "扣❤扣 12345678"])
def test_normalize_keeps_what_the_skeleton_folds(text: str) -> None:
    """normalize() feeds the spam classifier and the link check: it keeps spaces and
    symbols (word boundaries), and only the contact check's skeleton takes them out."""
    assert normalize(text) == text.lower()
    assert contact_skeleton(normalize(text)) != normalize(text)


@pytest.mark.parametrize(
    "text",
    [
        "薇❤信 abc123",
        "加 ❤ V ❤ 私聊",
        "微 . 信",
        "v 信",
        "q q 1 2 3 4",
        "w e c h a t",
        "vx 💋 : id_1",
        "wei xin",
        "大家好 今天 签到了吗",
        "I ❤ NY",
        "hello world",
        "price: 1,299.99",
        "a b c",
    ],
)
def test_the_skeletons_quick_tests_skip_only_steps_that_change_nothing(text: str) -> None:
    normalized = normalize(text)
    assert contact_skeleton(normalized) == contact_skeleton(normalized, quick=False)


@pytest.mark.parametrize("text", ["薇❤信 abc123", "q q 1 2 3 4", "wei xin", "vx 💋 : id_1"])
def test_contact_skeleton_is_idempotent(text: str) -> None:
    once = contact_skeleton(normalize(text))
    assert contact_skeleton(once) == once
