"""The checks: small pure functions, each returning a verdict (why) or None.

Each takes a ``Subject`` (the message as the checks see it: raw and normalised text and a
few facts) and what it needs of the group's settings; none does I/O or keeps state (flood
and repeats, which remember, live in ``tracker.py``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from core.normalize import CHINESE_DIGITS, contact_skeleton, digit_skeleton
from handlers.moderation.compiled import CompiledRules, squeeze


@dataclass(frozen=True, slots=True)
class Verdict:
    """A check fired: its machine reason and what matched (a word, a domain, a count)."""

    reason: str
    detail: str = ""


class Subject:
    """A message as the checks see it; the costly views are computed on first use."""

    def __init__(
        self,
        text: str,
        normalized: str,
        *,
        hidden_urls: tuple[str, ...] = (),
        is_forward: bool = False,
        forward_origin: str | None = None,
        has_media: bool = False,
        newcomer: bool = False,
    ) -> None:
        self.text = text
        self.normalized = normalized
        self.hidden_urls = hidden_urls
        self.is_forward = is_forward
        self.forward_origin = forward_origin
        self.has_media = has_media
        self.newcomer = newcomer

    @cached_property
    def digits(self) -> str:
        """The digit runs of the text (see ``digit_skeleton``)."""
        return digit_skeleton(self.normalized)

    @cached_property
    def contact(self) -> str:
        """The normalised text with contact words put back together (see ``contact_skeleton``)."""
        return contact_skeleton(self.normalized)

    @cached_property
    def squeezed(self) -> str:
        """The normalised text without spaces, punctuation and symbols."""
        return squeeze(self.normalized)

    @cached_property
    def links(self) -> tuple[Link, ...]:
        """Every link in the text and behind it."""
        return find_links(self.normalized, self.hidden_urls)


# ---------------------------------------------------------------- links


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in a message: its host ("t.me" for Telegram links) and whether it is
    an invitation to a Telegram group or channel."""

    host: str
    invite: bool = False


# Common top-level domains (ad links use these; a full list would also catch "file.py").
_TLD_WORDS = (
    "com net org info biz io co me tv cc vip xyz top club site online shop store app dev ai "
    "gg ly to in us uk cn hk tw mo jp kr ru de fr sg my ph th vn id ws link live pro fun icu "
    "cyou buzz win bet casino work today world life space website tech cloud xin ltd wang "
    "ink red kim mobi asia tk ml ga cf gq pw su ua eu ca au nz br es it nl pl ch be at tr "
    "ir pk bd ng za ae sa lol pw fit bio cam cfd sbs one best love games game chat news "
    "email click shop loan men date stream download review porn sex xxx"
)
_TLD = "|".join(sorted(set(_TLD_WORDS.split()), key=len, reverse=True))
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL = re.compile(
    r"(?:(?:https?|ftp)://|tg://)[^\s<>\"'，。]+"
    rf"|(?<![a-z0-9_@.-])(?:{_LABEL}\.)+(?:{_TLD})(?![a-z0-9-])(?:[:/][^\s<>\"'，。]*)?",
)
# "t . me/x", "t。me", "example(dot)com", "example 点 com": dots written to dodge filters.
_TELEGRAM_SPACED = re.compile(r"(?<![a-z0-9])t\s*[.。]\s*me\s*/")
_FAKE_DOT = re.compile(
    r"\s*(?:。|\(\.\)|\[\.\]|\(dot\)|\[dot\]|\{dot\}|\(点\)|点)\s*"
    rf"(?=(?:{_TLD})(?![a-z0-9-]))"
)
_TELEGRAM_HOSTS = ("t.me", "telegram.me", "telegram.dog")


def find_links(normalized: str, hidden_urls: tuple[str, ...] = ()) -> tuple[Link, ...]:
    """The links in normalised text and the link targets hidden behind words."""
    links: list[Link] = []
    text = _FAKE_DOT.sub(".", normalized) if _may_fake_dot(normalized) else normalized
    if "me" in text:
        text = _TELEGRAM_SPACED.sub("t.me/", text)
    if "." in text or "://" in text:
        links.extend(_to_link(match.group()) for match in _URL.finditer(text))
    links.extend(_to_link(url.lower()) for url in hidden_urls)
    return tuple(link for link in links if link.host)


def _may_fake_dot(text: str) -> bool:
    return "。" in text or "dot" in text or "(.)" in text or "[.]" in text or "点" in text


