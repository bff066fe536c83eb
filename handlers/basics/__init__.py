"""Basic commands: /start, /help [topic] and /lang.

/help lists the topics (one per feature) with a line each, and the everyday commands members
use; /help <topic> lists that topic's commands. A topic is named by its English or Chinese
name, or by any of its commands (/help checkin, /help 签到, /help warn). Members never see
admin commands in a group; in a private chat, where nobody is an admin, everything is shown
so a future admin can read up before adding the bot.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.commands import CommandTable
from core.context import Context
from core.events import Command
from core.feature import CommandSpec, Feature
from core.i18n import LANGUAGES, Translator
from core.text import Text, as_lines, plain
from handlers.basics.topics import Topic, find_topic, help_topics, member_commands
from storage.repositories import ChatRepository


class Basics(Feature):
    """Introduces the bot, lists commands by topic, and sets a group's language."""

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
        """/help [topic]: the topics and everyday commands, or one topic's commands."""
        # Private chats show everything: nobody is an admin there, and nothing is secret.
        full_view = not ctx.chat.is_group or await ctx.is_admin()
        topics = help_topics(self._table, is_admin=full_view)
        t, language = ctx.runtime.translator, await ctx.language()
        word = command.arg_text.strip()
        if not word:
            await ctx.reply(help_overview(t, language, topics))
            return
        every = help_topics(self._table, is_admin=True)
        found = find_topic(word, every, topic_names(t, every))
        if found is None:
            await ctx.reply(unknown_topic(t, language, word, topics))
            return
        mine = next((topic for topic in topics if topic.key == found.key), None)
        if mine is None:
            await ctx.say("help.admin_topic", name=topic_name(t, language, found.key))
            return
        await ctx.reply(help_topic(t, language, mine))

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


def topic_name(t: Translator, language: str, key: str) -> str:
    """A topic's name in a language (its key if the catalogs have none)."""
    name = t.plain(language, f"help.topic.{key}.name")
    return key if name == f"help.topic.{key}.name" else name


def topic_names(t: Translator, topics: Sequence[Topic]) -> dict[str, set[str]]:
    """Every topic's names in every language, for finding a topic by what was typed."""
    return {topic.key: {topic_name(t, lang, topic.key) for lang in LANGUAGES} for topic in topics}


def command_line(t: Translator, language: str, spec: CommandSpec) -> Text:
    """``/name — what it does``."""
    return plain(f"/{spec.name} — {t.plain(language, spec.help_key)}")


def help_overview(t: Translator, language: str, topics: Sequence[Topic]) -> Text:
    """The short /help: one line per topic, then the everyday commands."""
    lines = [t(language, "help.header")]
    for topic in topics:
        about = t.plain(language, f"help.topic.{topic.key}.about")
        lines.append(
            t(language, "help.topic_line", name=topic_name(t, language, topic.key), about=about)
        )
    everyday = member_commands(topics)
    if everyday:
        lines += ["", t(language, "help.member_header")]
        lines += [command_line(t, language, spec) for spec in everyday]
    lines += ["", t(language, "help.footer")]
    return as_lines(lines)


def help_topic(t: Translator, language: str, topic: Topic) -> Text:
    """/help <topic>: the topic's commands, admin commands apart."""
    name = topic_name(t, language, topic.key)
    about = t.plain(language, f"help.topic.{topic.key}.about")
    lines = [t(language, "help.topic_title", name=name, about=about)]
    lines += [command_line(t, language, spec) for spec in topic.member]
    if topic.admin:
        if topic.member:
            lines += ["", t(language, "help.admin_header")]
        lines += [command_line(t, language, spec) for spec in topic.admin]
    return as_lines(lines)


def unknown_topic(t: Translator, language: str, word: str, topics: Sequence[Topic]) -> Text:
    """The error for a word that names no topic, listing the topics there are."""
    names = t.plain(language, "help.separator").join(
        topic_name(t, language, topic.key) for topic in topics
    )
    # What was typed is untrusted: it goes in as plain text (clipped: it may be long).
    shown = word if len(word) <= 40 else word[:39] + "…"
    return t(language, "help.unknown", word=shown, topics=names)
