"""OneBot v11 messages, array form and CQ-code string, read into one neutral reading."""

from __future__ import annotations

import json

import pytest

from bot.platforms.onebot.message import (
    ALL_LABEL,
    Reading,
    as_int,
    escape_param,
    escape_text,
    parse_cq,
    read_message,
    segments,
    unescape_param,
    unescape_text,
    urls_in,
)
from core.events import Attachment
from core.ids import ONEBOT, scoped

QQ = 10001
SELF = 20002


def seg(kind: str, **data: object) -> dict[str, object]:
    """One array-form segment."""
    return {"type": kind, "data": data}


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("a &amp; b", "a & b"),
        ("&#91;CQ:at,qq=all&#93;", "[CQ:at,qq=all]"),
        ("&amp;#91;", "&#91;"),
        ("&#44;", "&#44;"),
        ("no escapes", "no escapes"),
    ],
)
def test_text_unescape(raw: str, plain: str) -> None:
    assert unescape_text(raw) == plain
    assert unescape_text(escape_text(plain)) == plain


@pytest.mark.parametrize(
    ("raw", "plain"),
    [("a&#44;b", "a,b"), ("&#91;x&#93;", "[x]"), ("&amp;#44;", "&#44;"), ("", "")],
)
def test_param_unescape(raw: str, plain: str) -> None:
    assert unescape_param(raw) == plain
    assert unescape_param(escape_param(plain)) == plain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello", [seg("text", text="hello")]),
        ("[CQ:at,qq=123]", [seg("at", qq="123")]),
        (
            "hi [CQ:face,id=14] there",
            [seg("text", text="hi "), seg("face", id="14"), seg("text", text=" there")],
        ),
        ("[CQ:shake]", [seg("shake")]),
        (
            "[CQ:share,url=https://a.cn/?x=1&amp;y=2,title=a&#44;b]",
            [seg("share", url="https://a.cn/?x=1&y=2", title="a,b")],
        ),
        ("[CQ:at,qq=1,=x,novalue]", [seg("at", qq="1")]),
        ("[CQ:at,qq=1", [seg("text", text="[CQ:at,qq=1")]),
        ("[CQ:,qq=1]", [seg("text", text="[CQ:,qq=1]")]),
        ("[CQ:a b,qq=1]", [seg("text", text="[CQ:a b,qq=1]")]),
        ("[[CQ:at,qq=2]]", [seg("text", text="["), seg("at", qq="2"), seg("text", text="]")]),
        ("", []),
    ],
)
def test_parse_cq(raw: str, expected: list[dict[str, object]]) -> None:
    assert parse_cq(raw) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ([seg("text", text="x")], [seg("text", text="x")]),
        (seg("text", text="x"), [seg("text", text="x")]),
        ([{"type": "text"}], [seg("text")]),
        ([{"type": "text", "data": "oops"}], [seg("text")]),
        ([{"data": {}}, 5, None, {"type": 3, "data": {}}], []),
        (None, []),
        (42, []),
    ],
)
def test_segments_drop_malformed(message: object, expected: list[dict[str, object]]) -> None:
    assert segments(message) == expected


def test_array_and_string_forms_read_alike() -> None:
    array = [
        seg("reply", id="77"),
        seg("at", qq=str(QQ)),
        seg("text", text=" 签到 [ok] & more"),
        seg("face", id="14"),
    ]
    string = "[CQ:reply,id=77][CQ:at,qq=10001] 签到 &#91;ok&#93; &amp; more[CQ:face,id=14]"
    expected = Reading(text="@10001 签到 [ok] & more", mentions=(scoped(ONEBOT, QQ),), reply_to=77)
    assert read_message(array) == expected
    assert read_message(string) == expected


