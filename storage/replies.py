"""Keyword auto-reply rules per group, and their trigger counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from storage.models import ReplyRuleRow, utcnow
from storage.unit import UnitOfWork

# A group's rules as a cache checks them: (count, highest id, last change).
Signature = tuple[int, int | None, datetime | None]


@dataclass(frozen=True, slots=True)
class NewRule:
    """A checked rule to store: its trigger and its answers in stored form."""

    mode: str
    keyword: str
    match_key: str
    answers: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Hits:
    """How often a rule answered since the last flush, and when it last did."""

    count: int
    last: datetime


class ReplyRepository:
    """Auto-reply rules per group."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def in_chat(self, chat_id: int) -> list[ReplyRuleRow]:
        """A group's rules, oldest first."""
        session = await self._uow.session()
        query = select(ReplyRuleRow).where(ReplyRuleRow.chat_id == chat_id)
        return list(await session.scalars(query.order_by(ReplyRuleRow.id)))

    async def for_matching(self, chat_id: int) -> list[tuple[int, str, str, Any]]:
        """A group's rules as (id, mode, match key, answers): columns only, no ORM objects,
        as rebuilding a group's matcher after a change reads them all."""
        session = await self._uow.session()
        c = ReplyRuleRow.__table__.c
        query = select(c.id, c.mode, c.match_key, c.answers).where(c.chat_id == chat_id)
        return [tuple(row) for row in await session.execute(query.order_by(c.id))]  # type: ignore[misc]

    async def count(self, chat_id: int) -> int:
        """How many rules a group has."""
        session = await self._uow.session()
        query = select(func.count()).where(ReplyRuleRow.chat_id == chat_id)
        return int(await session.scalar(query) or 0)

    async def signature(self, chat_id: int) -> Signature:
        """What changes whenever a group's rules change, in one small query."""
        session = await self._uow.session()
        query = select(
            func.count(), func.max(ReplyRuleRow.id), func.max(ReplyRuleRow.changed_at)
        ).where(ReplyRuleRow.chat_id == chat_id)
        count, top, changed = (await session.execute(query)).one()
        return int(count), top, changed

    async def chats(self) -> set[int]:
        """Every group that has at least one rule."""
        session = await self._uow.session()
        return set(await session.scalars(select(ReplyRuleRow.chat_id).distinct()))

    async def get(self, chat_id: int, rule_id: int) -> ReplyRuleRow | None:
        """One of a group's rules by id."""
        session = await self._uow.session()
        row = await session.get(ReplyRuleRow, rule_id)
        return row if row is not None and row.chat_id == chat_id else None

    async def find(self, chat_id: int, mode: str, match_key: str) -> ReplyRuleRow | None:
        """The group's rule with this trigger, if any."""
        session = await self._uow.session()
        query = select(ReplyRuleRow).where(
            ReplyRuleRow.chat_id == chat_id,
            ReplyRuleRow.mode == mode,
            ReplyRuleRow.match_key == match_key,
        )
        return await session.scalar(query)

    async def with_key(self, chat_id: int, match_keys: Sequence[str]) -> list[ReplyRuleRow]:
        """A group's rules whose match key is one of ``match_keys``, in any mode."""
        session = await self._uow.session()
        query = select(ReplyRuleRow).where(
            ReplyRuleRow.chat_id == chat_id, ReplyRuleRow.match_key.in_(list(match_keys))
        )
        return list(await session.scalars(query.order_by(ReplyRuleRow.id)))

    async def add(self, chat_id: int, rule: NewRule, created_by: int) -> ReplyRuleRow:
        """Store a new rule."""
        session = await self._uow.session()
        now = utcnow()
        row = ReplyRuleRow(
            chat_id=chat_id,
            mode=rule.mode,
            keyword=rule.keyword,
            match_key=rule.match_key,
            answers=[dict(answer) for answer in rule.answers],
            created_by=created_by,
            hits=0,
            created_at=now,
            changed_at=now,
        )
        session.add(row)
        await session.flush()
        return row

    async def add_many(self, chat_id: int, rules: Sequence[NewRule], created_by: int) -> None:
        """Store many new rules in one statement."""
        if not rules:
            return
        session = await self._uow.session()
        now = utcnow()
        rows = [
            {
                "chat_id": chat_id,
                "mode": rule.mode,
                "keyword": rule.keyword,
                "match_key": rule.match_key,
                "answers": [dict(answer) for answer in rule.answers],
                "created_by": created_by,
                "hits": 0,
                "created_at": now,
                "changed_at": now,
            }
            for rule in rules
        ]
        await session.execute(insert(ReplyRuleRow.__table__), rows)

    def set_answers(self, row: ReplyRuleRow, answers: Sequence[Mapping[str, Any]]) -> None:
        """Replace a rule's answers (a new list, so the JSON column is seen as changed)."""
        row.answers = [dict(answer) for answer in answers]
        row.changed_at = utcnow()

    async def remove(self, rows: Sequence[ReplyRuleRow]) -> None:
        """Delete some rules."""
        if not rows:
            return
        session = await self._uow.session()
        await session.execute(delete(ReplyRuleRow).where(ReplyRuleRow.id.in_([r.id for r in rows])))

    async def clear(self, chat_id: int) -> int:
        """Delete all of a group's rules; return how many there were."""
        session = await self._uow.session()
        result = await session.execute(delete(ReplyRuleRow).where(ReplyRuleRow.chat_id == chat_id))
        return int(getattr(result, "rowcount", 0) or 0)

    async def add_hits(self, hits: Mapping[int, Hits]) -> None:
        """Add buffered trigger counts in one statement (rules deleted since are skipped)."""
        if not hits:
            return
        session = await self._uow.session()
        table = ReplyRuleRow.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("rule_id"))
            .values(hits=table.c.hits + bindparam("added"), last_hit_at=bindparam("last"))
        )
        rows = [{"rule_id": k, "added": v.count, "last": v.last} for k, v in hits.items()]
        await session.execute(statement, rows)
