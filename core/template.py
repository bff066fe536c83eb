"""Message templates with {placeholders}: checking an admin's template and filling it in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from string import Formatter

from core.text import Text


class TemplateError(ValueError):
    """A template that cannot be used: ``kind`` is ``unknown`` or ``braces``."""

    def __init__(self, kind: str, names: tuple[str, ...] = ()) -> None:
        super().__init__(f"{kind}: {', '.join(names)}" if names else kind)
        self.kind = kind
        self.names = names


def _fields(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(Formatter().parse(template))
    except ValueError:
        raise TemplateError("braces") from None


def check_template(template: str, allowed: Collection[str]) -> None:
    """Raise TemplateError unless every ``{placeholder}`` is known and braces match."""
    unknown: list[str] = []
    for _, field, spec, conversion in _fields(template):
        if field is None:
            continue
        if field not in allowed or spec or conversion:
            written = "{" + field + (f"!{conversion}" if conversion else "")
            written += (f":{spec}" if spec else "") + "}"
            if written not in unknown:
                unknown.append(written)
    if unknown:
        raise TemplateError("unknown", tuple(unknown))


def used_placeholders(template: str) -> set[str]:
    """The placeholders a (checked) template uses."""
    return {field for _, field, _, _ in _fields(template) if field}


def render_template(template: str, values: Mapping[str, Text | str]) -> Text:
    """Fill a checked template: its text is shown literally, values are inserted once.

    A str value is plain text and a Text value keeps its formatting (a mention); values are
    never parsed again, so a ``{group}`` inside a user's name stays literal text.
    """
    parts: list[Text | str] = []
    for literal, field, _, _ in _fields(template):
        parts.append(literal)
        if field is not None:
            parts.append(values.get(field, ""))
    return Text(*parts)
