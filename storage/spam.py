"""Spam-filter storage: learned samples (shared by the bot's groups), settings, flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from storage.models import SpamFlagRow, SpamSampleRow, SpamSettingsRow
from storage.repositories import ChatRepository, cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_missing

MAX_SAMPLE_CHARS = 4_000


def _settings_key(chat_id: int) -> tuple[str, int]:
    return ("spam", chat_id)


async def load_known_spam_ids(uow: UnitOfWork) -> None:
    """Tell the cache which groups have spam settings, so the rest need no query."""
    session = await uow.session()
    uow.cache.know("spam", await session.scalars(select(SpamSettingsRow.chat_id)))


@dataclass(frozen=True, slots=True)
class SpamSettings:
    """A group's spam-filter settings as read (None: the configured default)."""

    enabled: bool = True
    scope: str | None = None
    threshold: float | None = None
    actions: str | None = None


@dataclass(frozen=True, slots=True)
class StoredSample:
    """A learned sample as read back."""

    id: int
    text: str
    spam: bool


class SpamRepository:
    """Samples, per-group settings and flagged messages."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ------------------------------------------------------------------ samples

    async def add_sample(
        self, digest: str, text: str, spam: bool, chat_id: int | None, actor_id: int | None
    ) -> int:
        """Store a verdict on a text, replacing an earlier one on the same text; its new id.

        A replaced verdict gets a new id, so other processes that read samples "after the
        last id they saw" pick the change up.
        """
        session = await self._uow.session()
        await session.execute(delete(SpamSampleRow).where(SpamSampleRow.digest == digest))
        row = SpamSampleRow(
            digest=digest,
            text=text[:MAX_SAMPLE_CHARS],
            spam=spam,
            chat_id=chat_id,
            actor_id=actor_id,
        )
        session.add(row)
        await session.flush()
        return row.id

    async def samples_after(self, last_id: int) -> list[StoredSample]:
        """Every sample stored after ``last_id``, oldest first."""
        session = await self._uow.session()
        query = (
            select(SpamSampleRow.id, SpamSampleRow.text, SpamSampleRow.spam)
            .where(SpamSampleRow.id > last_id)
            .order_by(SpamSampleRow.id)
        )
        return [StoredSample(i, text, spam) for i, text, spam in await session.execute(query)]

    # ------------------------------------------------------------------ settings

    async def settings(self, chat_id: int) -> SpamSettings:
        """The group's settings, from the cache when possible."""

        async def load() -> SpamSettings:
            session = await self._uow.session()
            row = await session.get(SpamSettingsRow, chat_id)
            if row is None:
                return SpamSettings()
            return SpamSettings(row.enabled, row.scope, row.threshold, row.actions)

        return await cached_snapshot(self._uow, _settings_key(chat_id), load, SpamSettings())

    async def edit_settings(self, chat_id: int) -> SpamSettingsRow:
        """The group's settings row, to change (created on first change)."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        key = _settings_key(chat_id)
        self._uow.changing(key)
        row = await session.get(SpamSettingsRow, chat_id)
        if row is None:
            await insert_missing(
                session, SpamSettingsRow.__table__, {"chat_id": chat_id, "enabled": True}
            )
            self._uow.stored(key)
            row = await session.get(SpamSettingsRow, chat_id)
            assert row is not None
        return row

    # ------------------------------------------------------------------ flags

    async def add_flag(
        self,
        chat_id: int,
        user_id: int,
        user_name: str,
        message_id: int | None,
        text: str,
        score: float,
        caught: bool,
        at: datetime,
    ) -> int:
        """Store a flagged message (the caller's unit commits it); its id."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        row = SpamFlagRow(
            chat_id=chat_id,
            user_id=user_id,
            user_name=user_name[:255],
            message_id=message_id,
            text=text[:MAX_SAMPLE_CHARS],
            score=score,
            caught=caught,
            status="open",
            created_at=at,
        )
        session.add(row)
        await session.flush()
        return row.id

    async def flag(self, flag_id: int) -> SpamFlagRow | None:
        """One flagged message."""
        session = await self._uow.session()
        return await session.get(SpamFlagRow, flag_id)

    async def resolve_flag(self, flag_id: int, status: str) -> bool:
        """Record the admins' verdict once; False if it was already decided."""
        session = await self._uow.session()
        result = await session.execute(
            update(SpamFlagRow)
            .where(SpamFlagRow.id == flag_id, SpamFlagRow.status == "open")
            .values(status=status)
        )
        return bool(getattr(result, "rowcount", 0))

    async def flags(self, chat_id: int) -> Sequence[SpamFlagRow]:
        """A group's flagged messages, newest first."""
        session = await self._uow.session()
        query = (
            select(SpamFlagRow)
            .where(SpamFlagRow.chat_id == chat_id)
            .order_by(SpamFlagRow.id.desc())
        )
        return list(await session.scalars(query))
