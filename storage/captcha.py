"""Captcha storage: each group's captcha settings, and the captchas waiting for an answer.

A pending captcha is resolved exactly once: whoever resolves it (a press, its timer, a
start-up sweep, in this process or another) first deletes its row, and only the one whose
delete found the row acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from storage.models import CaptchaSettingsRow, PendingCaptchaRow
from storage.repositories import ChatRepository, cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_for, insert_missing

KIND = "captcha"


@dataclass(frozen=True, slots=True)
class StoredSettings:
    """A group's captcha settings as stored (a cached snapshot, not a row)."""

    enabled: bool = False
    mode: str = "button"
    seconds: int | None = None  # None: the configured default
    fail_action: str = "kick"


@dataclass(frozen=True, slots=True)
class PendingCaptcha:
    """A captcha waiting for its answer (a detached copy of its row)."""

    id: int
    chat_id: int
    user_id: int
    user_name: str
    chat_title: str
    kind: str
    mode: str
    message_chat_id: int
    message_id: int | None
    answer: int
    attempts_left: int
    fail_action: str
    deadline: datetime
    # The platform's handle on a join request (``JoinRequest.reference``); "" for joins.
    reference: str


@dataclass(frozen=True, slots=True)
class NewCaptcha:
    """What is stored when a captcha starts."""

    chat_id: int
    user_id: int
    user_name: str
    chat_title: str
    kind: str
    mode: str
    message_chat_id: int
    answer: int
    attempts_left: int
    fail_action: str
    deadline: datetime
    created_at: datetime
    reference: str = ""


_COLUMNS = [getattr(PendingCaptchaRow.__table__.c, f) for f in PendingCaptcha.__slots__]


def _pending(row: Any) -> PendingCaptcha:
    return PendingCaptcha(*(row[i] for i in range(len(PendingCaptcha.__slots__))))


class CaptchaRepository:
    """Captcha settings and pending captchas."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ------------------------------------------------------------------ settings

    async def load_known(self) -> None:
        """Tell the cache which groups have settings, so the others cost no query."""
        session = await self._uow.session()
        self._uow.cache.know(KIND, await session.scalars(select(CaptchaSettingsRow.chat_id)))

    async def settings(self, chat_id: int) -> StoredSettings:
        """The group's captcha settings, from the cache when possible."""

        async def load() -> StoredSettings:
            session = await self._uow.session()
            row = await session.get(CaptchaSettingsRow, chat_id)
            if row is None:
                return StoredSettings()
            return StoredSettings(row.enabled, row.mode, row.seconds, row.fail_action)

        return await cached_snapshot(self._uow, (KIND, chat_id), load, StoredSettings())

    async def change(self, chat_id: int, title: str, **values: Any) -> StoredSettings:
        """Change some settings of a group (creating its row); the settings after."""
        await ChatRepository(self._uow).ensure(chat_id, title)
        session = await self._uow.session()
        self._uow.changing((KIND, chat_id))
        row = await session.get(CaptchaSettingsRow, chat_id)
        if row is None:
            defaults = StoredSettings()
            await insert_missing(
                session,
                CaptchaSettingsRow.__table__,
                {
                    "chat_id": chat_id,
                    "enabled": defaults.enabled,
                    "mode": defaults.mode,
                    "seconds": defaults.seconds,
                    "fail_action": defaults.fail_action,
                },
            )
            self._uow.stored((KIND, chat_id))
            row = await session.get(CaptchaSettingsRow, chat_id)
            assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        return StoredSettings(row.enabled, row.mode, row.seconds, row.fail_action)

    # ------------------------------------------------------------------ pending captchas

    async def start(self, new: NewCaptcha) -> int | None:
        """Store a new pending captcha; its id, or None if the member has one already."""
        await ChatRepository(self._uow).ensure_exists(new.chat_id)
        session = await self._uow.session()
        values = {f: getattr(new, f) for f in NewCaptcha.__slots__}
        stmt = (
            insert_for(session)(PendingCaptchaRow.__table__)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(PendingCaptchaRow.__table__.c.id)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def set_message(self, pending_id: int, message_id: int) -> None:
        """Remember which message shows the challenge."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        await session.execute(
            update(table).where(table.c.id == pending_id).values(message_id=message_id)
        )

    async def get(self, pending_id: int) -> PendingCaptcha | None:
        """A pending captcha by id."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        row = (await session.execute(select(*_COLUMNS).where(table.c.id == pending_id))).first()
        return _pending(row) if row is not None else None

    def may_have_pending(self, chat_id: int) -> bool:
        """False for a group that never stored captcha settings: it cannot have a captcha."""
        return self._uow.cache.may_be_stored((KIND, chat_id))

    async def find(self, chat_id: int, user_id: int) -> PendingCaptcha | None:
        """A member's pending captcha in a group, if any."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        query = select(*_COLUMNS).where(table.c.chat_id == chat_id, table.c.user_id == user_id)
        row = (await session.execute(query)).first()
        return _pending(row) if row is not None else None

    async def claim(self, pending_id: int) -> PendingCaptcha | None:
        """Remove a pending captcha to resolve it; None if someone else resolved it first."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        stmt = delete(table).where(table.c.id == pending_id).returning(*_COLUMNS)
        row = (await session.execute(stmt)).first()
        return _pending(row) if row is not None else None

    async def retry(self, pending: PendingCaptcha, answer: int) -> bool:
        """Use up one attempt and set the new right answer; False if it changed meanwhile."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        stmt = (
            update(table)
            .where(table.c.id == pending.id, table.c.attempts_left == pending.attempts_left)
            .values(answer=answer, attempts_left=pending.attempts_left - 1)
        )
        return bool((await session.execute(stmt)).rowcount)

    async def deadlines(self) -> dict[int, datetime]:
        """The deadline of every pending captcha, by id (there are few at any time)."""
        session = await self._uow.session()
        table = PendingCaptchaRow.__table__
        query = select(table.c.id, table.c.deadline)
        return {row.id: row.deadline for row in await session.execute(query)}


async def awaiting_captcha(uow: UnitOfWork, chat_id: int, user_id: int) -> bool:
    """Whether a member's welcome must wait: their captcha is still unanswered.

    Groups without the captcha switched on cost no query (their settings are cached).
    """
    repo = CaptchaRepository(uow)
    if not (await repo.settings(chat_id)).enabled:
        return False
    return await repo.find(chat_id, user_id) is not None
