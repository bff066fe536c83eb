"""The timed side of night mode: close each group at its night's start, reopen it at the end.

The night_mode table is the source of truth. While this process leads it keeps one timer per
group at the group's next switch, and a periodic pass re-reads every group (changes made by
other processes, time zone changes, a restart in the middle of a night) and puts each one
right: a group that should be closed is closed, one that should be open is reopened with the
permissions it had before.

Closing stores the permissions first and then changes them, so a crash in between at worst
"restores" permissions that never changed; reopening restores them first and only then
forgets them, so a crash in between restores them again rather than losing them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.chat import ChatActionError, ChatRights, MissingRight
from core.context import chat_language, tell_missing_right
from core.quiet_hours import QuietHours, read_quiet_hours
from core.runtime import Runtime
from handlers.nightmode.window import Night, Step, decide
from storage.nightmode import NightModeRepository, NightState
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

PASS_JOB = "nightmode:pass"
# How often the leading process re-reads every group's night mode.
PASS_SECONDS = 60.0
# A timer may wake a little before its time; beyond this it is not this switch's timer.
EARLY = timedelta(seconds=1)


def switch_job(chat_id: int) -> str:
    """The timer id of a group's next switch."""
    return f"nightmode:switch:{chat_id}"


def read_hours(text: str | None) -> QuietHours | None:
    """A stored period, or None when night mode is off (or the stored text is unreadable)."""
    if not text:
        return None
    hours = read_quiet_hours(text)
    if hours is None:
        log.warning("night mode period %r cannot be read; treated as off", text)
    return hours


def local_clock(at: datetime, tz: ZoneInfo) -> str:
    """``23:00`` in the group's zone."""
    return f"{at.astimezone(tz):%H:%M}"