@pytest.mark.parametrize(
    ("message", "text", "mentions", "everyone"),
    [
        ([seg("at", qq="123")], "@123", (scoped(ONEBOT, 123),), False),
        ([seg("at", qq=123, name="小明")], "@小明", (scoped(ONEBOT, 123),), False),
        ([seg("at", qq="123", name="@小明")], "@小明", (scoped(ONEBOT, 123),), False),
        ([seg("at", qq="all")], ALL_LABEL, (), True),
        ("[CQ:at,qq=all] 开会", f"{ALL_LABEL} 开会", (), True),
        ([seg("at", qq="1"), seg("at", qq="1")], "@1@1", (scoped(ONEBOT, 1),), False),
        ([seg("at", qq="nobody")], "@nobody", (), False),
        ([seg("at", qq=str(1 << 60))], f"@{1 << 60}", (), False),
        ([seg("at", qq="-5")], "@-5", (), False),
    ],
)
def test_mentions(message: object, text: str, mentions: tuple[int, ...], everyone: bool) -> None:
    reading = read_message(message)
    assert (reading.text, reading.mentions, reading.mentions_all) == (text, mentions, everyone)


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ([seg("at", qq=str(SELF)), seg("text", text=" /checkin")], "/checkin"),
        (f"[CQ:at,qq={SELF}]   /points", "/points"),
        ([seg("at", qq=str(SELF))], ""),
        ([seg("text", text="hi "), seg("at", qq=str(SELF))], f"hi @{SELF}"),
        ([seg("at", qq="3"), seg("text", text=" /checkin")], "@3 /checkin"),
    ],
)
def test_leading_mention_of_the_bot_is_left_out(message: object, text: str) -> None:
    reading = read_message(message, SELF)
    assert reading.text == text


def test_leading_mention_of_the_bot_still_counts_as_a_mention() -> None:
    reading = read_message([seg("at", qq=str(SELF)), seg("text", text=" hi")], SELF)
    assert reading.mentions == (scoped(ONEBOT, SELF),)


@pytest.mark.parametrize(
    ("message", "reply_to"),
    [
        ([seg("reply", id="123")], 123),
        ([seg("reply", id=-2147483000)], -2147483000),
        ("[CQ:reply,id=9][CQ:reply,id=10]", 9),
        ([seg("reply", id="abc")], None),
        ([seg("reply")], None),
        ([seg("reply", id=True)], None),
        ([seg("text", text="x")], None),
    ],
)
def test_reply(message: object, reply_to: int | None) -> None:
    assert read_message(message).reply_to == reply_to


@pytest.mark.parametrize(
    ("kind", "media", "forward"),
    [
        ("text", False, False),
        ("face", False, False),
        ("at", False, False),
        ("reply", False, False),
        ("image", True, False),
        ("record", True, False),
        ("video", True, False),
        ("file", True, False),
        ("mface", True, False),
        ("json", True, False),
        ("xml", True, False),
        ("share", True, False),
        ("forward", True, True),
        ("node", True, True),
    ],
)
def test_media_and_forwards(kind: str, media: bool, forward: bool) -> None:
    reading = read_message([seg(kind)])
    assert (reading.has_media, reading.is_forward) == (media, forward)


@pytest.mark.parametrize(
    ("data", "attachment"),
    [
        (
            {"file": "report.xlsx", "file_id": "/abc-123", "file_size": "2048"},
            Attachment("/abc-123", "report.xlsx", 2048),
        ),
        ({"file": "a.txt"}, Attachment("a.txt", "a.txt", None)),
        (
            {"name": "b.zip", "url": "https://f.cn/b", "size": 7},
            Attachment("https://f.cn/b", "b.zip", 7),
        ),
        ({"file_id": "x", "file_size": "big"}, Attachment("x", "", None)),
    ],
)
def test_file_attachments(data: dict[str, object], attachment: Attachment) -> None:
    assert read_message([seg("file", **data)]).attachments == (attachment,)


def test_file_from_cq_string() -> None:
    reading = read_message("[CQ:file,file=a&#44;b.txt,file_id=f1,file_size=10]")
    assert reading.attachments == (Attachment("f1", "a,b.txt", 10),)


def _card(url: str) -> str:
    return json.dumps(
        {"app": "com.tencent.miniapp", "meta": {"detail_1": {"qqdocurl": url, "title": "福利"}}}
    )


