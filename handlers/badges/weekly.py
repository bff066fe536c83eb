"""The weekly top-3 badge: once a week ends, its three biggest earners in each group get it.

A TimedSource: the leading process looks every ``badges.weekly_seconds`` for groups whose
last full week (Monday to Sunday in the group's time zone) has no award yet. Claiming the
week (a badge_weeks row) and granting the badges are one transaction, so each group's week
is awarded exactly once, across restarts and processes; a pass after downtime catches up.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from core.context import chat_language
from core.events import User
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text, mention
from handlers.badges.names import badge_label
from handlers.badges.rules import last_full_week
from storage.badges import WEEKLY_TOP3, BadgeRepository
from storage.points import PointsRepository
from storage.repositories import ChatRepository

log = logging.getLogger(__name__)

JOB = "badges:weekly"
TOP = 3


class WeeklyTop:
    """Awards each group's weekly top 3 while this process leads."""

    name = "badges"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def lead(self) -> None:
        """Catch up on weeks that ended while nobody led, then look again periodically."""
        await self.run()
        self.runtime.scheduler.every(JOB, self.runtime.settings.badges.weekly_seconds, self.run)

    async def unlead(self) -> None:
        """Stop looking."""
        self.runtime.scheduler.cancel(JOB)

    async def run(self) -> None:
        """One pass over the groups where someone earned points in the last two weeks."""
        now = self.runtime.now()
        async with self.runtime.store.unit() as uow:
            groups = await BadgeRepository(uow).earning_groups(now - timedelta(days=15))
        for chat_id in groups:
            try:
                await self.award(chat_id, now)
            except Exception:
                log.exception("weekly badges of chat %s failed", chat_id)

    async def award(self, chat_id: int, now: datetime) -> list[int]:
        """Award a group's last full week unless done already; the members who got the badge."""
        runtime = self.runtime
        async with runtime.store.unit() as uow, uow.alone():
            tz = runtime.timezone((await ChatRepository(uow).settings(chat_id)).timezone)
            week = last_full_week(now.astimezone(tz).date())
            start = datetime.combine(week, time(), tzinfo=tz)
            end = datetime.combine(week + timedelta(days=7), time(), tzinfo=tz)
            repo = BadgeRepository(uow)
            if not await repo.claim_week(chat_id, week, now):
                return []
            top = await repo.top_earners(chat_id, start, end, TOP, runtime.stand_ins)
            reason = week.isoformat()
            granted = [
                u for u, _ in top if await repo.grant(chat_id, u, WEEKLY_TOP3, None, reason, now)
            ]
            names = await PointsRepository(uow).names(chat_id, [u for u, _ in top])
            language = await chat_language(uow, chat_id, runtime.settings.bot.default_language)
            await uow.commit()
        if top:
            await self._announce(chat_id, language, week.isoformat(), top, names)
        return granted

    async def _announce(
        self,
        chat_id: int,
        language: str,
        week: str,
        top: list[tuple[int, int]],
        names: dict[int, str],
    ) -> None:
        t = self.runtime.translator
        winners = Text(t.plain(language, "badges.separator")).join(
            mention(User(user_id, names.get(user_id, "") or "?")) for user_id, _ in top
        )
        badge = badge_label(t, language, WEEKLY_TOP3)
        text = t(language, "badges.weekly", week=week, members=winners, badge=badge)
        await reply_later(self.runtime.port, chat_id, text)
