"""Enforcement storage: the allow list, warnings, timed restrictions, the log and reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from storage.models import (
    ApprovedMemberRow,
    EnforcementSettingsRow,
    MemberRow,
    ModerationLogRow,
    ReportRow,
    TimedRestrictionRow,
    WarningRow,
)
from storage.repositories import ChatRepository, cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_missing, upsert

MAX_DETAIL = 500
MAX_TEXT = 500
# A report's ``handled_action`` when its message was removed before an admin pressed.
REMOVED = "removed"


def _approved_key(chat_id: int) -> tuple[str, int]:
    return ("approved", chat_id)


def _settings_key(chat_id: int) -> tuple[str, int]:
    return ("enforcement", chat_id)


async def approved_ids(uow: UnitOfWork, chat_id: int) -> frozenset[int]:
    """The group's allow list (/approve), from the cache once loaded."""

    async def load() -> frozenset[int]:
        session = await uow.session()
        query = select(ApprovedMemberRow.user_id).where(ApprovedMemberRow.chat_id == chat_id)
        return frozenset(await session.scalars(query))

    return await cached_snapshot(uow, _approved_key(chat_id), load, frozenset())


async def load_known_ids(uow: UnitOfWork) -> None:
    """Tell the cache which groups have an allow list or settings, so others need no query."""
    session = await uow.session()
    approved = await session.scalars(select(ApprovedMemberRow.chat_id).distinct())
    uow.cache.know("approved", approved)
    uow.cache.know("enforcement", await session.scalars(select(EnforcementSettingsRow.chat_id)))


