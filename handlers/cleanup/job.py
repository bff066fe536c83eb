"""The daily automatic cleanup: warn the silent, remove those still silent after the warning.

The leading process checks every ``cleanup.check_seconds`` for groups whose last run is a
day old. Their runs are claimed in the database (``last_run_at``) before anything is done,
so a group runs once a day however often processes restart or hand over leadership; a crash
in the middle skips the rest of that day's run rather than repeating it. The claimed groups
are selected together in a few queries, then each is warned, cleaned and reported on (a
member is checked once more right before removal). Warnings are stored with their time, so
the removal after the window survives restarts too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta

from core.chat import MissingRight
from core.context import chat_language, tell_missing_right
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text
from handlers.cleanup.actions import (
    NeverSeen,
    PendingSeen,
    candidates_many,
    never_seen_members,
    record_removals,
    silence_check,
)
from handlers.cleanup.removal import RemovalReport, remove_members
from handlers.cleanup.roster import RosterSeeder
from handlers.cleanup.rules import RUN_SLACK, AutoPolicy, RunPlan, plan_run
from handlers.cleanup.text import Translate, run_summary, translator_for, warning_messages
from storage.cleanup import AutoSettings, CleanupRepository
from storage.models import ChatRow
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

CHECK_JOB = "cleanup:check"
FIRST_CHECK_JOB = "cleanup:first-check"
# Groups processed at once; each removes its members one at a time.
PARALLEL_GROUPS = 4


class AutoCleaner:
    """A TimedSource: runs each group's automatic cleanup once a day while leading."""

    name = "cleanup"

    def __init__(
        self,
        runtime: Runtime,
        pending: PendingSeen | None = None,
        seeder: RosterSeeder | None = None,
    ) -> None:
        self.runtime = runtime
        self._pending = pending
        self.seeder = seeder if seeder is not None else RosterSeeder(runtime)
        self.leading = False
        self._checking = asyncio.Lock()

    async def lead(self) -> None:
        """Check for due groups now (catching up after a restart) and then periodically."""
        self.leading = True
        scheduler = self.runtime.scheduler
        scheduler.every(CHECK_JOB, self.runtime.settings.cleanup.check_seconds, self.check)
        scheduler.call_later(FIRST_CHECK_JOB, 0.1, self.check)

    async def unlead(self) -> None:
        """Stop checking; a run in progress stops at its next removal."""
        self.leading = False
        self.runtime.scheduler.cancel(CHECK_JOB)
        self.runtime.scheduler.cancel(FIRST_CHECK_JOB)

    async def check(self) -> None:
        """Run every group whose last run is at least a day old."""
        if not self.leading or self._checking.locked():
            return
        async with self._checking:
            claimed = await self._claim_due()
            if not claimed:
                return
            await self._seed(claimed)
            async with self.runtime.store.unit() as uow:
                plans = await self.plans(uow, claimed)
            gate = asyncio.Semaphore(PARALLEL_GROUPS)

            async def one(chat_id: int) -> None:
                async with gate:
                    if self.leading:
                        await self._guarded(chat_id, claimed[chat_id], plans[chat_id])

            await asyncio.gather(*(one(chat_id) for chat_id in claimed))

    async def _claim_due(self) -> dict[int, AutoSettings]:
        """Claim today's run of every due group, in one transaction."""
        ran_before = self.runtime.now() - timedelta(days=1) + RUN_SLACK
        claimed: dict[int, AutoSettings] = {}
        async with self.runtime.store.unit() as uow, uow.alone():
            repo = CleanupRepository(uow)
            for chat_id, settings in await repo.due(ran_before):
                if await repo.claim(chat_id, ran_before, self.runtime.now()):
                    claimed[chat_id] = settings
            await uow.commit()
        return claimed

    async def _seed(self, chat_ids: Iterable[int]) -> None:
        """Seed each group's members from its member list where due (one unit per group).

        A group whose seeding fails is run on what the store has: its run is claimed already.
        """
        for chat_id in chat_ids:
            try:
                async with self.runtime.store.unit() as uow:
                    await self.seeder.refresh(uow, chat_id)
            except Exception:
                log.exception("seeding chat %s from its member list failed", chat_id)

    async def _guarded(self, chat_id: int, settings: AutoSettings, plan: RunPlan) -> None:
        try:
            await self.run_group(chat_id, settings, plan)
        except Exception:
            log.exception("automatic cleanup of chat %s failed", chat_id)

    async def run_group(self, chat_id: int, settings: AutoSettings, plan: RunPlan) -> None:
        """Carry out one group's claimed run: warn, remove and report."""
        runtime = self.runtime
        async with runtime.store.unit() as uow:
            language, title = await self._chat(uow, chat_id)
            never = await self._never_seen(uow, chat_id, settings)
        t = translator_for(runtime, language)
        if settings.dry_run:
            await self._tell_admins(chat_id, t, plan, None, title, True, never)
            return
        assert settings.auto_days is not None
        await self._store_warnings(chat_id, plan)
        await self._warn(chat_id, t, plan, settings.auto_days, settings.warn_days, title)
        report = await remove_members(
            runtime.port,
            chat_id,
            plan.remove,
            interval=runtime.settings.cleanup.removal_interval_seconds,
            stopping=lambda: not self.leading,
            still_silent=silence_check(runtime, chat_id, self._pending),
        )
        async with runtime.store.unit() as uow:
            await record_removals(uow, chat_id, report, runtime.now())
        if report.missing_right:
            error = MissingRight(report.missing_right)
            await tell_missing_right(runtime, chat_id, language, error)
        await self._tell_admins(chat_id, t, plan, report, title, False, never)

    async def preview(
        self, uow: UnitOfWork, chat_id: int, title: str, settings: AutoSettings
    ) -> Text:
        """What the next run would do in a group, without doing it (``/autoclean test``)."""
        await self.seeder.refresh(uow, chat_id)
        language, _ = await self._chat(uow, chat_id)
        plan = (await self.plans(uow, {chat_id: settings}))[chat_id]
        never = await self._never_seen(uow, chat_id, settings)
        t = translator_for(self.runtime, language)
        right = t("rights.restrict")
        return run_summary(t, plan, None, title=title, dry_run=True, never=never, right_name=right)

    async def _chat(self, uow: UnitOfWork, chat_id: int) -> tuple[str, str]:
        default = self.runtime.settings.bot.default_language
        language = await chat_language(uow, chat_id, default)
        session = await uow.session()
        row = await session.get(ChatRow, chat_id)
        return language, (row.title if row is not None and row.title else str(chat_id))

    async def plans(
        self, uow: UnitOfWork, groups: Mapping[int, AutoSettings]
    ) -> dict[int, RunPlan]:
        """What a run does in each of these groups now: the selection, without acting.

        Every group is read in a few shared queries: one process selects for all its groups.
        """
        now = self.runtime.now()
        policies = {
            chat_id: AutoPolicy(s.auto_days, s.warn_days)
            for chat_id, s in groups.items()
            if s.auto_days is not None
        }
        watch = {chat_id: p.watch_days for chat_id, p in policies.items()}
        chosen = await candidates_many(self.runtime, uow, watch, now)
        warnings = await CleanupRepository(uow).warnings_in(list(policies))
        return {
            chat_id: plan_run(chosen[chat_id], warnings[chat_id], policy, now)
            for chat_id, policy in policies.items()
        }

    async def _never_seen(self, uow: UnitOfWork, chat_id: int, settings: AutoSettings) -> NeverSeen:
        """Members the bot never saw, for the summary (they cannot be removed)."""
        assert settings.auto_days is not None
        now = self.runtime.now()
        return await never_seen_members(self.runtime, uow, chat_id, now, settings.auto_days)

    async def _store_warnings(self, chat_id: int, plan: RunPlan) -> None:
        """Store the new warnings and drop the withdrawn ones before anyone is told."""
        async with self.runtime.store.unit() as uow, uow.alone():
            repo = CleanupRepository(uow)
            await repo.drop_warnings(chat_id, plan.spared)
            await repo.warn(chat_id, [m.user_id for m in plan.warn], self.runtime.now())
            await uow.commit()

    async def _warn(
        self, chat_id: int, t: Translate, plan: RunPlan, days: int, warn: int, title: str
    ) -> None:
        """One batched mention in the group, and a private note to those who started the bot."""
        if not plan.warn:
            return
        port = self.runtime.port
        for text in warning_messages(t, plan.warn, days, warn):
            await reply_later(port, chat_id, text)
        async with self.runtime.store.unit() as uow:
            reachable = await CleanupRepository(uow).started_among([m.user_id for m in plan.warn])
        blocked: list[int] = []
        for member in plan.warn:
            if member.user_id not in reachable:
                continue
            text = t("cleanup.warn_private", group=title, days=days, warn=warn)
            if await port.send(member.user_id, text) is None:
                blocked.append(member.user_id)
        if blocked:
            async with self.runtime.store.unit() as uow:
                await CleanupRepository(uow).forget_started(blocked)

    async def _tell_admins(
        self,
        chat_id: int,
        t: Translate,
        plan: RunPlan,
        report: RemovalReport | None,
        title: str,
        dry_run: bool,
        never: NeverSeen,
    ) -> None:
        """The run's summary, privately to each admin; in the group if none can be reached."""
        right = t(f"rights.{report.missing_right}") if report and report.missing_right else ""
        text = run_summary(
            t, plan, report, title=title, dry_run=dry_run, never=never, right_name=right
        )
        admins = await self.runtime.admins.get(chat_id)
        reached = False
        for admin in sorted(admins - self.runtime.own_ids):
            if await self.runtime.port.send(admin, text) is not None:
                reached = True
        if not reached:
            await reply_later(self.runtime.port, chat_id, text)
