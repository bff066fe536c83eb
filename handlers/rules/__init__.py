"""Group rules: /rules for everyone, /setrules for admins; also the welcome's {rules}."""

from __future__ import annotations

from collections.abc import Sequence

from core.args import text_or_reply
from core.context import Context
from core.events import Command
from core.feature import CommandSpec, Feature
from storage.repositories import ChatRepository

MAX_RULES_LENGTH = 3000


class Rules(Feature):
    """Keeps the group's rules."""

    name = "rules"

    def commands(self) -> Sequence[CommandSpec]:
        """/rules and /setrules."""
        return (
            CommandSpec("rules", self.show),
            CommandSpec("setrules", self.set_rules, admin_only=True),
        )

    async def show(self, command: Command, ctx: Context) -> None:
        """/rules: post the group's rules."""
        rules = (await ChatRepository(ctx.uow).settings(ctx.chat.id)).rules
        if not rules:
            await ctx.say("rules.none")
            return
        await ctx.say("rules.show", rules=rules)

    async def set_rules(self, command: Command, ctx: Context) -> None:
        """/setrules <text> (or as a reply): store the rules."""
        text = text_or_reply(command)
        if not text:
            await ctx.say("rules.usage")
            return
        if len(text) > MAX_RULES_LENGTH:
            await ctx.say("common.too_long", length=len(text), limit=MAX_RULES_LENGTH)
            return
        row = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.rules = text
        await ctx.say("rules.set")
