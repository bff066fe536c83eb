"""Invites: group reward settings, members' own links, and first joins with their payment.

A person has at most one row per group (a unique key), written at their first join the bot
sees; a payment is claimed by moving that row from ``pending`` to ``paid`` with a conditional
update in the transaction that writes the ledger, so no invitee is paid for twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from storage.models import (
    CheckinRow,
    InviteLinkRow,
    InviteRow,
    InviteSettingsRow,
    MemberRow,
    ModerationLogRow,
    TimedRestrictionRow,
)
from storage.repositories import cached_snapshot
from storage.unit import UnitOfWork
from storage.upsert import insert_for

# The snapshot cache's kind for a group's invite settings.
KIND = "invites"


@dataclass(frozen=True, slots=True)
class StoredInvites:
    """A group's stored invite rewards, as /setinvite left them."""

    enabled: bool
    points: int
    stay_days: int
    daily_cap: int
    require: str


# What the moderation does that takes a person out of a group for good.
REMOVALS = ("ban", "kick")


@dataclass(frozen=True, slots=True)
class Due:
    """A pending invite of a group with rewards on, with that group's settings."""

    id: int
    chat_id: int
    invitee_id: int
    invitee_name: str
    inviter_id: int
    inviter_name: str
    joined_at: datetime
    points: int
    stay_days: int
    daily_cap: int
    require: str


