"""Basic commands: /start, /help and /lang."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import CommandTable
from bot.context import Context
from bot.events import Command
from bot.feature import CommandSpec, Feature
from bot.i18n import LANGUAGES
from bot.markup import Html, escape
from storage.repositories import ChatRepository


class Basics(Feature):
    """Introduces the bot, lists commands, and sets a group's language."""

    name = "basics"

    def __init__(self, table: CommandTable) -> None:
        # The table holds every feature's commands, this one's included: it fills up later.
        self._table = table

    def commands(self) -> Sequence[CommandSpec]:
        """/start, /help and /lang."""
        return (
            CommandSpec("start", self.start_command, group_only=False),
            CommandSpec("help", self.help, group_only=False),
            CommandSpec("lang", self.set_language, admin_only=True),
        )

    async def start_command(self, command: Command, ctx: Context) -> None:
        """/start: who the bot is."""
        await ctx.say("start.private")

    async def help(self, command: Command, ctx: Context) -> None:
        """/help: the commands the caller may use here, admin commands apart."""
        in_group = ctx.chat.is_group
        is_admin = in_group and await ctx.is_admin()
        specs = self._table.visible(is_admin=is_admin, in_group=in_group)
        member = [s for s in specs if not s.admin_only]
        admin = [s for s in specs if s.admin_only]
        lines = [await ctx.t("help.header"), *[await _line(ctx, s) for s in member]]
        if admin:
            lines += ["", await ctx.t("help.admin_header"), *[await _line(ctx, s) for s in admin]]
        lines += ["", await ctx.t("help.footer")]
        await ctx.reply(Html("\n".join(lines)))

    async def set_language(self, command: Command, ctx: Context) -> None:
        """/lang zh|en: the group's language for every message of the bot."""
        choice = command.args[0].lower() if command.args else ""
        if choice not in LANGUAGES:
            await ctx.say("lang.usage")
            return
        row = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.language = choice
        ctx.set_language(choice)
        await ctx.say("lang.set")


async def _line(ctx: Context, spec: CommandSpec) -> Html:
    return Html(f"/{spec.name} — {escape(await ctx.t(spec.help_key))}")
