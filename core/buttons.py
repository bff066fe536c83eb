"""Declared buttons: one codec for what a press carries, and what a press handler gets.

A button names an action (``<prefix>.<verb>``, the prefix being the declaring feature's
``ButtonSpec.prefix``) and a few short arguments. The codec writes them as
``b1|<action>|<arg>|...`` within Telegram's 64 bytes; anything that does not read back
(another version, a hand-made or truncated string, an action nobody declares) is a stale or
forged press, answered "this button is no longer valid" and changing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from core.events import Chat, User
from core.text import Text

# Telegram's limit on callback data, in bytes.
MAX_BYTES = 64
VERSION = "b1"
SEP = "|"
# Actions and arguments are short ASCII tokens: no separator can hide in them.
_TOKEN = re.compile(r"[A-Za-z0-9_.:\-]{1,40}\Z")
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,15}(\.[a-z0-9_]{1,16})?\Z")

Arg = str | int


class ButtonDataError(ValueError):
    """A button that cannot be encoded (bad action or argument, or over 64 bytes)."""


class StaleButton(Exception):
    """A press whose arguments do not read back: answered as no longer valid."""


def encode(action: str, args: Sequence[Arg] = ()) -> str:
    """The callback data of an action with its arguments; raise ButtonDataError if unfit."""
    if not _ACTION.match(action):
        raise ButtonDataError(f"bad button action {action!r}")
    words = [str(arg) for arg in args]
    for word in words:
        if not _TOKEN.match(word):
            raise ButtonDataError(f"bad argument {word!r} of button {action}")
    data = SEP.join([VERSION, action, *words])
    if len(data.encode()) > MAX_BYTES:
        raise ButtonDataError(f"button {action} needs {len(data.encode())} bytes, over 64")
    return data


def decode(data: str) -> tuple[str, tuple[str, ...]] | None:
    """(action, arguments) of callback data made by ``encode``; None for anything else."""
    if len(data.encode()) > MAX_BYTES:
        return None
    version, _, rest = data.partition(SEP)
    if version != VERSION or not rest:
        return None
    action, *args = rest.split(SEP)
    if not _ACTION.match(action) or not all(_TOKEN.match(arg) for arg in args):
        return None
    return action, tuple(args)


def prefix_of(action: str) -> str:
    """The declaring feature's prefix of an action (``cln`` of ``cln.ok``)."""
    return action.partition(".")[0]


def verb_of(action: str) -> str:
    """The part of an action after its prefix (empty if it has none)."""
    return action.partition(".")[2]


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded press, as a button handler gets it: what, with what, by whom, where."""

    action: str
    args: tuple[str, ...]
    user: User
    chat: Chat
    message_id: int
    # True when the member typed the choice (a platform without buttons).
    typed: bool = False

    @property
    def verb(self) -> str:
        """The action without its prefix."""
        return verb_of(self.action)

    def number(self, index: int, low: int = 0, high: int = 2**63 - 1) -> int:
        """Argument ``index`` as a whole number in [low, high]; raise StaleButton if not."""
        word = self.args[index] if index < len(self.args) else ""
        digits = word[1:] if word.startswith("-") else word
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
            raise StaleButton(f"argument {index} of {self.action} is not a number")
        value = int(word)
        if not low <= value <= high:
            raise StaleButton(f"argument {index} of {self.action} is out of range")
        return value

    def word(self, index: int, allowed: Collection[str]) -> str:
        """Argument ``index`` if it is one of ``allowed``; raise StaleButton if not."""
        word = self.args[index] if index < len(self.args) else ""
        if word not in allowed:
            raise StaleButton(f"argument {index} of {self.action} is not one we issue")
        return word

    def expect(self, count: int) -> None:
        """Raise StaleButton unless the press carries exactly ``count`` arguments."""
        if len(self.args) != count:
            raise StaleButton(f"{self.action} takes {count} arguments, got {len(self.args)}")


@dataclass(frozen=True, slots=True)
class Ack:
    """What a press is acknowledged with: a toast (``alert``: a dialog), or nothing."""

    text: Text | str = ""
    alert: bool = False


def refusal(text: Text | str) -> Ack:
    """A press turned down: its reason shown as a dialog."""
    return Ack(text, alert=True)
