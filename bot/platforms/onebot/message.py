"""OneBot v11 messages (array form or CQ-code string) read into one neutral reading.

A message arrives as a list of segments ``{"type": ..., "data": {...}}`` or as a string
with CQ codes (``[CQ:at,qq=123]``). Both are read into a ``Reading``: the plain text a
feature sees, who was mentioned, the quoted message, media, file attachments and the URLs
hidden in cards and media that the ad checks must see. Hostile or garbled input never
raises: what can be read is read, the rest is kept as text or dropped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from core.events import Attachment
from core.ids import ONEBOT, IdError, scoped

Segment = dict[str, Any]

# A CQ code: a type name, then ``,key=value`` parameters, up to the first ``]``.
_CQ = re.compile(r"\[CQ:([A-Za-z0-9_.\-]+)((?:,[^\]]*)?)\]")
_URL = re.compile(r"https?://[^\s\"'<>\\\[\]{}]+", re.IGNORECASE)
# Segments that make a message count as carrying media (a newcomer's media is checked).
# ``face`` (QQ's small built-in emoji) is text-like and does not count.
MEDIA_TYPES = frozenset(
    {"image", "record", "video", "file", "mface", "share", "json", "xml", "music",
     "location", "contact", "forward", "node"}
)  # fmt: skip
# Segments that are a forwarded (merged) chat history.
FORWARD_TYPES = frozenset({"forward", "node"})
# Segment data fields that hold a link to the media itself.
_MEDIA_URL_KEYS = ("url", "file", "image", "audio", "jumpUrl")
# A mention of everyone is written ``qq=all``; it is shown like QQ shows it.
ALL = "all"
ALL_LABEL = "@全体成员"
# Cards nest JSON inside JSON; deeper than this is not followed.
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class Reading:
    """What a feature sees of one OneBot message."""

    text: str = ""
    mentions: tuple[int, ...] = ()
    mentions_all: bool = False
    reply_to: int | None = None
    has_media: bool = False
    is_forward: bool = False
    attachments: tuple[Attachment, ...] = ()
    hidden_urls: tuple[str, ...] = ()


def unescape_text(text: str) -> str:
    """Text between CQ codes with OneBot's escaping undone."""
    return text.replace("&#91;", "[").replace("&#93;", "]").replace("&amp;", "&")


def unescape_param(value: str) -> str:
    """A CQ parameter value with OneBot's escaping undone (also ``&#44;`` for a comma)."""
    return unescape_text(value.replace("&#44;", ","))


def escape_text(text: str) -> str:
    """Plain text escaped for a CQ-code string (the inverse of ``unescape_text``)."""
    return text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")


def escape_param(value: str) -> str:
    """A CQ parameter value escaped (the inverse of ``unescape_param``)."""
    return escape_text(value).replace(",", "&#44;")


def parse_cq(raw: str) -> list[Segment]:
    """A CQ-code string as array-form segments; anything not a well-formed code is text."""
    segments: list[Segment] = []
    position = 0
    for match in _CQ.finditer(raw):
        _add_text(segments, raw[position : match.start()])
        segments.append({"type": match.group(1), "data": _params(match.group(2))})
        position = match.end()
    _add_text(segments, raw[position:])
    return segments


def _add_text(segments: list[Segment], chunk: str) -> None:
    if chunk:
        segments.append({"type": "text", "data": {"text": unescape_text(chunk)}})