@pytest.mark.parametrize(
    ("message", "urls"),
    [
        (
            [seg("image", file="a.jpg", url="https://gchat.qpic.cn/x?a=1")],
            ("https://gchat.qpic.cn/x?a=1",),
        ),
        ([seg("image", file="https://cdn.cn/i.png")], ("https://cdn.cn/i.png",)),
        ([seg("file", file="a.zip", url="http://files.cn/a.zip")], ("http://files.cn/a.zip",)),
        (
            [seg("share", url="https://ad.cn/join", image="https://ad.cn/i.png")],
            ("https://ad.cn/join", "https://ad.cn/i.png"),
        ),
        ([seg("json", data=_card("https://b23.tv/abc"))], ("https://b23.tv/abc",)),
        ([seg("json", data=_card("https:\\/\\/x.cn\\/y"))], ("https://x.cn/y",)),
        (
            [seg("json", data=json.dumps({"inner": json.dumps({"jumpUrl": "https://deep.cn/z"})}))],
            ("https://deep.cn/z",),
        ),
        ([seg("json", data={"meta": {"url": "https://dict.cn/"}})], ("https://dict.cn/",)),
        ([seg("json", data='{"broken": "https:\\/\\/half.cn/p"')], ("https://half.cn/p",)),
        (
            [seg("xml", data='<msg url="https://x.cn/a?b=1&amp;c=2"><title>t</title></msg>')],
            ("https://x.cn/a?b=1&c=2",),
        ),
        (
            '[CQ:json,data={"url":"https://cq.cn/p"&#44;"k":1}]',
            ("https://cq.cn/p",),
        ),
        ([seg("text", text="see https://visible.cn")], ()),
        (
            [seg("image", url="https://same.cn/"), seg("share", url="https://same.cn/")],
            ("https://same.cn/",),
        ),
        ([seg("json", data=None), seg("xml", data=5), seg("image", url=None)], ()),
    ],
)
def test_hidden_urls(message: object, urls: tuple[str, ...]) -> None:
    assert read_message(message).hidden_urls == urls


def test_deeply_nested_card_does_not_raise() -> None:
    nested: object = "https://bottom.cn/"
    for _ in range(200):
        nested = {"a": [nested]}
    reading = read_message([seg("json", data=json.dumps(nested))])
    assert reading.has_media
    assert reading.hidden_urls == ()


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("go to https://a.cn/x.", ["https://a.cn/x"]),
        ("(http://b.cn/y)", ["http://b.cn/y"]),
        ("HTTPS://C.CN two http://d.cn", ["HTTPS://C.CN", "http://d.cn"]),
        ("no links", []),
    ],
)
def test_urls_in(text: str, urls: list[str]) -> None:
    assert urls_in(text) == urls


@pytest.mark.parametrize(
    "raw",
    [
        "[CQ:",
        "[CQ:at",
        "[CQ:at,qq=]",
        "]]][[[CQ:::]",
        "[CQ:image,url=https://x.cn/[CQ:at,qq=1]",
        "&#91;&#93&amp",
        "[CQ:json,data={]",
        "[CQ:reply,id=99999999999999999999999999]",
        "\x00[CQ:at,qq=\x00]",
        "[CQ:file,file_size=-1]" * 50,
    ],
)
def test_hostile_strings_never_raise(raw: str) -> None:
    reading = read_message(raw)
    assert isinstance(reading.text, str)


@pytest.mark.parametrize(
    ("value", "number"),
    [(5, 5), ("6", 6), (" 7 ", 7), ("x", None), (True, None), (1.5, None), (None, None)],
)
def test_as_int(value: object, number: int | None) -> None:
    assert as_int(value) == number


@pytest.mark.parametrize("depth", [10, 5000, 100000])
def test_card_nested_past_the_recursion_limit_does_not_raise(depth: int) -> None:
    reading = read_message([seg("json", data="[" * depth + '"https://x.cn/"' + "]" * depth)])
    assert reading.has_media
