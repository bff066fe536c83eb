"""Neutral message text: an immutable sequence of segments each platform renders its own way.

A feature never writes markup. It builds ``Text`` from segments: ``plain``, ``bold``,
``italic``, ``code``, ``link(label, url)`` and ``mention(user)``; a ``str`` given where Text is
expected is plain text. Untrusted text (names, message text) can only ever become the text of
a segment, so escaping is the renderer's job alone (Telegram HTML in
``bot.platforms.telegram.render``; the sandbox shows ``plain()``).

    greeting = "Hi " + mention(user) + ", read " + link("the rules", url)
    lines = Text("\\n").join([bold("Top"), *names])

Adjacent plain segments (and adjacent bold, italic or code ones) are merged, so equal texts
have equal segments; a Text of plain segments only equals the ``str`` it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from core.events import User
from core.ids import shown_id

PLAIN = "plain"
BOLD = "bold"
ITALIC = "italic"
CODE = "code"
LINK = "link"
MENTION = "mention"

# Kinds whose neighbours of the same kind read as one run; links and mentions stay apart.
_RUNS = frozenset((PLAIN, BOLD, ITALIC, CODE))


class Segment(NamedTuple):
    """One run of text: its kind, what it shows, and a link's URL or a mention's user id."""

    kind: str
    text: str
    target: str | int | None = None


def _merged(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """Segments with empty ones dropped and neighbouring runs of one kind joined."""
    out: list[Segment] = []
    run: list[str] | None = None  # the texts of a run out[-1] is being extended by
    for segment in segments:
        shown = segment.text
        if not shown:
            continue
        if out and segment.kind == out[-1].kind and segment.kind in _RUNS:
            if run is None:
                run = [out[-1].text]
            run.append(shown)
            continue
        if run is not None:
            out[-1] = Segment(out[-1].kind, "".join(run))
            run = None
        out.append(segment)
    if run is not None:
        out[-1] = Segment(out[-1].kind, "".join(run))
    return tuple(out)


def _segments_of(part: Text | str) -> tuple[Segment, ...]:
    if isinstance(part, Text):
        return part._segments
    if isinstance(part, str):
        return (Segment(PLAIN, part),) if part else ()
    raise TypeError(f"Text takes Text or str, not {type(part).__name__}")


def _make(segments: tuple[Segment, ...]) -> Text:
    """A Text of segments already merged (no copy, no checks: the hot path)."""
    text = object.__new__(Text)
    text._segments = segments
    text._plain = None
    return text


class Text:
    """An immutable message: a sequence of segments (see the module)."""

    __slots__ = ("_plain", "_segments")

    _segments: tuple[Segment, ...]
    _plain: str | None

    def __init__(self, *parts: Text | str) -> None:
        if len(parts) == 1 and isinstance(parts[0], Text):
            self._segments = parts[0]._segments
        else:
            self._segments = _merged(s for part in parts for s in _segments_of(part))
        self._plain = None

    @classmethod
    def of(cls, segments: Iterable[Segment]) -> Text:
        """A Text of these segments (empty ones dropped, neighbouring runs joined)."""
        return _make(_merged(segments))

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The segments, in order (for renderers)."""
        return self._segments

    def plain(self) -> str:
        """What the text shows, without formatting (labels as text: for logs and plain
        platforms)."""
        shown = self._plain
        if shown is None:
            segments = self._segments
            shown = segments[0].text if len(segments) == 1 else "".join(s.text for s in segments)
            self._plain = shown
        return shown

    def join(self, parts: Iterable[Text | str]) -> Text:
        """The parts with this text between them, as ``str.join`` (str parts are plain)."""
        separator = self._segments
        pieces: list[Segment] = []
        first = True
        for part in parts:
            if not first:
                pieces.extend(separator)
            first = False
            pieces.extend(_segments_of(part))
        return _make(_merged(pieces))

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, str):
            if not other:
                return self
            segments = self._segments
            if segments and segments[-1].kind == PLAIN:
                last = Segment(PLAIN, segments[-1].text + other)
                return _make((*segments[:-1], last))
            return _make((*segments, Segment(PLAIN, other)))
        if not isinstance(other, Text):
            return NotImplemented
        return _make(_joined(self._segments, other._segments))

    def __radd__(self, other: str) -> Text:
        if not isinstance(other, str):
            return NotImplemented
        return _make(_joined(_segments_of(other), self._segments))

    def __len__(self) -> int:
        return len(self.plain())

    def __bool__(self) -> bool:
        return bool(self._segments)

    def __contains__(self, item: str) -> bool:
        return item in self.plain()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return self._segments == other._segments
        if isinstance(other, str):
            segments = self._segments
            if not segments:
                return other == ""
            return len(segments) == 1 and segments[0].kind == PLAIN and segments[0].text == other
        return NotImplemented

    def __hash__(self) -> int:
        segments = self._segments
        # Consistent with equality to str: a plain-only Text hashes like the str it shows.
        if not segments:
            return hash("")
        if len(segments) == 1 and segments[0].kind == PLAIN:
            return hash(segments[0].text)
        return hash(segments)

    def __str__(self) -> str:
        """The plain text, as ``plain()``: formatting is lost, never leaked."""
        return self.plain()

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{s.kind}({s.text!r}{'' if s.target is None else f', {s.target!r}'})"
            for s in self._segments
        )
        return f"Text({inner})"


def _joined(left: tuple[Segment, ...], right: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Two merged segment tuples as one; only where they meet can runs join."""
    if not left:
        return right
    if not right:
        return left
    a, b = left[-1], right[0]
    if a.kind == b.kind and a.kind in _RUNS:
        return (*left[:-1], Segment(a.kind, a.text + b.text), *right[1:])
    return left + right


EMPTY = _make(())


def _styled(kind: str, text: Text | str) -> Text:
    shown = str(text)
    return _make((Segment(kind, shown),) if shown else ())


def plain(text: str) -> Text:
    """Text shown exactly as it is (whatever characters it holds)."""
    return _make((Segment(PLAIN, text),) if text else ())


def bold(text: Text | str) -> Text:
    """Bold text (a Text given is taken as its plain text)."""
    return _styled(BOLD, text)


def italic(text: Text | str) -> Text:
    """Italic text (a Text given is taken as its plain text)."""
    return _styled(ITALIC, text)


def code(text: Text | str) -> Text:
    """Monospace text (a Text given is taken as its plain text)."""
    return _styled(CODE, text)


def link(label: Text | str, url: str) -> Text:
    """A label that opens ``url``; a link without a label shows the URL."""
    return _make((Segment(LINK, str(label) or url, url),) if url else ())


def mention(user: User, label: str | None = None) -> Text:
    """A mention that notifies ``user``, labelled with their name (or ``label``, or the id)."""
    return _make((Segment(MENTION, label or user.name or shown_id(user.id), int(user.id)),))


_NEWLINE = plain("\n")


def as_lines(parts: Iterable[Text | str]) -> Text:
    """The parts one per line (str parts are plain)."""
    return _NEWLINE.join(parts)