class InviteRepository:
    """The invite_settings, invite_links and invites tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # ---------------------------------------------------------------- settings

    async def load_known(self) -> None:
        """Tell the cache which groups set invites up, so the others cost no query."""
        session = await self._uow.session()
        self._uow.cache.know(KIND, await session.scalars(select(InviteSettingsRow.chat_id)))

    async def settings(self, chat_id: int) -> StoredInvites | None:
        """The group's stored invite rewards, if /setinvite ever ran (a cached snapshot)."""

        async def load() -> StoredInvites | None:
            session = await self._uow.session()
            row = await session.get(InviteSettingsRow, chat_id, populate_existing=True)
            if row is None:
                return None
            return StoredInvites(row.enabled, row.points, row.stay_days, row.daily_cap, row.require)

        return await cached_snapshot(self._uow, (KIND, chat_id), load, None)

    async def save_settings(self, chat_id: int, values: Mapping[str, Any]) -> None:
        """Store the group's invite rewards (enabled, points, stay_days, daily_cap, require)."""
        self._uow.changing((KIND, chat_id))
        self._uow.stored((KIND, chat_id))
        session = await self._uow.session()
        stmt = insert_for(session)(InviteSettingsRow.__table__).values(chat_id=chat_id, **values)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["chat_id"], set_=dict(values))
        )

    # ---------------------------------------------------------------- links

    async def link_of(self, chat_id: int, user_id: int) -> str | None:
        """The member's own invite link of the group, if they have one."""
        session = await self._uow.session()
        query = select(InviteLinkRow.link).where(
            InviteLinkRow.chat_id == chat_id, InviteLinkRow.user_id == user_id
        )
        return await session.scalar(query)

    async def save_link(self, chat_id: int, user_id: int, link: str, now: datetime) -> None:
        """Keep the member's new invite link (replacing an older one)."""
        session = await self._uow.session()
        row = {"chat_id": chat_id, "user_id": user_id, "link": link, "created_at": now}
        stmt = insert_for(session)(InviteLinkRow.__table__).values(**row)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["chat_id", "user_id"], set_={"link": link, "created_at": now}
            )
        )

    async def drop_link(self, chat_id: int, user_id: int) -> None:
        """Forget the member's invite link (after revoking it)."""
        session = await self._uow.session()
        await session.execute(
            delete(InviteLinkRow).where(
                InviteLinkRow.chat_id == chat_id, InviteLinkRow.user_id == user_id
            )
        )

    async def owner_of(self, chat_id: int, link: str) -> int | None:
        """Whose invite link of the group ``link`` is."""
        session = await self._uow.session()
        query = select(InviteLinkRow.user_id).where(
            InviteLinkRow.chat_id == chat_id, InviteLinkRow.link == link
        )
        return await session.scalar(query)

    # ---------------------------------------------------------------- joins

    async def known(self, chat_id: int, user_id: int, joined_at: datetime) -> bool:
        """Whether the person was seen in the group before joining at ``joined_at`` (a member
        row from earlier, or an invite row)."""
        session = await self._uow.session()
        # The activity flush may store this very join first: only an earlier sighting counts.
        seen = select(MemberRow.user_id).where(
            MemberRow.chat_id == chat_id,
            MemberRow.user_id == user_id,
            MemberRow.first_seen < joined_at,
        )
        if await session.scalar(seen) is not None:
            return True
        query = select(InviteRow.id).where(
            InviteRow.chat_id == chat_id, InviteRow.invitee_id == user_id
        )
        return await session.scalar(query) is not None

    async def record_join(self, row: Mapping[str, Any]) -> bool:
        """Write a person's first join; False if the group already has a row for them."""
        session = await self._uow.session()
        stmt = insert_for(session)(InviteRow.__table__).values(**row).on_conflict_do_nothing()
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def relink(self, chat_id: int, invitee_id: int, values: Mapping[str, Any]) -> bool:
        """Credit a join recorded with no known source (``values``: its new inviter, source,
        link and status); False if there is none such (already credited, or paid)."""
        session = await self._uow.session()
        table = InviteRow.__table__
        stmt = (
            update(table)
            .where(
                table.c.chat_id == chat_id,
                table.c.invitee_id == invitee_id,
                table.c.source == "unknown",
            )
            .values(**values)
        )
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def mark_left(self, chat_id: int, invitee_id: int) -> bool:
        """A pending invitee left: their inviter will never be paid for them."""
        session = await self._uow.session()
        table = InviteRow.__table__
        result = await session.execute(
            update(table)
            .where(
                table.c.chat_id == chat_id,
                table.c.invitee_id == invitee_id,
                table.c.status == "pending",
            )
            .values(status="left")
        )
        return bool(getattr(result, "rowcount", 0))

    # ---------------------------------------------------------------- payment

    async def due(self, joined_before: datetime, limit: int) -> list[Due]:
        """Pending invites of groups with rewards on, joined before a moment, oldest first."""
        session = await self._uow.session()
        s = InviteSettingsRow
        query = (
            select(
                InviteRow.id,
                InviteRow.chat_id,
                InviteRow.invitee_id,
                InviteRow.invitee_name,
                InviteRow.inviter_id,
                InviteRow.inviter_name,
                InviteRow.joined_at,
                s.points,
                s.stay_days,
                s.daily_cap,
                s.require,
            )
            .join(s, s.chat_id == InviteRow.chat_id)
            .where(
                InviteRow.status == "pending",
                InviteRow.joined_at <= joined_before,
                s.enabled.is_(True),
            )
            .order_by(InviteRow.joined_at, InviteRow.id)
            .limit(limit)
        )
        return [Due(*row) for row in await session.execute(query)]

    async def posted(self, chat_id: int, user_id: int) -> bool:
        """Whether the member has a message counted (members are stored at their first join)."""
        session = await self._uow.session()
        query = select(MemberRow.message_count).where(
            MemberRow.chat_id == chat_id, MemberRow.user_id == user_id
        )
        return bool(await session.scalar(query))

    async def checked_in(self, chat_id: int, user_id: int, since: date) -> bool:
        """Whether the member checked in on some day from ``since`` on."""
        session = await self._uow.session()
        query = select(func.count()).where(
            CheckinRow.chat_id == chat_id, CheckinRow.user_id == user_id, CheckinRow.day >= since
        )
        return bool(await session.scalar(query))

    async def left_since(self, chat_id: int, user_id: int, since: datetime) -> bool:
        """Whether the members table has the person gone since a moment (a leave missed)."""
        session = await self._uow.session()
        query = select(MemberRow.left_at).where(
            MemberRow.chat_id == chat_id, MemberRow.user_id == user_id
        )
        left_at = await session.scalar(query)
        return left_at is not None and left_at >= since

    async def removed(self, chat_id: int, user_id: int, since: datetime) -> bool:
        """Whether the moderation banned or kicked the person since a moment, or bans them."""
        session = await self._uow.session()
        logged = select(func.count()).where(
            ModerationLogRow.chat_id == chat_id,
            ModerationLogRow.target_id == user_id,
            ModerationLogRow.action.in_(REMOVALS),
            ModerationLogRow.created_at >= since,
        )
        banned = select(func.count()).where(
            TimedRestrictionRow.chat_id == chat_id,
            TimedRestrictionRow.user_id == user_id,
            TimedRestrictionRow.kind == "ban",
        )
        return bool(await session.scalar(logged)) or bool(await session.scalar(banned))

    async def paid_since(self, chat_id: int, inviter_id: int, since: datetime) -> int:
        """How many invitees the inviter was paid for since a moment (the daily cap)."""
        session = await self._uow.session()
        query = select(func.count()).where(
            InviteRow.chat_id == chat_id,
            InviteRow.inviter_id == inviter_id,
            InviteRow.status == "paid",
            InviteRow.paid_at >= since,
        )
        return int(await session.scalar(query) or 0)

    async def claim(self, invite_id: int, points: int, now: datetime) -> bool:
        """Mark a pending invite paid; False if it is not pending any more."""
        session = await self._uow.session()
        table = InviteRow.__table__
        result = await session.execute(
            update(table)
            .where(table.c.id == invite_id, table.c.status == "pending")
            .values(status="paid", points=points, paid_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def close(self, invite_id: int, status: str) -> None:
        """End a pending invite without payment (``left`` or ``removed``)."""
        session = await self._uow.session()
        table = InviteRow.__table__
        await session.execute(
            update(table)
            .where(table.c.id == invite_id, table.c.status == "pending")
            .values(status=status)
        )

    # ---------------------------------------------------------------- reading

    async def of_inviter(self, chat_id: int, inviter_id: int, limit: int) -> list[InviteRow]:
        """The inviter's invitees, newest first."""
        session = await self._uow.session()
        query = (
            select(InviteRow)
            .where(InviteRow.chat_id == chat_id, InviteRow.inviter_id == inviter_id)
            .order_by(InviteRow.joined_at.desc(), InviteRow.id.desc())
            .limit(limit)
        )
        return list(await session.scalars(query))

    async def top(
        self, chat_id: int, since: datetime | None, limit: int
    ) -> list[tuple[int, str, int, int]]:
        """Inviters by invitees who stayed (pending or paid) since a moment: id, name, count,
        paid count; most first."""
        session = await self._uow.session()
        paid = func.sum(func.cast(InviteRow.status == "paid", InviteRow.points.type))
        count = func.count().label("invited")
        query = (
            select(InviteRow.inviter_id, func.max(InviteRow.inviter_name), count, paid)
            .where(
                InviteRow.chat_id == chat_id,
                InviteRow.inviter_id.is_not(None),
                InviteRow.status.in_(("pending", "paid", "off")),
            )
            .group_by(InviteRow.inviter_id)
            .order_by(count.desc(), InviteRow.inviter_id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(InviteRow.joined_at >= since)
        return [(u, n or "", int(c), int(p or 0)) for u, n, c, p in await session.execute(query)]

    async def sources(self, chat_id: int, since: datetime, until: datetime) -> dict[str, int]:
        """First joins of the group in a period by source (link, added, unknown)."""
        session = await self._uow.session()
        query = (
            select(InviteRow.source, func.count())
            .where(
                InviteRow.chat_id == chat_id,
                InviteRow.joined_at >= since,
                InviteRow.joined_at < until,
            )
            .group_by(InviteRow.source)
        )
        return {source: int(n) for source, n in await session.execute(query)}
