"""The small HTML subset the bot formats messages in, and safe ways to build it.

Every text a feature sends is HTML. ``Html`` marks a string that is already safe;
anything else is escaped before it is embedded, so user names and message text are
shown literally and can never inject markup.
"""

from __future__ import annotations

import html
import re

from core.events import User

_TAG = re.compile(r"<[^>]+>")


class Html(str):
    """A string that is already valid, safe markup."""

    __slots__ = ()


def escape(text: str) -> Html:
    """Make untrusted text safe to embed in a formatted message (safe text is kept)."""
    if isinstance(text, Html):
        return text
    return Html(html.escape(text, quote=False))


def mention(user: User) -> Html:
    """A link to a user that notifies them, with their name escaped."""
    label = escape(user.name or str(user.id))
    return Html(f'<a href="tg://user?id={int(user.id)}">{label}</a>')


def bold(text: str) -> Html:
    """Bold, with the text escaped."""
    return Html(f"<b>{escape(text)}</b>")


def code(text: str) -> Html:
    """Monospace, with the text escaped."""
    return Html(f"<code>{escape(text)}</code>")


def join(parts: list[str], separator: str = "\n") -> Html:
    """Join pieces, escaping the ones that are not markup yet."""
    return Html(escape(separator).join(escape(part) for part in parts))


def to_plain(formatted: str) -> str:
    """Strip the markup again, for platforms and logs that show plain text."""
    return html.unescape(_TAG.sub("", formatted))