def _to_link(url: str) -> Link:
    if url.startswith("tg://"):
        return Link("t.me", invite="join" in url)
    try:
        parts = urlsplit(url if "://" in url else "//" + url)
        host, path = parts.hostname or "", parts.path
    except ValueError:
        # Not a URL Python can split ("http://[x"): the part before the first "/" will do.
        host, _, path = url.partition("://")[2].partition("/")
    host = host.removeprefix("www.").rstrip(".")
    if not host.isascii():
        # Allowed domains are stored in punycode; one that cannot be encoded stays as written.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    if host in _TELEGRAM_HOSTS:
        return Link("t.me", invite=path.lstrip("/").startswith(("+", "joinchat")))
    return Link(host)


def is_allowed(host: str, domains: Collection[str]) -> bool:
    """Whether a host is one of the allowed domains or under one of them."""
    if host in domains:
        return True
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(1, len(parts) - 1))


# @name mentions: Telegram usernames are 5-32 letters, digits and underscores.
_MENTION = re.compile(r"(?<![a-z0-9_@])@([a-z][a-z0-9_]{3,31})(?![a-z0-9_@])")


def mentioned_names(normalized: str) -> list[str]:
    """The @usernames in a text, in order."""
    return _MENTION.findall(normalized) if "@" in normalized else []


def check_link(
    subject: Subject, domains: Collection[str], people: Collection[str] = ()
) -> Verdict | None:
    """Links not on the allow list, Telegram invitations, and @mentions of anything but a
    member the bot has seen (a channel, a group, a bot)."""
    for link in subject.links:
        if link.invite:
            return Verdict("link", "invite")
        if not is_allowed(link.host, domains):
            return Verdict("link", link.host)
    for name in mentioned_names(subject.normalized):
        if name not in people:
            return Verdict("link", "@" + name)
    return None


# ---------------------------------------------------------------- contact hand-offs

# Hand-offs that only exist to dodge filters: "加V", "+v", "薇信", "扣扣" and friends.
# "加" is "add (a friend)" unless it is part of 参加/增加/更加/追加/附加/叠加, and "加微" is
# not a hand-off in 加微博, 加微笑, 微量, 微妙...; "扣扣子" is buttoning up, "tv信号" a signal.
# Each branch starts with its literal and looks behind only once that matched: a pattern that
# starts with a look-behind is tried at every position of every message.
_ADD = r"加(?<![参增更追附叠]加)\s*(?:我|好友)?\s*"
_HANDOFF = re.compile(
    rf"{_ADD}(?:(?:vx|wx|v|w|q|qq)(?![a-z])|微(?![博笑软波量妙调型小弱米积粒观距薄])|薇|威|扣)"
    r"|\+(?<![a-z0-9]\+)\s*(?:vx|wx|v|q|qq)(?![a-z])"
    # "威信" is also a word (prestige), so it is only a contact name below.
    r"|薇信|徽信|薇芯|v信(?<![a-z0-9]v信)|wei信(?<![a-z]wei信)|扣扣(?!子)|抠抠|蔻蔻"
)
# Phone words: a number after them is a phone number, which has at least 7 digits (5-digit
# numbers such as 10086 or 95555 are public service lines, not someone's contact).
_PHONE_WORDS = ("电话", "手机", "手机号", "dianhua", "shouji", "tel", "phone")
_CONTACT_NAMES = (
    "vx", "wx", "weixin", "wechat", "微信", "威信", "微", "qq", "koukou", "企鹅", "tg",
    "telegram", "电报", "飞机", "whatsapp", "line", "skype", "联系方式", *_PHONE_WORDS,
)  # fmt: skip


def _names(not_after: str) -> str:
    """The contact names as one group, each not preceded by a ``not_after`` character
    (checked once the name matched, so the pattern starts with literals)."""
    names = sorted(_CONTACT_NAMES, key=len, reverse=True)
    return "(?:" + "|".join(f"{n}(?<!{not_after}{n})" for n in map(re.escape, names)) + ")"


# Ordinary names of contact apps, followed by an id: "vx: abc_123", "qq 12345678". A letter
# id needs a digit, "_" or "-" in it ("wechat thanks" is chat, "wechat abc_123" an id).
_ID = r"([a-z](?=[a-z0-9_-]*[0-9_-])[a-z0-9_-]{5,19}|[0-9][0-9\s-]{4,15}[0-9])(?![a-z0-9_])"
_CONTACT_ID = re.compile(
    rf"{_names('[a-z0-9]')}(?![a-z])\s*(?:号|号码|id)?\s*[:：=]?\s*{_ID}"
    # one letter ("v", "q") only with an explicit "v: ..." / "q=..."
    rf"|[vq](?<![a-z0-9][vq])\s*[:：=]\s*{_ID}"
)
_CONTACT_WORD = re.compile(rf"{_names('[a-z]')}(?![a-z])")
# A mainland mobile number (optionally with the country code), as a whole digit run.
_MOBILE = re.compile(r"(?:0{0,2}86)?1[3-9]\d{9}")
_QQ_NUMBER = re.compile(r"[1-9]\d{4,10}")
_PHONE_NUMBER = re.compile(r"\d{7,13}")
# Digits written one by one with filler between them ("1 2 3 4", "1❤2❤3❤4"): nobody spells
# out a room or a price like that, so after a contact word four of them are an id.
_SPELLED_DIGITS = re.compile(r"(?<!\d)\d(?:[^\w\n]{1,3}\d(?!\d)){3,}")
MIN_ID_DIGITS = 5
MIN_SPELLED_DIGITS = 4
# How far after a contact app's name its number may start and run.
NEAR_CHARS = 40
_DIGITS = re.compile("[0-9" + "".join(CHINESE_DIGITS) + "]")


