"""/help by topic: group the command table's commands by topic and find a topic by a word.

Pure logic on the command table, no I/O. A topic is a feature's (``Feature.help_topic``);
its names in each language come from the catalogs (``help.topic.<topic>.name``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.commands import CommandTable
from core.feature import CommandSpec


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic and the commands of it a caller may use, members' first."""

    key: str
    member: tuple[CommandSpec, ...]
    admin: tuple[CommandSpec, ...]

    @property
    def commands(self) -> tuple[CommandSpec, ...]:
        """All of its commands listed."""
        return self.member + self.admin


def help_topics(table: CommandTable, *, is_admin: bool) -> list[Topic]:
    """The topics with commands the caller may use in a group; topics members use first."""
    grouped: dict[str, list[CommandSpec]] = {key: [] for key in table.topics()}
    for spec in table.visible(is_admin=is_admin, in_group=True):
        grouped[table.topic_of(spec.name)].append(spec)
    topics = [
        Topic(
            key,
            tuple(s for s in specs if not s.admin_only),
            tuple(s for s in specs if s.admin_only),
        )
        for key, specs in grouped.items()
        if specs
    ]
    # Stable: declaration order within each half.
    return sorted(topics, key=lambda topic: not topic.member)


def member_commands(topics: Iterable[Topic]) -> list[CommandSpec]:
    """The everyday commands: every command a member may use, topic by topic."""
    return [spec for topic in topics for spec in topic.member]


def normalize(word: str) -> str:
    """A typed topic or command name as compared: ``/Warn@my_bot`` -> ``warn``."""
    word = unicodedata.normalize("NFKC", word).strip().casefold().removeprefix("/")
    return word.split("@", 1)[0]


def find_topic(
    word: str, topics: Sequence[Topic], names: Mapping[str, Iterable[str]]
) -> Topic | None:
    """The topic a word names: its key, one of its names (any language), or a command of it."""
    wanted = normalize(word)
    if not wanted:
        return None
    for topic in topics:
        if wanted == topic.key or wanted in {normalize(n) for n in names.get(topic.key, ())}:
            return topic
    return next((t for t in topics if any(s.name == wanted for s in t.commands)), None)
