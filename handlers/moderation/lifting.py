"""Temporary mutes and bans end on time, across restarts.

The ``timed_restrictions`` table is the source of truth. While this process leads timed work,
a sweep every ``lift_check_seconds`` lifts what is overdue (at start-up: everything that
ended while the bot was down) and arms an exact timer for what ends before the next sweep.
A timer re-reads its row before acting, so a restriction lifted or lengthened in the
meantime (by a command, or another process) is left as it now is.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.chat import ChatActionError, MissingRight
from core.context import chat_language, tell_missing_right
from core.ids import shown_id
from core.runtime import Runtime
from handlers.moderation.actions import mirror_entries
from storage.moderation import LogEntry, ModerationRepository, Restriction
from storage.repositories import MemberRepository

log = logging.getLogger(__name__)

SWEEP_JOB = "enforcement:lift"
# A timer may fire a moment before ``until`` as the process sees it.
EARLY = timedelta(seconds=1)


def timer_id(chat_id: int, user_id: int, kind: str) -> str:
    """The scheduler id of one restriction's timer."""
    return f"enforcement:{kind}:{chat_id}:{user_id}"


class RestrictionLifter:
    """A TimedSource that lifts temporary mutes and bans when they end."""

    name = "enforcement"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False
        self._armed: set[str] = set()

    @property
    def _interval(self) -> float:
        return self.runtime.settings.enforcement.lift_check_seconds

    async def lead(self) -> None:
        """Lift what ended while nobody led, arm timers, and keep sweeping."""
        self.leading = True
        await self.sweep()
        self.runtime.scheduler.every(SWEEP_JOB, self._interval, self.sweep)

    async def unlead(self) -> None:
        """Drop the sweep and every timer."""
        self.leading = False
        self.runtime.scheduler.cancel(SWEEP_JOB)
        for job in self._armed:
            self.runtime.scheduler.cancel(job)
        self._armed.clear()

    async def sweep(self) -> None:
        """Lift overdue restrictions now; arm timers for those ending before the next sweep."""
        if not self.leading:
            return
        now = self.runtime.now()
        horizon = now + timedelta(seconds=2 * self._interval)
        async with self.runtime.store.unit() as uow:
            due = await ModerationRepository(uow).restrictions(before=horizon)
        for item in due:
            if item.until <= now:
                await self.lift(item)
            else:
                job = timer_id(item.chat_id, item.user_id, item.kind)
                self._armed.add(job)
                # ``until`` is on the runtime's clock, which the scheduler shares.
                self.runtime.scheduler.call_at(job, item.until, self.lift, item)

    async def lift(self, item: Restriction) -> bool:
        """Lift one restriction if it is still stored and due; True if it was lifted."""
        job = timer_id(item.chat_id, item.user_id, item.kind)
        self._armed.discard(job)
        if not self.leading:
            return False
        runtime = self.runtime
        async with runtime.store.unit() as uow:
            repo = ModerationRepository(uow)
            current = await repo.restriction(item.chat_id, item.user_id, item.kind)
            # Gone, made permanent, or lengthened since the timer was armed: nothing to lift.
            if current is None or current.until is None or current.until > runtime.now() + EARLY:
                return False
            # Lifted by a sweep rather than by its own timer: that timer has nothing left to do.
            runtime.scheduler.cancel(job)
            language = await chat_language(uow, item.chat_id, runtime.settings.bot.default_language)
            done = await self._undo(item, language)
            # Lifted, or impossible to lift: either way Telegram ends it by itself at
            # ``until`` (it was passed along), so the row is not retried forever.
            await repo.forget_restriction(item.chat_id, item.user_id, item.kind)
            member = await MemberRepository(uow).get(item.chat_id, item.user_id)
            entry = LogEntry(
                chat_id=item.chat_id,
                action="unmute" if item.kind == "mute" else "unban",
                target_id=item.user_id,
                target_name=member.name if member else shown_id(item.user_id),
                reason="expired",
                detail="" if done else "failed",
            )
            await repo.log([entry])
            await mirror_entries(runtime, uow, item.chat_id, language, [entry])
        log.info("lifted %s of %s in %s (done=%s)", item.kind, item.user_id, item.chat_id, done)
        return done

    async def _undo(self, item: Restriction, language: str) -> bool:
        port = self.runtime.port
        try:
            if item.kind == "mute":
                await port.unmute(item.chat_id, item.user_id)
            else:
                await port.unban(item.chat_id, item.user_id)
        except MissingRight as error:
            await tell_missing_right(self.runtime, item.chat_id, language, error)
            return False
        except ChatActionError as error:
            log.info("could not lift %s in %s: %s", item.kind, item.chat_id, error)
            return False
        return True