def check_contact(subject: Subject) -> Verdict | None:
    """Contact hand-offs (WeChat, QQ, phone) however they are spelled or broken up."""
    texts = _views(subject)
    for text in texts:
        handoff = _HANDOFF.search(text)
        if handoff is not None:
            return Verdict("contact", handoff.group())
        named = _CONTACT_ID.search(text)
        if named is not None:
            return Verdict("contact", named.group().strip())
    digits = len(_DIGITS.findall(subject.normalized))
    if digits < MIN_SPELLED_DIGITS:
        return None
    # A phone number or an id has at least 5 digits: most messages need no digit runs.
    runs = subject.digits.split() if digits >= MIN_ID_DIGITS else []
    for run in runs:
        if _MOBILE.fullmatch(run):
            return Verdict("contact", "phone:" + run)
    for text in texts:
        near = _number_after_word(text)
        if near is not None:
            return near
    return None


def _views(subject: Subject) -> tuple[str, ...]:
    """The text as written, then with broken-up contact words joined, if that differs (most
    messages have nothing to join, and are not read twice)."""
    if subject.contact == subject.normalized:
        return (subject.normalized,)
    return (subject.normalized, subject.contact)


def _number_after_word(text: str) -> Verdict | None:
    """A contact word closely followed by its number ("qq 1 2 3 4 🔥 5 6 7 8"); numbers
    elsewhere in the message do not count."""
    for word in _CONTACT_WORD.finditer(text):
        window = text[word.end() : word.end() + NEAR_CHARS]
        after = digit_skeleton(window).split()[:1]
        if not after:
            continue
        run = after[0]
        number = _PHONE_NUMBER if word.group() in _PHONE_WORDS else _QQ_NUMBER
        if number.fullmatch(run):
            return Verdict("contact", f"{word.group()}:{run}")
        spelled = _SPELLED_DIGITS.search(window)
        if spelled is not None and len(run) >= MIN_SPELLED_DIGITS and _starts_run(window, spelled):
            return Verdict("contact", f"{word.group()}:{run}")
    return None


def _starts_run(window: str, spelled: re.Match[str]) -> bool:
    """Whether the spelled-out digits are the first number after the contact word."""
    return not _DIGITS.search(window[: spelled.start()])


# ---------------------------------------------------------------- the rest


def check_bad_word(subject: Subject, compiled: CompiledRules) -> Verdict | None:
    """A banned word or pattern of the group, after normalisation."""
    word = compiled.bad_word(subject.normalized, subject.squeezed)
    return Verdict("badword", word.word) if word is not None else None


def check_forward(subject: Subject) -> Verdict | None:
    """A forward of a channel post."""
    return Verdict("forward", "channel") if subject.forward_origin == "channel" else None


def check_newcomer(subject: Subject, domains: Collection[str]) -> Verdict | None:
    """A new member's link, forward or media."""
    if not subject.newcomer:
        return None
    if subject.is_forward:
        return Verdict("newcomer", "forward")
    if subject.has_media:
        return Verdict("newcomer", "media")
    for link in subject.links:
        if link.invite or not is_allowed(link.host, domains):
            return Verdict("newcomer", "link")
    return None


# Pictographic emoji (a zero-width-joined sequence counts by its parts, which is fine for
# telling "a few" from "a wall of them").
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002b00-\U00002bff"
    "\U00002300-\U000023ff\U0001f1e6-\U0001f1ff]"
)


def count_emoji(text: str) -> int:
    """How many emoji a text has."""
    return len(_EMOJI.findall(text)) if not text.isascii() else 0


def check_emoji(subject: Subject, limit: int) -> Verdict | None:
    """More emoji than the group allows."""
    count = count_emoji(subject.text)
    return Verdict("emoji", str(count)) if count > limit else None


def check_mentions(subject: Subject, limit: int) -> Verdict | None:
    """More @mentions than the group allows."""
    count = len(mentioned_names(subject.normalized))
    return Verdict("mentions", str(count)) if count > limit else None
