"""Small parsers for command arguments."""

from __future__ import annotations

from core.events import Command

_ON = {"on", "yes", "true", "1", "开", "开启", "打开"}
_OFF = {"off", "no", "false", "0", "关", "关闭"}
# How much of a bad argument an error message quotes back.
CLIP = 40


def parse_switch(word: str) -> bool | None:
    """``on``/``off`` (and their usual spellings) as a bool; None if it is neither."""
    lowered = word.strip().lower()
    if lowered in _ON:
        return True
    if lowered in _OFF:
        return False
    return None


def text_or_reply(command: Command) -> str:
    """The command's argument text, or else the text of the message it replies to."""
    if command.arg_text:
        return command.arg_text
    reply = command.message.reply_to
    return reply.text.strip() if reply is not None else ""


def page_number(args: tuple[str, ...], items: int, size: int) -> tuple[int, int]:
    """The page a ``/list [page]`` command asks for (1 if unreadable, clamped), and the count."""
    pages = max((items + size - 1) // size, 1)
    wanted = args[0] if args else "1"
    page = min(max(int(wanted), 1), pages) if wanted.isdigit() and len(wanted) < 6 else 1
    return page, pages


def clip(value: str, limit: int = CLIP) -> str:
    """A piece of user input short enough to quote back in an error message."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
