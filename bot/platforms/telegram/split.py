"""Split a Telegram HTML text (``render``'s) over a length limit into several.

Telegram refuses a message over 4,096 characters (a caption over 1,024), counted after the
HTML is parsed: tags count nothing and ``&lt;`` counts one. Parts are cut at line ends where
possible, else at a space, else between two characters; never inside a tag or an entity.
A tag open at a cut (``<b>``, ``<pre>``, ``<a href=...>``) is closed at the end of the part
and opened again, with the same attributes, at the start of the next.

Lengths are counted in UTF-16 code units, as Telegram counts entity offsets: an emoji
outside the Basic Multilingual Plane counts two, so a part is never too long for Telegram.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# A tag, an entity, or one character; the text is valid markup (see render.py).
_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>|(&(?:#\d+|#x[0-9a-fA-F]+|\w+);)|[^<&]+|[<&]")
_SPACES = frozenset(" \t")


@dataclass(frozen=True, slots=True)
class _Atom:
    """One piece of the source: a character or entity (``width`` > 0) or a tag (width 0)."""

    raw: str
    width: int
    # For tags: the tag name, and whether it closes; "" for text.
    tag: str = ""
    closing: bool = False


def units(text: str) -> int:
    """How long plain text is for Telegram: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """How long an HTML text is once Telegram has parsed it (tags dropped, entities one)."""
    return sum(atom.width for atom in _atoms(markup))


def _atoms(markup: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _TOKEN.finditer(markup):
        raw = match.group(0)
        if match.group(2):
            atoms.append(_Atom(raw, 0, match.group(2).lower(), bool(match.group(1))))
        elif match.group(3):
            atoms.append(_Atom(raw, units(html.unescape(raw))))
        else:  # a run of plain text: one atom per character (they are shared)
            atoms.extend(map(_character, raw))
    return atoms


@lru_cache(maxsize=4096)
def _character(char: str) -> _Atom:
    """One character: two units outside the Basic Multilingual Plane."""
    return _Atom(char, 2 if ord(char) > 0xFFFF else 1)


def split_html(text: str, limit: int = TEXT_LIMIT, first_limit: int | None = None) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` visible characters (the first part at
    most ``first_limit``, e.g. a caption before text messages); a text that fits is kept."""
    first = limit if first_limit is None else first_limit
    if units(text) <= first:  # the markup is never shorter than what it shows
        return [text]
    if first < 1 or limit < 1:
        raise ValueError("limits must be positive")
    atoms = _atoms(text)
    parts: list[str] = []
    opened: list[_Atom] = []  # tags open where the current part starts
    start = 0
    while start < len(atoms):
        budget = first if not parts else limit
        end, resume = _cut(atoms, start, budget)
        part, opened = _render(atoms, start, end, opened)
        if _shows_something(atoms, start, end):
            parts.append(part)
        start = resume
    return parts or [text]


def _cut(atoms: list[_Atom], start: int, budget: int) -> tuple[int, int]:
    """Where the part from ``start`` ends (exclusive) and where the next one starts."""
    width = 0
    newline = space = -1
    index = start
    while index < len(atoms):
        atom = atoms[index]
        if width + atom.width > budget:
            break
        width += atom.width
        if atom.raw == "\n":
            newline = index
        elif atom.raw in _SPACES:
            space = index
        index += 1
    else:
        return len(atoms), len(atoms)
    # Prefer a line end (the one that overflows, else the last that fits), then a space.
    if atoms[index].raw == "\n":
        newline = index
    elif atoms[index].raw in _SPACES and newline <= start:
        space = index
    for boundary in (newline, space):
        if boundary > start:
            end = boundary
            while end - 1 > start and atoms[end - 1].raw == "\n":
                end -= 1  # a part does not end with empty lines either
            return end, _skip_line_ends(atoms, boundary + 1)
    if index == start:
        # Not even one character fits the budget: take it anyway, rather than loop.
        index += 1
    # Between two characters: closing tags stay with the text they close, opening tags
    # move to the next part with the text they open.
    while index < len(atoms) and atoms[index].closing:
        index += 1
    while index - 1 > start and atoms[index - 1].tag and not atoms[index - 1].closing:
        index -= 1
    return index, index


def _skip_line_ends(atoms: list[_Atom], index: int) -> int:
    """Past the line ends a new part would start with (Telegram trims them anyway)."""
    while index < len(atoms) and atoms[index].raw == "\n":
        index += 1
    return index


def _render(
    atoms: list[_Atom], start: int, end: int, opened: list[_Atom]
) -> tuple[str, list[_Atom]]:
    """A part's markup: tags still open from before, its atoms, closes for tags left open."""
    stack = list(opened)
    pieces = [atom.raw for atom in opened]
    for atom in atoms[start:end]:
        pieces.append(atom.raw)
        if atom.tag and not atom.closing:
            stack.append(atom)
        elif atom.tag:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].tag == atom.tag:
                    del stack[depth]
                    break
    pieces.extend(f"</{atom.tag}>" for atom in reversed(stack))
    return "".join(pieces), stack


def _shows_something(atoms: list[_Atom], start: int, end: int) -> bool:
    """Whether a part has anything but tags and white space (Telegram refuses empty text)."""
    return any(atom.width and not atom.raw.isspace() for atom in atoms[start:end])
