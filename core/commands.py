"""The command stage: find the command's feature, check who may run it, run it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.context import Context
from core.events import Command, Event
from core.feature import CommandSpec, Feature
from core.permissions import may_run


class CommandTable:
    """Every command of every feature, by name, in declaration order."""

    def __init__(self) -> None:
        self.specs: dict[str, CommandSpec] = {}
        # Each command's /help topic: the topic of the feature that declares it.
        self._topics: dict[str, str] = {}

    def add(self, features: Iterable[Feature]) -> None:
        """Take in the commands of some features; a name declared twice is an error."""
        for feature in features:
            for spec in feature.commands():
                if spec.name in self.specs:
                    raise ValueError(f"command /{spec.name} is declared twice")
                self.specs[spec.name] = spec
                self._topics[spec.name] = feature.help_topic

    def topic_of(self, name: str) -> str:
        """The /help topic of a command (empty for a name that is not a command)."""
        return self._topics.get(name, "")

    def topics(self) -> list[str]:
        """Every /help topic, in the order their first commands were declared."""
        return list(dict.fromkeys(self._topics.values()))

    def get(self, name: str) -> CommandSpec | None:
        """The command called ``name``, if any."""
        return self.specs.get(name)

    def visible(self, *, is_admin: bool, in_group: bool) -> Sequence[CommandSpec]:
        """The commands a caller may use where they are."""
        return [
            spec
            for spec in self.specs.values()
            if may_run(spec.admin_only, is_admin) and (in_group or not spec.group_only)
        ]


class Commands(Feature):
    """Runs commands; refuses admin commands to members and group commands in private."""

    name = "commands"

    def __init__(self, table: CommandTable) -> None:
        self.table = table

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Run the command if it is one of ours; stop the event if so."""
        if not isinstance(event, Command):
            return False
        spec = self.table.get(event.name)
        if spec is None:
            return False
        if spec.group_only and not event.chat.is_group:
            await ctx.say("common.group_only")
            return True
        if spec.admin_only and not await ctx.is_admin():
            await ctx.say("common.not_admin", command=spec.name)
            return True
        await spec.handler(event, ctx)
        return True
