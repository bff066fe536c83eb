"""Auto-reply rules as admins write them: the trigger, the answers, and every check.

``/addreply <keyword> <reply>`` where the keyword is one word or quoted ("opening hours"),
``=keyword`` to match the whole message and ``re:<pattern>`` for an RE2 regular expression.
A reply may end in link buttons: ``See prices | Shop -> https://example.com | FAQ -> ...``.
No I/O here: everything is checked before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import re2

from core.regex_errors import pattern_problem
from core.template import TemplateError, check_template
from handlers.autoreply.normalize import fold, whole_key

CONTAINS, EXACT, REGEX = "contains", "exact", "regex"
MODES = (CONTAINS, EXACT, REGEX)
PLACEHOLDERS = ("name", "mention", "group")
MAX_BUTTONS = 8
MAX_BUTTON_TEXT = 64

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'", "‘": "’"}
_BUTTON = re.compile(r"^\s*(?P<text>[^|]*?)\s*->\s*(?P<url>\S+)\s*$")
_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://[^\s]+)$", re.IGNORECASE)


class RuleError(ValueError):
    """Input that cannot become a rule: ``key`` names the catalog sentence (autoreply.*)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    @property
    def catalog_key(self) -> str:
        """The full key: a sentence shared with other features (``errors.*``) is named in full."""
        return self.key if "." in self.key else f"autoreply.{self.key}"


@dataclass(frozen=True, slots=True)
class Limits:
    """How large rules may be (from the settings)."""

    keyword_chars: int = 200
    pattern_chars: int = 500
    reply_chars: int = 4000


