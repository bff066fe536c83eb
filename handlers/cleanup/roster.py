"""Seeding the members table from the platform's member list before the silent are chosen.

Where the platform lists a whole group at once (QQ's ``get_group_member_list``, with join and
last message times), members silent since before the bot arrived count at once instead of
only as "never seen". The list is fetched at most once per ``cleanup.roster_refresh_hours``
per group; when it was last fetched is kept in memory: losing it on a restart costs one more
call per group, while keeping it in the store would cost a migration and a write per fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cachetools import TTLCache

from core.chat import ChatActionError, RosterEntry
from core.runtime import Runtime
from storage.repositories import ListedMember, MemberRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

# Groups whose fetch time is remembered; beyond this the least recent are fetched again.
REMEMBERED_GROUPS = 10_000


def listed(roster: Sequence[RosterEntry]) -> list[ListedMember]:
    """The member list as the store takes it."""
    return [
        ListedMember(
            e.user.id, e.user.name, e.user.username, e.user.is_bot, e.joined_at, e.last_seen
        )
        for e in roster
    ]


class RosterSeeder:
    """Fetches a group's member list when it is due and stores it in one transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        ttl = runtime.settings.cleanup.roster_refresh_hours * 3600
        # The cache's timer is the runtime's clock, so moving it in a test expires fetches.
        self._fetched: TTLCache[int, bool] = TTLCache(
            maxsize=REMEMBERED_GROUPS, ttl=ttl, timer=lambda: runtime.now().timestamp()
        )

    async def refresh(self, uow: UnitOfWork, chat_id: int) -> bool:
        """Seed a group's members from its member list unless fetched lately; True if stored.

        ``uow`` must not have written anything yet: the seeding commits it. A platform that
        cannot list members is not asked again until the refresh time passes; a failed
        listing is logged, asked again next time, and the caller goes on with what the store
        has.
        """
        if chat_id in self._fetched:
            return False
        try:
            roster = await self._runtime.port.roster(chat_id)
        except ChatActionError as error:
            log.warning("chat %s: no member list to seed inactivity from: %s", chat_id, error)
            return False
        if roster:
            async with uow.alone():
                await MemberRepository(uow).seed(chat_id, listed(roster), self._runtime.now())
                await uow.commit()
            log.debug("chat %s: seeded %d members from the member list", chat_id, len(roster))
        self._fetched[chat_id] = True
        return bool(roster)
