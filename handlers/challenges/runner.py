"""The timed side of challenges: pay who reached a target, and close each window once.

A TimedSource: while this process leads, a pass every ``challenges.pass_seconds`` settles
every open challenge (``settle``), and once a window's last day is over (plus
``settle_seconds`` for buffered message counts) settles it a last time, claims its summary
and posts who completed it. Claim and last settling are one transaction, so the summary is
posted once, across restarts and processes; a pass after downtime catches up.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from core.context import chat_language
from core.events import User
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text, mention
from handlers.challenges.settle import settle
from storage.challenges import ChallengeRepository
from storage.models import ChallengeRow
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.stats import StatsRepository

log = logging.getLogger(__name__)

JOB = "challenges:pass"
SHOWN = 50  # completers named in a summary


class ChallengeRunner:
    """Settles and closes challenges while this process leads."""

    name = "challenges"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def lead(self) -> None:
        """Catch up now, then pass periodically."""
        await self.run()
        self.runtime.scheduler.every(JOB, self.runtime.settings.challenges.pass_seconds, self.run)

    async def unlead(self) -> None:
        """Stop passing."""
        self.runtime.scheduler.cancel(JOB)

    async def run(self) -> None:
        """One pass over every open challenge."""
        async with self.runtime.store.unit() as uow:
            open_ids = [(c.id, c.chat_id) for c in await ChallengeRepository(uow).open_all()]
        for challenge_id, chat_id in open_ids:
            try:
                await self.pass_one(challenge_id, chat_id)
            except Exception:
                log.exception("challenge %s of chat %s failed", challenge_id, chat_id)

    async def pass_one(self, challenge_id: int, chat_id: int) -> bool:
        """Settle one challenge; close it if its window is over. Whether this closed it."""
        runtime, now = self.runtime, self.runtime.now()
        settle_after = timedelta(seconds=runtime.settings.challenges.settle_seconds)
        async with runtime.store.unit() as uow, uow.alone():
            tz = runtime.timezone((await ChatRepository(uow).settings(chat_id)).timezone)
            repo = ChallengeRepository(uow)
            challenge = next((c for c in await repo.open_in(chat_id) if c.id == challenge_id), None)
            if challenge is None:
                return False
            today = now.astimezone(tz).date()
            await settle(uow, challenge, today, now, exclude=runtime.stand_ins)
            closes = datetime.combine(challenge.ends + timedelta(days=1), time(), tzinfo=tz)
            if now < closes + settle_after or not await repo.claim_summary(challenge.id, now):
                await uow.commit()
                return False
            completers = await repo.completers(challenge.id)
            names = {
                **await StatsRepository(uow).names(chat_id, completers[:SHOWN]),
                **await PointsRepository(uow).names(chat_id, completers[:SHOWN]),
            }
            language = await chat_language(uow, chat_id, runtime.settings.bot.default_language)
            await uow.commit()
        await self._summary(challenge, language, completers, names)
        return True

    async def _summary(
        self, challenge: ChallengeRow, language: str, completers: list[int], names: dict[int, str]
    ) -> None:
        t = self.runtime.translator
        if not completers:
            text = t(language, "challenges.summary_none", id=challenge.id)
        else:
            shown = Text(t.plain(language, "challenges.separator")).join(
                mention(User(u, names.get(u, "") or "?")) for u in completers[:SHOWN]
            )
            more = len(completers) - SHOWN
            text = t(
                language,
                "challenges.summary",
                id=challenge.id,
                count=len(completers),
                members=shown,
                more=t(language, "challenges.summary_more", count=more) if more > 0 else "",
            )
        await reply_later(self.runtime.port, challenge.chat_id, text)