@dataclass(frozen=True, slots=True)
class EnforcementSettings:
    """A group's enforcement settings as read (None: the configured default)."""

    warn_expiry: int | None = None
    warn_ladder: str | None = None
    log_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the moderation log, to be stored."""

    chat_id: int
    action: str
    actor_id: int | None = None
    target_id: int | None = None
    target_name: str = ""
    reason: str = ""
    detail: str = ""
    seconds: int | None = None
    message_id: int | None = None
    message_text: str = ""
    dry_run: bool = False
    # Not stored: the actor's name when the caller has it at hand, for the lines shown now.
    actor_name: str = ""


@dataclass(frozen=True, slots=True)
class Restriction:
    """A mute or ban and when it ends (None: a ban without end)."""

    chat_id: int
    user_id: int
    kind: str
    until: datetime | None


class ModerationRepository:
    """The enforcement tables of every group."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ------------------------------------------------------------------ allow list

    async def approve(self, chat_id: int, user_id: int, name: str, by: int | None) -> bool:
        """Put a member on the allow list; False if they were on it already."""
        if user_id in await approved_ids(self._uow, chat_id):
            return False
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        self._uow.changing(_approved_key(chat_id))
        row = {"chat_id": chat_id, "user_id": user_id, "name": name[:255], "added_by": by}
        await insert_missing(session, ApprovedMemberRow.__table__, row)
        self._uow.stored(_approved_key(chat_id))
        return True

    async def unapprove(self, chat_id: int, user_id: int) -> bool:
        """Take a member off the allow list; False if they were not on it."""
        session = await self._uow.session()
        self._uow.changing(_approved_key(chat_id))
        result = await session.execute(
            delete(ApprovedMemberRow).where(
                ApprovedMemberRow.chat_id == chat_id, ApprovedMemberRow.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def approved(self, chat_id: int) -> list[ApprovedMemberRow]:
        """The allow list, oldest first."""
        session = await self._uow.session()
        query = (
            select(ApprovedMemberRow)
            .where(ApprovedMemberRow.chat_id == chat_id)
            .order_by(ApprovedMemberRow.created_at, ApprovedMemberRow.user_id)
        )
        return list(await session.scalars(query))

    # ------------------------------------------------------------------ settings

    async def settings(self, chat_id: int) -> EnforcementSettings:
        """The group's enforcement settings, from the cache when possible."""

        async def load() -> EnforcementSettings:
            session = await self._uow.session()
            row = await session.get(EnforcementSettingsRow, chat_id)
            if row is None:
                return EnforcementSettings()
            return EnforcementSettings(row.warn_expiry, row.warn_ladder, row.log_chat_id)

        key = _settings_key(chat_id)
        return await cached_snapshot(self._uow, key, load, EnforcementSettings())

    async def edit_settings(self, chat_id: int) -> EnforcementSettingsRow:
        """The group's settings row, to change (created on first change)."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        key = _settings_key(chat_id)
        self._uow.changing(key)
        row = await session.get(EnforcementSettingsRow, chat_id)
        if row is None:
            await insert_missing(session, EnforcementSettingsRow.__table__, {"chat_id": chat_id})
            self._uow.stored(key)
            row = await session.get(EnforcementSettingsRow, chat_id)
            assert row is not None
        return row

    # ------------------------------------------------------------------ warnings

    async def add_warning(
        self, chat_id: int, user_id: int, reason: str, actor_id: int | None, at: datetime
    ) -> None:
        """Store a warning given at ``at``."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        # A Core insert: no ORM object is needed, and it skips the unit-of-work flush.
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "reason": reason[:200],
            "actor_id": actor_id,
            "created_at": at,
        }
        await session.execute(insert(WarningRow.__table__), [row])

    async def warnings(self, chat_id: int, user_id: int, since: datetime) -> list[WarningRow]:
        """A member's warnings given after ``since`` (the active ones), oldest first."""
        session = await self._uow.session()
        query = (
            select(WarningRow)
            .where(
                WarningRow.chat_id == chat_id,
                WarningRow.user_id == user_id,
                WarningRow.created_at > since,
            )
            .order_by(WarningRow.created_at, WarningRow.id)
        )
        return list(await session.scalars(query))

    async def count_warnings(self, chat_id: int, user_id: int, since: datetime) -> int:
        """How many warnings a member was given after ``since``."""
        session = await self._uow.session()
        query = select(func.count(WarningRow.id)).where(
            WarningRow.chat_id == chat_id,
            WarningRow.user_id == user_id,
            WarningRow.created_at > since,
        )
        return int(await session.scalar(query) or 0)

    async def remove_latest_warning(self, chat_id: int, user_id: int, since: datetime) -> bool:
        """Take back a member's most recent active warning; False if they have none."""
        rows = await self.warnings(chat_id, user_id, since)
        if not rows:
            return False
        session = await self._uow.session()
        await session.delete(rows[-1])
        await session.flush()
        return True

    async def reset_warnings(self, chat_id: int, user_id: int) -> int:
        """Remove all of a member's warnings; how many there were."""
        session = await self._uow.session()
        result = await session.execute(
            delete(WarningRow).where(WarningRow.chat_id == chat_id, WarningRow.user_id == user_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # ------------------------------------------------------------------ timed restrictions

    async def restrict_until(
        self, chat_id: int, user_id: int, kind: str, until: datetime | None
    ) -> None:
        """Remember that a mute or ban ends at ``until`` (None: a ban without end), replacing
        an earlier end."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        row = {"chat_id": chat_id, "user_id": user_id, "kind": kind, "until": until}
        await upsert(
            session,
            TimedRestrictionRow.__table__,
            [row],
            ("chat_id", "user_id", "kind"),
            lambda _, new: {"until": new.until},
        )

    async def forget_restriction(self, chat_id: int, user_id: int, kind: str) -> bool:
        """Drop a stored mute or ban (lifted, or a mute made permanent); False if none."""
        session = await self._uow.session()
        result = await session.execute(
            delete(TimedRestrictionRow).where(
                TimedRestrictionRow.chat_id == chat_id,
                TimedRestrictionRow.user_id == user_id,
                TimedRestrictionRow.kind == kind,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def restriction(self, chat_id: int, user_id: int, kind: str) -> Restriction | None:
        """One stored mute or ban, if any."""
        session = await self._uow.session()
        row = await session.get(TimedRestrictionRow, (chat_id, user_id, kind))
        return None if row is None else Restriction(row.chat_id, row.user_id, row.kind, row.until)

    async def restrictions(self, *, before: datetime | None = None) -> list[Restriction]:
        """Every restriction with an end (ending before ``before``, if given), soonest first."""
        session = await self._uow.session()
        query = (
            select(TimedRestrictionRow)
            .where(TimedRestrictionRow.until.is_not(None))
            .order_by(TimedRestrictionRow.until)
        )
        if before is not None:
            query = query.where(TimedRestrictionRow.until < before)
        rows = await session.scalars(query)
        return [Restriction(r.chat_id, r.user_id, r.kind, r.until) for r in rows]

    # ------------------------------------------------------------------ log

    async def log(self, entries: Sequence[LogEntry]) -> None:
        """Append lines to the moderation log."""
        if not entries:
            return
        for chat_id in {entry.chat_id for entry in entries}:
            await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        rows = [
            {
                "chat_id": e.chat_id,
                "actor_id": e.actor_id,
                "target_id": e.target_id,
                "target_name": e.target_name[:255],
                "action": e.action[:16],
                "reason": e.reason[:32],
                "detail": e.detail[:MAX_DETAIL],
                "seconds": e.seconds,
                "message_id": e.message_id,
                "message_text": e.message_text[:MAX_TEXT],
                "dry_run": e.dry_run,
            }
            for e in entries
        ]
        await session.execute(insert(ModerationLogRow.__table__), rows)

    async def recent_log(self, chat_id: int, limit: int) -> list[ModerationLogRow]:
        """The group's latest log lines, newest first."""
        session = await self._uow.session()
        query = (
            select(ModerationLogRow)
            .where(ModerationLogRow.chat_id == chat_id)
            .order_by(ModerationLogRow.id.desc())
            .limit(limit)
        )
        return list(await session.scalars(query))

    # ------------------------------------------------------------------ reports

    async def add_report(
        self,
        chat_id: int,
        reporter_id: int | None,
        target_id: int,
        target_name: str,
        message_id: int | None,
        message_text: str,
        at: datetime,
    ) -> int:
        """Store a report; its id (for the buttons' callback data)."""
        await ChatRepository(self._uow).ensure_exists(chat_id)
        session = await self._uow.session()
        row = ReportRow(
            chat_id=chat_id,
            reporter_id=reporter_id,
            target_id=target_id,
            target_name=target_name[:255],
            message_id=message_id,
            message_text=message_text[:MAX_TEXT],
            created_at=at,
        )
        session.add(row)
        await session.flush()
        return row.id

    async def close_reports(self, chat_id: int, message_id: int, by: int) -> int:
        """Mark the open reports of a removed message handled (``REMOVED``); how many."""
        session = await self._uow.session()
        result = await session.execute(
            update(ReportRow)
            .where(
                ReportRow.chat_id == chat_id,
                ReportRow.message_id == message_id,
                ReportRow.handled_by.is_(None),
            )
            .values(handled_by=by, handled_action=REMOVED)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def report(self, report_id: int) -> ReportRow | None:
        """One report."""
        session = await self._uow.session()
        return await session.get(ReportRow, report_id)

    async def reports_since(self, chat_id: int, reporter_id: int, since: datetime) -> int:
        """How many reports a member made in a group after ``since``."""
        session = await self._uow.session()
        query = select(func.count(ReportRow.id)).where(
            ReportRow.chat_id == chat_id,
            ReportRow.reporter_id == reporter_id,
            ReportRow.created_at > since,
        )
        return int(await session.scalar(query) or 0)

    async def handle_report(self, report_id: int, by: int, action: str) -> bool:
        """Mark a report handled; False if an admin handled it already (two quick presses)."""
        session = await self._uow.session()
        result = await session.execute(
            update(ReportRow)
            .where(ReportRow.id == report_id, ReportRow.handled_by.is_(None))
            .values(handled_by=by, handled_action=action)
        )
        return bool(getattr(result, "rowcount", 0))


async def find_member(
    uow: UnitOfWork, chat_id: int, user_id: int | None, username: str | None
) -> MemberRow | None:
    """A member the bot has seen in a group, by id or by @username (case-insensitive)."""
    session = await uow.session()
    if user_id is not None:
        return await session.get(MemberRow, (chat_id, user_id))
    if not username:
        return None
    query = (
        select(MemberRow)
        .where(MemberRow.chat_id == chat_id, func.lower(MemberRow.username) == username.lower())
        .order_by(MemberRow.last_seen.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def member_names(uow: UnitOfWork, chat_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """The names of the given members the bot has seen in a group."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    session = await uow.session()
    query = select(MemberRow.user_id, MemberRow.name).where(
        MemberRow.chat_id == chat_id, MemberRow.user_id.in_(ids)
    )
    return {user_id: name for user_id, name in (await session.execute(query)).all() if name}
