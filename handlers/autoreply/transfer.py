"""The file /exportreplies writes and /importreplies reads (JSON, or TOML written by hand).

    {"format": "groupbot-replies", "version": 1, "cooldown_seconds": 30,
     "rules": [{"mode": "contains", "keyword": "price",
                "replies": [{"text": "See prices", "buttons": [{"text": "Shop",
                                                                 "url": "https://..."}]}]}]}

A reply may also be a plain string, read like /addreply reads one (``| Label -> URL``
buttons included). A file that cannot be read at all is refused whole; a readable file
has each rule checked on its own, and the rejected ones are listed with the reason.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.autoreply.rules import (
    MODES,
    Answer,
    Limits,
    RuleError,
    Trigger,
    check_answer,
    make_trigger,
    parse_answer,
)

FORMAT = "groupbot-replies"
VERSION = 1
MAX_FILE_RULES = 20_000
MAX_ANSWERS = 20


class MalformedFile(ValueError):
    """A file that is not a rules file at all: nothing of it is used."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Entry:
    """One rule of a file, checked."""

    trigger: Trigger
    answers: tuple[Answer, ...]
    # Its position in the file, from 1 (0 when it did not come from a file).
    row: int = 0


@dataclass(frozen=True, slots=True)
class Rejected:
    """A rule of a file that was not loaded: its position (from 1) and why."""

    row: int
    error: RuleError


@dataclass(slots=True)
class Loaded:
    """What a readable file holds."""

    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cooldown_seconds: int | None = None


def dump_rules(entries: Sequence[Entry], cooldown_seconds: int | None) -> bytes:
    """A group's rules as an indented UTF-8 JSON file."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if cooldown_seconds is not None:
        document["cooldown_seconds"] = cooldown_seconds
    document["rules"] = [
        {
            "mode": entry.trigger.mode,
            "keyword": entry.trigger.keyword,
            "replies": [answer.to_dict() for answer in entry.answers],
        }
        for entry in entries
    ]
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def load_rules(data: bytes, file_name: str, limits: Limits) -> Loaded:
    """Read and check a rules file; raise MalformedFile if it is not one."""
    document = _parse(data, file_name)
    if not isinstance(document, Mapping) or not isinstance(document.get("rules"), list):
        raise MalformedFile("import_no_rules")
    if document.get("format", FORMAT) != FORMAT:
        raise MalformedFile("import_no_rules")
    version = document.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise MalformedFile("import_version", version=str(version)[:10])
    rows = document["rules"]
    if len(rows) > MAX_FILE_RULES:
        raise MalformedFile("import_too_many", count=len(rows), limit=MAX_FILE_RULES)
    loaded = Loaded(cooldown_seconds=_cooldown(document.get("cooldown_seconds")))
    for number, row in enumerate(rows, start=1):
        try:
            loaded.entries.append(read_entry(row, limits, number))
        except RuleError as error:
            loaded.rejected.append(Rejected(number, error))
    return loaded


def _parse(data: bytes, file_name: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedFile("import_not_text") from None
    if file_name.lower().endswith(".toml"):
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise MalformedFile("import_bad_toml", detail=str(error)[:120]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedFile("import_bad_json", line=error.lineno, detail=error.msg) from None


def _cooldown(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 86_400:
        return value
    return None


def read_entry(row: Any, limits: Limits, number: int = 0) -> Entry:
    """One rule of a file, checked like /addreply checks it."""
    if not isinstance(row, Mapping):
        raise RuleError("row_not_table")
    mode, keyword = row.get("mode", "contains"), row.get("keyword")
    if not isinstance(mode, str) or mode not in MODES:
        raise RuleError("bad_mode", mode=str(mode)[:20])
    if not isinstance(keyword, str):
        raise RuleError("empty_keyword")
    trigger = make_trigger(mode, keyword, limits)
    replies = row.get("replies", row.get("reply"))
    if isinstance(replies, str | Mapping):
        replies = [replies]
    if not isinstance(replies, list) or not replies:
        raise RuleError("empty_reply")
    if len(replies) > MAX_ANSWERS:
        raise RuleError("too_many_answers", limit=MAX_ANSWERS)
    answers = tuple(dict.fromkeys(_answer(reply, limits) for reply in replies))
    return Entry(trigger, answers, number)


def _answer(reply: Any, limits: Limits) -> Answer:
    if isinstance(reply, str):
        return parse_answer(reply, limits)
    if not isinstance(reply, Mapping) or not isinstance(reply.get("text"), str):
        raise RuleError("empty_reply")
    buttons = reply.get("buttons", [])
    if not isinstance(buttons, list) or not all(_is_button(b) for b in buttons):
        raise RuleError("bad_button", button=str(buttons)[:80])
    answer = Answer.from_dict(reply)
    check_answer(answer, limits)
    return answer


def _is_button(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("text"), str)
        and isinstance(value.get("url"), str)
    )
