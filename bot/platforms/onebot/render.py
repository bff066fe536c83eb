"""Neutral text to OneBot v11 message segments (array form), split at QQ's length limit.

Every plain, bold, italic, code or link run becomes a ``text`` segment: whatever it says
(a nickname such as ``[CQ:at,qq=all]`` included) is only ever text, since the array form
has no escapes to forget. A mention becomes an ``at`` segment with the native QQ id; a
mention of someone on another platform stays its label. QQ has no formatting, so a link
shows its label and then its address.
"""

from __future__ import annotations

from typing import Any

from core.ids import ONEBOT, IdError, native_for
from core.text import LINK, MENTION, Segment, Text

# QQ takes about 4,500 characters in one message; a safe default, configurable.
TEXT_LIMIT = 4500

Wire = dict[str, Any]


def text_segment(text: str) -> Wire:
    """A OneBot ``text`` segment."""
    return {"type": "text", "data": {"text": text}}


def at_segment(qq: int) -> Wire:
    """A OneBot ``at`` segment for one native QQ id."""
    return {"type": "at", "data": {"qq": str(qq)}}


def _wire(segment: Segment) -> Wire:
    if segment.kind == MENTION and isinstance(segment.target, int):
        try:
            return at_segment(native_for(ONEBOT, segment.target))
        except IdError:
            return text_segment(segment.text)
    if segment.kind == LINK and segment.target and segment.target != segment.text:
        return text_segment(f"{segment.text} ({segment.target})")
    return text_segment(segment.text)


def _shown(segment: Wire) -> str:
    data = segment["data"]
    return data["text"] if segment["type"] == "text" else f"@{data['qq']}"


def segments(text: Text | str) -> list[Wire]:
    """The OneBot segments of a neutral text, neighbouring text runs joined."""
    out: list[Wire] = []
    for segment in Text(text).segments:
        wire = _wire(segment)
        if wire["type"] == "text" and out and out[-1]["type"] == "text":
            out[-1] = text_segment(out[-1]["data"]["text"] + wire["data"]["text"])
        else:
            out.append(wire)
    return out


def cut_at(text: str, room: int) -> int:
    """Where to cut a text to fit ``room`` characters: after a line end, else after a
    space, else at ``room`` itself."""
    if len(text) <= room:
        return len(text)
    for mark in ("\n", " "):
        at = text.rfind(mark, 0, room)
        if at > 0:
            return at + 1
    return room


def split(wire: list[Wire], limit: int = TEXT_LIMIT) -> list[list[Wire]]:
    """The segments over several messages of at most ``limit`` shown characters each;
    an ``at`` is never cut, a text segment is cut only when it does not fit whole."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    parts: list[list[Wire]] = []
    current: list[Wire] = []
    used = 0
    for segment in wire:
        if segment["type"] != "text":
            size = len(_shown(segment))
            if current and used + size > limit:
                parts.append(current)
                current, used = [], 0
            current.append(segment)
            used += size
            continue
        rest = segment["data"]["text"]
        while rest:
            room = limit - used
            if len(rest) > room and current and len(rest) <= limit:
                # It fits whole in a message of its own: keep it whole.
                parts.append(current)
                current, used, room = [], 0, limit
            cut = cut_at(rest, room)
            current.append(text_segment(rest[:cut]))
            used += cut
            rest = rest[cut:]
            if rest:
                parts.append(current)
                current, used = [], 0
    if current:
        parts.append(current)
    return parts


def messages(text: Text | str, limit: int = TEXT_LIMIT) -> list[list[Wire]]:
    """A neutral text as the OneBot messages to send, in order (none for an empty text)."""
    return split(segments(text), limit)


def plain(wire: list[Wire]) -> str:
    """What a message of segments shows, ``at`` as ``@qq`` (for logs and tests)."""
    return "".join(_shown(s) for s in wire)
