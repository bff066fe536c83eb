"""The export/import file and merging it into a group: pure logic with plain data."""

from __future__ import annotations

import json

import pytest

from handlers.autoreply.importing import plan_import
from handlers.autoreply.rules import Answer, Limits, LinkButton, Trigger
from handlers.autoreply.transfer import (
    MAX_ANSWERS,
    Entry,
    Loaded,
    MalformedFile,
    dump_rules,
    load_rules,
)

LIMITS = Limits()
ENTRIES = [
    Entry(
        Trigger("contains", "price"), (Answer("10 元", (LinkButton("Shop", "https://s.example"),)),)
    ),
    Entry(Trigger("exact", "hi"), (Answer("Hello {name}"), Answer("Hey {mention}"))),
    Entry(Trigger("regex", r"多少\s*钱"), (Answer("看置顶"),)),
]


def file_of(rules: list[object], **extra: object) -> bytes:
    return json.dumps(
        {"format": "groupbot-replies", "version": 1, **extra, "rules": rules}
    ).encode()


def test_export_then_load_round_trip() -> None:
    data = dump_rules(ENTRIES, 45)
    assert "10 元" in data.decode("utf-8")  # readable Chinese, not \\u escapes
    loaded = load_rules(data, "replies.json", LIMITS)
    assert loaded.rejected == []
    assert [(e.trigger, e.answers) for e in loaded.entries] == [
        (e.trigger, e.answers) for e in ENTRIES
    ]
    assert [e.row for e in loaded.entries] == [1, 2, 3]
    assert loaded.cooldown_seconds == 45


def test_toml_written_by_hand() -> None:
    text = """
[[rules]]
keyword = "营业时间"
replies = ["9:00-18:00 | 地图 -> https://map.example"]

[[rules]]
mode = "exact"
keyword = "hi"
reply = "hello"
"""
    loaded = load_rules(text.encode(), "mine.toml", LIMITS)
    assert [e.trigger for e in loaded.entries] == [
        Trigger("contains", "营业时间"),
        Trigger("exact", "hi"),
    ]
    assert loaded.entries[0].answers[0].buttons == (LinkButton("地图", "https://map.example"),)


def test_each_bad_row_is_rejected_with_its_reason() -> None:
    rows: list[object] = [
        {"keyword": "ok", "replies": ["fine"]},
        "not a table",
        {"mode": "fuzzy", "keyword": "x", "replies": ["y"]},
        {"keyword": "", "replies": ["y"]},
        {"mode": "regex", "keyword": "(?=x)", "replies": ["y"]},
        {"keyword": "x", "replies": []},
        {"keyword": "x", "replies": ["hi {who}"]},
        {
            "keyword": "x",
            "replies": [{"text": "t", "buttons": [{"text": "b", "url": "javascript:1"}]}],
        },
        {"keyword": "k" * 300, "replies": ["y"]},
        {"keyword": "x", "replies": ["a"] * (MAX_ANSWERS + 1)},
        {"keyword": "x", "replies": [{"txt": "no text key"}]},
        {"keyword": "ok2", "replies": "a single reply"},
    ]
    loaded = load_rules(file_of(rows), "f.json", LIMITS)
    assert [e.trigger.keyword for e in loaded.entries] == ["ok", "ok2"]
    assert [e.row for e in loaded.entries] == [1, 12]
    assert [(r.row, r.error.key) for r in loaded.rejected] == [
        (2, "row_not_table"),
        (3, "bad_mode"),
        (4, "empty_keyword"),
        (5, "errors.regex.lookaround"),
        (6, "empty_reply"),
        (7, "unknown_placeholders"),
        (8, "bad_url"),
        (9, "keyword_too_long"),
        (10, "too_many_answers"),
        (11, "empty_reply"),
    ]


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"\xff\xfe\x00garbage", "f.json", "import_not_text"),
        (b'{"rules": [', "f.json", "import_bad_json"),
        (b"rules = [", "f.toml", "import_bad_toml"),
        (b"[1, 2]", "f.json", "import_no_rules"),
        (b'{"rules": {"a": 1}}', "f.json", "import_no_rules"),
        (b'{"format": "other-bot", "rules": []}', "f.json", "import_no_rules"),
        (b'{"version": 99, "rules": []}', "f.json", "import_version"),
        (json.dumps({"rules": [{}] * 20_001}).encode(), "f.json", "import_too_many"),
    ],
)
def test_malformed_files_are_refused_whole(data: bytes, name: str, key: str) -> None:
    with pytest.raises(MalformedFile) as caught:
        load_rules(data, name, LIMITS)
    assert caught.value.key == key


def test_cooldown_out_of_range_is_ignored() -> None:
    assert load_rules(file_of([], cooldown_seconds=-5), "f.json", LIMITS).cooldown_seconds is None
    assert load_rules(file_of([], cooldown_seconds=True), "f.json", LIMITS).cooldown_seconds is None


def entry(keyword: str, *texts: str, row: int = 0) -> Entry:
    return Entry(Trigger("contains", keyword), tuple(Answer(t) for t in texts), row)


def test_plan_merges_with_existing_rules() -> None:
    """Known triggers gain missing answers; new ones are added; duplicates in a file merge."""
    existing = {
        ("contains", "price"): (10, (Answer("a"),)),
        ("contains", "hours"): (11, (Answer("h"),)),
    }
    loaded = Loaded(
        [
            entry("Price", "a", "b", row=1),  # same trigger after folding
            entry("hours", "h", row=2),
            entry("new", "n1", row=3),
            entry("NEW", "n2", row=4),
        ]
    )
    plan = plan_import(existing, loaded, max_rules=100)
    assert plan.extended == {10: (Answer("a"), Answer("b"))}
    assert plan.unchanged == 1
    assert list(plan.new) == [("contains", "new")]
    assert plan.new[("contains", "new")].answers == (Answer("n1"), Answer("n2"))
    assert plan.rejected == []


def test_plan_rejects_rows_beyond_the_cap() -> None:
    existing = {("contains", "a"): (1, (Answer("x"),))}
    loaded = Loaded([entry("b", "x", row=1), entry("c", "x", row=2), entry("a", "y", row=3)])
    plan = plan_import(existing, loaded, max_rules=2)
    assert list(plan.new) == [("contains", "b")]
    assert plan.extended == {1: (Answer("x"), Answer("y"))}
    assert [(r.row, r.error.key) for r in plan.rejected] == [(2, "import_cap")]


def test_plan_rejects_a_merge_past_the_answer_cap() -> None:
    full = tuple(Answer(str(i)) for i in range(MAX_ANSWERS))
    plan = plan_import({("contains", "a"): (1, full)}, Loaded([entry("a", "one more", row=4)]), 10)
    assert plan.extended == {}
    assert [(r.row, r.error.key) for r in plan.rejected] == [(4, "too_many_answers")]
