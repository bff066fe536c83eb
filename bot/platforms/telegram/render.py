"""Neutral text as Telegram HTML: every segment's text escaped, each kind in its tag.

Only this module (with ``split``, which cuts what it makes) knows Telegram's HTML:
features build ``core.text.Text`` and never see markup. A mention becomes a
``tg://user?id=`` link, which notifies the person; a link's URL is escaped for its attribute.
"""

from __future__ import annotations

import html

from core.text import BOLD, CODE, ITALIC, LINK, MENTION, PLAIN, Text

_TAGS = {BOLD: ("<b>", "</b>"), ITALIC: ("<i>", "</i>"), CODE: ("<code>", "</code>")}


def _escape(text: str) -> str:
    # Quotes are only special inside attributes, and text is never put in one.
    return html.escape(text, quote=False)


def to_html(text: Text | str) -> str:
    """The HTML Telegram shows as ``text`` (a str is plain text, escaped)."""
    if isinstance(text, str):
        return _escape(text)
    pieces: list[str] = []
    for kind, shown, target in text.segments:
        body = _escape(shown)
        if kind == PLAIN:
            pieces.append(body)
        elif kind == MENTION:
            pieces.append(f'<a href="tg://user?id={int(target or 0)}">{body}</a>')
        elif kind == LINK:
            pieces.append(f'<a href="{html.escape(str(target), quote=True)}">{body}</a>')
        else:
            opening, closing = _TAGS[kind]
            pieces.append(opening + body + closing)
    return "".join(pieces)