def _params(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in raw.split(","):
        key, sep, value = part.partition("=")
        if sep and key:
            params[key] = unescape_param(value)
    return params


def segments(message: object) -> list[Segment]:
    """A message in either form as well-formed segments (malformed items are dropped)."""
    if isinstance(message, str):
        return parse_cq(message)
    if isinstance(message, Mapping):
        message = [message]
    if not isinstance(message, list | tuple):
        return []
    result: list[Segment] = []
    for item in message:
        if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
            continue
        data = item.get("data")
        fields = dict(data) if isinstance(data, Mapping) else {}
        result.append({"type": item["type"], "data": fields})
    return result


def read_message(message: object, self_id: int | None = None) -> Reading:
    """One OneBot message (either form) as a ``Reading``.

    ``self_id`` is the bot's native QQ number: a mention of the bot that opens the message
    (``@bot /checkin``) is left out of the text, so a command after it is still a command.
    """
    parts = segments(message)
    mentions: list[int] = []
    if self_id is not None and parts and _is_at(parts[0], self_id):
        mentions.append(scoped(ONEBOT, self_id))
        parts = _strip_leading_space(parts[1:])
    texts: list[str] = []
    mentions_all = False
    reply_to: int | None = None
    attachments: list[Attachment] = []
    for kind, data in ((part["type"], part["data"]) for part in parts):
        if kind == "text":
            texts.append(_text(data, "text"))
        elif kind == "at":
            qq = _text(data, "qq")
            mentions_all = mentions_all or qq == ALL
            user = _user_id(qq)
            if user is not None:
                mentions.append(user)
            texts.append(_at_label(qq, _text(data, "name")))
        elif kind == "reply" and reply_to is None:
            reply_to = as_int(data.get("id"))
        elif kind == "file":
            attachments.append(to_attachment(data))
    kinds = {part["type"] for part in parts}
    return Reading(
        text="".join(texts),
        mentions=tuple(dict.fromkeys(mentions)),
        mentions_all=mentions_all,
        reply_to=reply_to,
        has_media=bool(kinds & MEDIA_TYPES),
        is_forward=bool(kinds & FORWARD_TYPES),
        attachments=tuple(attachments),
        hidden_urls=tuple(dict.fromkeys(hidden_urls(parts))),
    )


def _is_at(part: Segment, self_id: int) -> bool:
    return part["type"] == "at" and _text(part["data"], "qq") == str(self_id)


def _strip_leading_space(parts: list[Segment]) -> list[Segment]:
    if parts and parts[0]["type"] == "text":
        rest = _text(parts[0]["data"], "text").lstrip()
        head = [{"type": "text", "data": {"text": rest}}] if rest else []
        return head + parts[1:]
    return parts


def _at_label(qq: str, name: str) -> str:
    if qq == ALL:
        return ALL_LABEL
    label = name.lstrip("@") or qq
    return f"@{label}"


def to_attachment(data: Mapping[str, Any]) -> Attachment:
    """A ``file`` segment's data as an ``Attachment`` (its handle, name and size)."""
    handle = _text(data, "file_id") or _text(data, "file") or _text(data, "url")
    name = _text(data, "name") or _text(data, "file")
    return Attachment(handle, name, as_int(data.get("file_size", data.get("size"))))


def hidden_urls(parts: Iterable[Segment]) -> Iterator[str]:
    """Every URL not visible in a message's text: in cards, images, files and shares."""
    for part in parts:
        kind, data = part["type"], part["data"]
        if kind == "json":
            yield from _json_urls(data.get("data"))
        elif kind == "xml":
            yield from urls_in(html.unescape(_text(data, "data")))
        elif kind != "text":
            for key in _MEDIA_URL_KEYS:
                yield from urls_in(_text(data, key))


def urls_in(text: str) -> list[str]:
    """The http(s) URLs written in a piece of text."""
    return [url.rstrip(".,;:!?)") for url in _URL.findall(text)]


def _json_urls(raw: object) -> Iterator[str]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            # A card too broken to parse may still show its links.
            yield from urls_in(html.unescape(raw).replace("\\/", "/"))
            return
    yield from _walk(raw, 0)


def _walk(value: object, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        found = urls_in(value.replace("\\/", "/"))
        if not found and value.lstrip().startswith(("{", "[")):
            yield from _json_urls(value)
        yield from found
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_int(value: object) -> int | None:
    """An int from an int or a numeric string (OneBot sends either); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _user_id(qq: str) -> int | None:
    number = as_int(qq)
    if number is None:
        return None
    try:
        return scoped(ONEBOT, number)
    except IdError:
        return None
