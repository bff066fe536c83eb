"""What a feature declares: the commands and buttons it answers, the events it reacts to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.buttons import Ack, Press
from core.events import Command, Event

if TYPE_CHECKING:
    from core.context import Context
    from core.runtime import Runtime

CommandHandler = Callable[[Command, "Context"], Awaitable[None]]
# A press handler returns what the press is acknowledged with (None: a silent ack).
ButtonHandler = Callable[[Press, "Context"], Awaitable[Ack | None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One chat command: its handler, who may run it and where."""

    name: str
    handler: CommandHandler
    admin_only: bool = False
    group_only: bool = True

    @property
    def help_key(self) -> str:
        """The catalog key of its one-line description."""
        return f"commands.{self.name}"


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """The buttons whose actions start with ``prefix.``: their handler and who may press.

    ``admin_only``: only the admins of the chat the button is in (the dispatch stage
    refuses anyone else, with ``refusal``, a catalog key). ``group_admins``: buttons about
    a group that may be shown in another chat (a report in the log chat): the handler
    checks the group's admins, which only it can look up; typed choices are then taken from
    admins alone, as with ``admin_only``.
    """

    prefix: str
    handler: ButtonHandler
    admin_only: bool = False
    refusal: str = "buttons.admins_only"
    group_admins: bool = False

    @property
    def for_admins(self) -> bool:
        """Whether only admins may press (checked here or by the handler)."""
        return self.admin_only or self.group_admins


class Feature:
    """Base for features; override what applies. No work at construction time."""

    name = "feature"
    # The /help topic its commands are listed under; empty: the feature's name. Features
    # may share one (catalog keys ``help.topic.<topic>.name`` and ``.about``).
    topic = ""

    @property
    def help_topic(self) -> str:
        """The /help topic of this feature's commands."""
        return self.topic or self.name

    def commands(self) -> Sequence[CommandSpec]:
        """The commands this feature answers."""
        return ()

    def buttons(self) -> Sequence[ButtonSpec]:
        """The button actions this feature answers (see ``core.buttons``)."""
        return ()

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """React to an event; return True to stop later features from seeing it."""
        return False

    async def start(self, runtime: Runtime) -> None:
        """Start timers and load state, once the platform is up."""

    async def stop(self) -> None:
        """Flush buffers and cancel timers before the process exits."""
