"""The moderation engine's per-group settings, banned words and allowed domains."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select

from storage.models import AllowedDomainRow, BadWordRow, ModerationSettingsRow, utcnow
from storage.repositories import ChatRepository, cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_missing


def rules_key(chat_id: int) -> tuple[str, int]:
    """The snapshot-cache key of a group's moderation rules."""
    return ("moderation", chat_id)


class StoredWord(NamedTuple):
    """A banned word as stored: the text shown, its match key, and whether it is a pattern."""

    id: int
    word: str
    match_key: str
    is_regex: bool


@dataclass(frozen=True, slots=True, eq=True)
class StoredRules:
    """A group's moderation settings as stored; the feature reads them into its rules."""

    mode: str = "on"
    checks: Mapping[str, Any] = field(default_factory=dict)
    limits: Mapping[str, Any] = field(default_factory=dict)
    domains: frozenset[str] = frozenset()
    words: tuple[StoredWord, ...] = ()


# Most groups never change a setting: they all share one snapshot of the defaults.
NOTHING_STORED = StoredRules()


async def load_known_rule_ids(uow: UnitOfWork) -> None:
    """Tell the cache which groups have stored rules, so the others cost no query at all."""
    session = await uow.session()
    ids: set[int] = set(await session.scalars(select(ModerationSettingsRow.chat_id)))
    ids.update(await session.scalars(select(BadWordRow.chat_id).distinct()))
    ids.update(await session.scalars(select(AllowedDomainRow.chat_id).distinct()))
    uow.cache.know(rules_key(0)[0], ids)


class ModerationRulesRepository:
    """One group's moderation settings, words and domains."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def rules(self, chat_id: int) -> StoredRules:
        """The group's stored rules as one snapshot, from the cache when possible."""
        return await cached_snapshot(
            self._uow, rules_key(chat_id), lambda: self._load(chat_id), NOTHING_STORED
        )

    async def fresh(self, chat_id: int) -> StoredRules:
        """The group's rules as stored now, past the cache (to notice other processes)."""
        return await self._load(chat_id)

    async def _load(self, chat_id: int) -> StoredRules:
        session = await self._uow.session()
        row = await session.get(ModerationSettingsRow, chat_id)
        words = await session.execute(
            select(BadWordRow.id, BadWordRow.word, BadWordRow.match_key, BadWordRow.is_regex)
            .where(BadWordRow.chat_id == chat_id)
            .order_by(BadWordRow.id)
        )
        domains = await session.scalars(
            select(AllowedDomainRow.domain).where(AllowedDomainRow.chat_id == chat_id)
        )
        return StoredRules(
            row.mode if row else NOTHING_STORED.mode,
            row.checks if row else {},
            row.limits if row else {},
            frozenset(domains),
            tuple(StoredWord(*item) for item in words),
        )

    async def save(
        self, chat_id: int, mode: str, checks: Mapping[str, Any], limits: Mapping[str, Any]
    ) -> None:
        """Store the group's mode, checks and limits (in their stored forms)."""
        await self._changing(chat_id)
        session = await self._uow.session()
        values = {
            "chat_id": chat_id,
            "mode": mode,
            "checks": {},
            "limits": {},
            "changed_at": utcnow(),
        }
        await insert_missing(session, ModerationSettingsRow.__table__, values)
        row = await session.get(ModerationSettingsRow, chat_id)
        assert row is not None
        row.mode = mode
        row.checks = dict(checks)
        row.limits = dict(limits)
        row.changed_at = utcnow()

    async def word_count(self, chat_id: int) -> int:
        """How many banned words the group has."""
        session = await self._uow.session()
        query = select(func.count()).where(BadWordRow.chat_id == chat_id)
        return int(await session.scalar(query) or 0)

    async def add_word(
        self, chat_id: int, word: str, match_key: str, is_regex: bool, actor_id: int | None
    ) -> bool:
        """Ban a word; False if the group bans it already."""
        await self._changing(chat_id)
        session = await self._uow.session()
        exists = await session.scalar(
            select(BadWordRow.id).where(
                BadWordRow.chat_id == chat_id,
                BadWordRow.match_key == match_key,
                BadWordRow.is_regex == is_regex,
            )
        )
        if exists is not None:
            return False
        values = {
            "chat_id": chat_id,
            "word": word,
            "match_key": match_key,
            "is_regex": is_regex,
            "created_by": actor_id,
            "created_at": utcnow(),
        }
        await insert_missing(session, BadWordRow.__table__, values)
        return True

    async def remove_word(self, chat_id: int, match_key: str, is_regex: bool) -> bool:
        """Unban a word; False if it was not banned."""
        await self._changing(chat_id)
        session = await self._uow.session()
        result = await session.execute(
            delete(BadWordRow).where(
                BadWordRow.chat_id == chat_id,
                BadWordRow.match_key == match_key,
                BadWordRow.is_regex == is_regex,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def domain_count(self, chat_id: int) -> int:
        """How many domains the group allows."""
        session = await self._uow.session()
        query = select(func.count()).where(AllowedDomainRow.chat_id == chat_id)
        return int(await session.scalar(query) or 0)

    async def add_domain(self, chat_id: int, domain: str, actor_id: int | None) -> bool:
        """Allow a domain; False if it is allowed already."""
        await self._changing(chat_id)
        session = await self._uow.session()
        if await session.get(AllowedDomainRow, (chat_id, domain)) is not None:
            return False
        values = {
            "chat_id": chat_id,
            "domain": domain,
            "added_by": actor_id,
            "created_at": utcnow(),
        }
        await insert_missing(session, AllowedDomainRow.__table__, values)
        return True

    async def remove_domain(self, chat_id: int, domain: str) -> bool:
        """Stop allowing a domain; False if it was not allowed."""
        await self._changing(chat_id)
        session = await self._uow.session()
        result = await session.execute(
            delete(AllowedDomainRow).where(
                AllowedDomainRow.chat_id == chat_id, AllowedDomainRow.domain == domain
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def _changing(self, chat_id: int) -> None:
        await ChatRepository(self._uow).ensure_exists(chat_id)
        self._uow.changing(rules_key(chat_id))
        self._uow.stored(rules_key(chat_id))
