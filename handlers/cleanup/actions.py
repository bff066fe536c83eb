"""Storage and platform work shared by the cleanup commands and the daily job."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.runtime import Runtime
from handlers.cleanup.removal import RemovalReport, StillSilent
from handlers.cleanup.rules import (
    Exemptions,
    Member,
    joined_cutoff,
    never_seen,
    never_seen_are_silent,
    select_inactive,
    silence_cutoff,
)
from storage.cleanup import CleanupRepository, SilentFilter, SilentRow
from storage.moderation import approved_ids
from storage.unit import UnitOfWork


def to_member(row: SilentRow) -> Member:
    """A stored silent member as the rules see it (the columns come in Member's order)."""
    return Member._make(row)


async def exemptions(
    runtime: Runtime, uow: UnitOfWork, chat_id: int, exempted: Collection[int] | None = None
) -> Exemptions:
    """Who is exempt in a group now: admins, owners, the allow list, /exempt, newcomers.

    ``exempted`` may be given when the caller read it already (for many groups at once).
    """
    admins = await runtime.admins.get(chat_id)
    approved = await approved_ids(uow, chat_id)
    if exempted is None:
        exempted = {row.user_id for row in await CleanupRepository(uow).exempted(chat_id)}
    days = runtime.settings.cleanup.new_member_days
    # The group's creator is among its admins; the bot's owners and the bot count too.
    protected = frozenset(admins) | runtime.own_ids | runtime.settings.bot.all_owner_ids
    return Exemptions(protected, frozenset(approved), frozenset(exempted), days)


def silent_filter(chat_id: int, exempt: Exemptions, now: datetime, days: int) -> SilentFilter:
    """The query filter matching the rules for members silent ``days`` days."""
    return SilentFilter(
        chat_id,
        silence_cutoff(now, days),
        joined_cutoff(now, exempt),
        exempt.admins | exempt.approved,
    )


async def candidates(
    uow: UnitOfWork, chat_id: int, exempt: Exemptions, now: datetime, days: int
) -> list[Member]:
    """Every removable member silent ``days`` days, oldest silence first.

    The query narrows by index; the pure rules have the last word on each row.
    """
    rows = await CleanupRepository(uow).silent(silent_filter(chat_id, exempt, now, days))
    return select_inactive((to_member(r) for r in rows), exempt, now, days)


async def candidates_many(
    runtime: Runtime, uow: UnitOfWork, days_by_chat: Mapping[int, int], now: datetime
) -> dict[int, list[Member]]:
    """``candidates`` for many groups with a handful of queries (the daily job's selection).

    Groups with the same number of days share one query; each group's admins and allow list
    then go through the pure rules, like everything else.
    """
    repo = CleanupRepository(uow)
    chats = list(days_by_chat)
    exempted = await repo.exempted_in(chats)
    newcomer = timedelta(days=runtime.settings.cleanup.new_member_days)
    found: dict[int, list[Member]] = {}
    for days in sorted(set(days_by_chat.values())):
        same = [chat_id for chat_id, d in days_by_chat.items() if d == days]
        rows = await repo.silent_in(same, silence_cutoff(now, days), now - newcomer)
        for chat_id in same:
            exempt = await exemptions(runtime, uow, chat_id, exempted[chat_id])
            members = (to_member(r) for r in rows[chat_id])
            found[chat_id] = select_inactive(members, exempt, now, days)
    return found


@dataclass(frozen=True, slots=True)
class NeverSeen:
    """Members the platform counts that the bot never saw."""

    count: int
    # Whether they count as silent for the days asked (the bot has been there long enough).
    silent: bool
    since: datetime | None


async def never_seen_members(
    runtime: Runtime, uow: UnitOfWork, chat_id: int, now: datetime, days: int
) -> NeverSeen:
    """How many members the bot never saw, and whether they count as silent ``days`` days."""
    repo = CleanupRepository(uow)
    total = await runtime.port.member_count(chat_id)
    # The group's admins and the bot are in the count but are no silent members (the
    # bot's owners, exempt too, need not be in the group at all).
    others = frozenset(await runtime.admins.get(chat_id)) | runtime.own_ids_on(chat_id)
    present, found = await repo.present(chat_id, others)
    count = never_seen(total, present, len(others) - found)
    since = await repo.bot_joined_at(chat_id)
    grace = runtime.settings.cleanup.never_seen_grace_days
    return NeverSeen(count, never_seen_are_silent(since, now, days, grace), since)


# When a member was seen by this process but not stored yet (the activity buffer).
PendingSeen = Callable[[int, int], datetime | None]


def silence_check(runtime: Runtime, chat_id: int, pending: PendingSeen | None) -> StillSilent:
    """A check that a listed member has not been seen since the list was made.

    Activity is stored every few seconds: what this process saw and has not stored yet
    counts too, so a member who just spoke is never removed for the flush's delay.
    """

    async def still_silent(member: Member) -> bool:
        buffered = pending(chat_id, member.user_id) if pending is not None else None
        if buffered is not None and buffered > member.last_seen:
            return False
        async with runtime.store.unit() as uow:
            seen = await CleanupRepository(uow).last_seen(chat_id, member.user_id)
        return seen is None or seen <= member.last_seen

    return still_silent


async def record_removals(
    uow: UnitOfWork, chat_id: int, report: RemovalReport, now: datetime
) -> None:
    """Store who is gone now, and drop their warnings."""
    gone = [m.user_id for m in report.removed] + report.gone
    repo = CleanupRepository(uow)
    await repo.mark_left(chat_id, gone, now)
    await repo.drop_warnings(chat_id, gone)