class NightWatch:
    """A TimedSource: switches groups at their night's edges while this process leads."""

    name = "nightmode"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False
        self._armed: dict[int, datetime] = {}
        # (action, edge) a group refused this night (a right missing): not tried again until
        # the next night, or until the bot's rights change.
        self._refused: dict[int, tuple[str, datetime]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def lead(self) -> None:
        """Put every group right now (catching up after a restart), then keep watching."""
        self.leading = True
        await self.sync()
        self.runtime.scheduler.every(PASS_JOB, PASS_SECONDS, self.sync)

    async def unlead(self) -> None:
        """Drop every timer."""
        self.leading = False
        self.runtime.scheduler.cancel(PASS_JOB)
        for chat_id in list(self._armed):
            self.runtime.scheduler.cancel(switch_job(chat_id))
        self._armed.clear()

    async def sync(self) -> None:
        """Read every watched group and put each right; drop timers of groups no longer watched."""
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            states = await NightModeRepository(uow).watched()
        for chat_id in set(self._armed) - {s.chat_id for s in states}:
            self._arm(chat_id, None)
        for state in states:
            try:
                await self._settle(state)
            except Exception:
                log.exception("night mode of chat %s failed", state.chat_id)

    async def refresh(self, chat_id: int) -> None:
        """Put one group right at once (after a command or a change of the bot's rights)."""
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            state = await NightModeRepository(uow).state(chat_id)
        if state is None:
            self._arm(chat_id, None)
            return
        await self._settle(state)

    def forget_refusals(self, chat_id: int) -> None:
        """The bot's rights in a group changed: try again what it refused."""
        self._refused.pop(chat_id, None)

    async def fire(self, chat_id: int, planned: datetime) -> None:
        """A group's switch is due."""
        if self._armed.get(chat_id) == planned:
            del self._armed[chat_id]
        if not self.leading or self.runtime.now() < planned - EARLY:
            # The clock is far from the switch (a test's clock): the next pass re-arms it. A
            # timer a moment early re-arms itself for the same instant in ``refresh``.
            return
        await self.refresh(chat_id)

    # ------------------------------------------------------------------ one group

    async def _settle(self, state: NightState) -> None:
        async with self._locks.setdefault(state.chat_id, asyncio.Lock()):
            step = self._step(state)
            if step.action is not None:
                # Read again under the lock: the list read for the pass may be stale.
                async with self.runtime.store.unit() as uow:
                    fresh = await NightModeRepository(uow).state(state.chat_id)
                if fresh is None:
                    return
                state, step = fresh, self._step(fresh)
            if step.action == "close" and step.night is not None:
                await self._close(state, step.night)
            elif step.action == "open" and state.closed_at is not None:
                await self._open(state, state.closed_at)
            self._arm(state.chat_id, step.next_at)

    def _step(self, state: NightState) -> Step:
        tz = self.runtime.timezone(state.timezone)
        return decide(read_hours(state.hours), state.closed_at is not None, tz, self.runtime.now())

    def _arm(self, chat_id: int, when: datetime | None) -> None:
        if when is None:
            self._armed.pop(chat_id, None)
            self.runtime.scheduler.cancel(switch_job(chat_id))
        elif self._armed.get(chat_id) != when:
            self._armed[chat_id] = when
            self.runtime.scheduler.call_at(switch_job(chat_id), when, self.fire, chat_id, when)

    def _refuses(self, chat_id: int, action: str, edge: datetime) -> bool:
        return self._refused.get(chat_id) == (action, edge)

    async def _close(self, state: NightState, night: Night) -> None:
        """Keep the group's permissions, take away posting, and say so."""
        chat_id, port = state.chat_id, self.runtime.port
        if self._refuses(chat_id, "close", night[0]) or state.hours is None:
            return
        rights = await port.chat_permissions(chat_id)
        if rights is None:
            # Closing without knowing what to restore in the morning would lose them.
            log.warning("night mode: no permissions of chat %s; it stays open tonight", chat_id)
            self._refused[chat_id] = ("close", night[0])
            return
        now = self.runtime.now()
        async with self.runtime.store.unit() as uow:
            if not await NightModeRepository(uow).mark_closed(
                chat_id, state.hours, now, rights.as_dict()
            ):
                return  # closed already, or its period changed meanwhile
            language = await self._language(uow, chat_id)
        try:
            await port.set_chat_permissions(chat_id, rights.without_sending())
        except ChatActionError as error:
            async with self.runtime.store.unit() as uow:
                await NightModeRepository(uow).mark_open(chat_id, now)
            if isinstance(error, MissingRight):
                self._refused[chat_id] = ("close", night[0])
                await tell_missing_right(self.runtime, chat_id, language, error)
            else:  # tried again on the next pass
                log.warning("night mode could not close chat %s: %s", chat_id, error)
            return
        if rights.may_send:  # a group its admins had closed already gets no notice
            tz = self.runtime.timezone(state.timezone)
            text = self.runtime.translator(
                language, "nightmode.closed", until=local_clock(night[1], tz), tz=tz.key
            )
            await port.send(chat_id, text)

    async def _open(self, state: NightState, closed_at: datetime) -> None:
        """Give the group back the permissions it had before the night, and say so."""
        chat_id, port = state.chat_id, self.runtime.port
        if self._refuses(chat_id, "open", closed_at):
            return
        saved = ChatRights.from_dict(state.saved_rights) if state.saved_rights else None
        if saved is not None:
            try:
                await port.set_chat_permissions(chat_id, saved)
            except MissingRight as error:
                self._refused[chat_id] = ("open", closed_at)
                async with self.runtime.store.unit() as uow:
                    language = await self._language(uow, chat_id)
                await tell_missing_right(self.runtime, chat_id, language, error)
                return
            except ChatActionError as error:
                if error.reason != "chat_gone":
                    log.warning("night mode could not reopen chat %s: %s", chat_id, error)
                    return  # tried again on the next pass
                saved = None  # the bot is out of the group: nothing left to restore
        async with self.runtime.store.unit() as uow:
            if not await NightModeRepository(uow).mark_open(chat_id, closed_at):
                return
            language = await self._language(uow, chat_id)
        # After /nightmode off the admin's answer already says the group reopens.
        if saved is not None and saved.may_send and state.hours is not None:
            await port.send(chat_id, self.runtime.translator(language, "nightmode.opened"))

    async def _language(self, uow: UnitOfWork, chat_id: int) -> str:
        return await chat_language(uow, chat_id, self.runtime.settings.bot.default_language)