@dataclass(frozen=True, slots=True)
class LinkButton:
    """A button under a reply that opens a link."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One reply a rule may give."""

    text: str
    buttons: tuple[LinkButton, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The stored (and exported) form."""
        data: dict[str, Any] = {"text": self.text}
        if self.buttons:
            data["buttons"] = [{"text": b.text, "url": b.url} for b in self.buttons]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        """An answer from its stored form."""
        buttons = data.get("buttons") or ()
        return cls(data["text"], tuple(LinkButton(b["text"], b["url"]) for b in buttons))


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a rule answers: its mode and the keyword or pattern as the admin wrote it."""

    mode: str
    keyword: str

    @property
    def match_key(self) -> str:
        """What the rule is matched (and told apart from others) by."""
        return trigger_key(self.mode, self.keyword)

    def spelled(self) -> str:
        """The trigger as typed in /addreply."""
        prefix = {EXACT: "=", REGEX: "re:"}.get(self.mode, "")
        return prefix + self.keyword


def trigger_key(mode: str, keyword: str) -> str:
    """Literal keywords fold (case, width); a pattern is kept as written, NFKC-normalised."""
    if mode == EXACT:
        return whole_key(keyword)
    if mode == REGEX:
        return unicodedata.normalize("NFKC", keyword)
    return fold(keyword).strip()


def split_keyword(text: str) -> tuple[str, str]:
    """The first (possibly quoted) word, with any ``=``/``re:`` prefix, and the rest."""
    text = text.strip()
    prefix = ""
    for mark in ("=", "re:", "RE:", "Re:"):
        if text.startswith(mark) and text[len(mark) : len(mark) + 1] in _QUOTES:
            prefix, text = mark, text[len(mark) :]
            break
    if text[:1] in _QUOTES:
        close = text.find(_QUOTES[text[0]], 1)
        if close < 0:
            raise RuleError("unclosed_quote")
        return prefix + text[1:close], text[close + 1 :].strip()
    head, *rest = text.split(maxsplit=1)
    return head, rest[0].strip() if rest else ""


def parse_trigger(word: str, limits: Limits) -> Trigger:
    """A keyword as typed (``kw``, ``=kw``, ``re:pattern``), checked."""
    if word[:3].lower() == "re:":
        return make_trigger(REGEX, word[3:], limits)
    if word.startswith("="):
        return make_trigger(EXACT, word[1:], limits)
    return make_trigger(CONTAINS, word, limits)


def make_trigger(mode: str, keyword: str, limits: Limits) -> Trigger:
    """A checked trigger; literal keywords lose surrounding spaces, patterns stay as written."""
    trigger = Trigger(mode, keyword if mode == REGEX else keyword.strip())
    check_trigger(trigger, limits)
    return trigger


def check_trigger(trigger: Trigger, limits: Limits) -> None:
    """Raise RuleError unless the trigger can be stored and matched."""
    if trigger.mode not in MODES:
        raise RuleError("bad_mode", mode=trigger.mode[:20])
    if trigger.mode == REGEX:
        check_pattern(trigger.keyword, limits.pattern_chars)
        return
    if not trigger.match_key:
        raise RuleError("empty_keyword")
    if len(trigger.keyword) > limits.keyword_chars:
        raise RuleError("keyword_too_long", length=len(trigger.keyword), limit=limits.keyword_chars)


def regex_options() -> re2.Options:
    """How patterns compile: case-insensitive, quiet, with room for large rule sets."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


def check_pattern(pattern: str, limit: int) -> None:
    """Raise RuleError unless RE2 compiles the pattern and it does not match everything."""
    if not pattern.strip():
        raise RuleError("empty_keyword")
    if len(pattern) > limit:
        raise RuleError("pattern_too_long", length=len(pattern), limit=limit)
    try:
        compiled = re2.compile(unicodedata.normalize("NFKC", pattern), regex_options())
    except re2.error as error:
        raise regex_error(error) from None
    if compiled.search("") is not None:
        raise RuleError("regex_matches_all")


def regex_error(error: Exception) -> RuleError:
    """RE2's complaint as a rule error that names the problem in the admin's language."""
    problem = pattern_problem(error)
    return RuleError(problem.key, fragment=problem.fragment)


def parse_answer(text: str, limits: Limits) -> Answer:
    """A reply as typed: text, then optional ``| Label -> URL`` buttons; checked."""
    parts = text.split("|")
    buttons: list[LinkButton] = []
    while len(parts) > 1 and "->" in parts[-1]:
        buttons.insert(0, _button(parts.pop()))
    answer = Answer("|".join(parts).strip(), tuple(buttons))
    check_answer(answer, limits)
    return answer


def _button(raw: str) -> LinkButton:
    found = _BUTTON.match(raw)
    if found is None or not found["text"]:
        raise RuleError("bad_button", button=raw.strip()[:80])
    return LinkButton(found["text"], found["url"])


def check_answer(answer: Answer, limits: Limits) -> None:
    """Raise RuleError unless the reply can be sent: text, placeholders, buttons."""
    if not answer.text.strip():
        raise RuleError("empty_reply")
    if len(answer.text) > limits.reply_chars:
        raise RuleError("reply_too_long", length=len(answer.text), limit=limits.reply_chars)
    try:
        check_template(answer.text, PLACEHOLDERS)
    except TemplateError as error:
        if error.kind == "braces":
            raise RuleError("bad_braces") from None
        raise RuleError("unknown_placeholders", names=" ".join(error.names)) from None
    if len(answer.buttons) > MAX_BUTTONS:
        raise RuleError("too_many_buttons", limit=MAX_BUTTONS)
    for button in answer.buttons:
        if not _URL.match(button.url) or len(button.url) > 512:
            raise RuleError("bad_url", url=button.url[:80])
        if not button.text.strip() or len(button.text) > MAX_BUTTON_TEXT:
            raise RuleError("bad_button", button=button.text[:80])


def parse_addreply(arg_text: str, replied_text: str, limits: Limits) -> tuple[Trigger, Answer]:
    """``/addreply <keyword> <reply>``; with no reply, the replied message's text is it."""
    if not arg_text.strip():
        raise RuleError("usage")
    word, rest = split_keyword(arg_text)
    trigger = parse_trigger(word, limits)
    answer_text = rest or replied_text
    if not answer_text.strip():
        raise RuleError("empty_reply")
    return trigger, parse_answer(answer_text, limits)
