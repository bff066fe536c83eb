"""The timed side of scheduled posts: one timer per schedule, each occurrence posted once.

An occurrence is claimed (a run row with its idempotency key, committed together with the
schedule's next time) before it is sent, and its result is recorded after. A crash between
the two leaves the run "sending": it is never sent again, so a post can be lost in a crash
but never doubled.

The port retries transient failures itself. What it still cannot send is recorded as
"failed", told to the admins (``handlers.schedule.notices``), kept listed in /schedules (a
finished one-off is paused, not done) and sent again only by /retryschedule. A send whose
answer was lost is "unknown": it may well have been posted, so it is not sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from core.chat import ChatActionError, MissingRight
from core.context import tell_missing_right
from core.quiet_hours import QuietHours
from core.runtime import Runtime
from handlers.schedule.decide import Decision, Due, decide
from handlers.schedule.notices import FailureNotice, notice_targets, tell_failure
from handlers.schedule.options import until_instant
from handlers.schedule.quiet import parse_quiet
from handlers.schedule.when import WhenError, plan_from_spec
from storage.models import ChatRow, ScheduleRow, utcnow
from storage.moderation import ModerationRepository
from storage.schedules import RETRYABLE, Occurrence, RunResult, ScheduleRepository, Timer
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

SYNC_JOB = "schedule:sync"
# Processes' clocks differ a little: look back this much further when syncing changes.
SYNC_SLACK = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Post:
    """An occurrence claimed for sending, with what it needs after the database is closed."""

    schedule_id: int
    chat_id: int
    occurrence: datetime
    text: str | None
    source_message_id: int | None
    pin: bool
    replace: bool


@lru_cache(maxsize=1024)
def quiet_hours(text: str | None) -> QuietHours | None:
    """A group's stored quiet hours, read once per distinct value."""
    if not text:
        return None
    try:
        return parse_quiet(text)
    except WhenError:
        return None


def job_id(schedule_id: int) -> str:
    """The APScheduler job id of a schedule's timer."""
    return f"schedule:{schedule_id}"


class ScheduleRunner:
    """Arms a timer per active schedule while this process leads, and posts occurrences."""

    name = "schedule"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False
        self._armed: set[int] = set()
        self._synced_at: datetime | None = None
        self._due_now: dict[int, datetime] = {}
        # Serialises this runner's writes (see ``fire``).
        self._writing = asyncio.Lock()

    async def lead(self) -> None:
        """Arm every active schedule's timer; late ones fire at once and catch up."""
        self.leading = True
        started = utcnow()  # compared with updated_at, which is wall-clock time
        async with self.runtime.store.unit() as uow:
            timers = await ScheduleRepository(uow).timers()
        for timer in timers:
            self.arm(timer)
        self._synced_at = started
        every = self.runtime.settings.schedule.sync_seconds
        self.runtime.scheduler.every(SYNC_JOB, every, self.sync)
        log.info("armed %d schedule timers", len(timers))

    async def unlead(self) -> None:
        """Drop every schedule timer."""
        self.leading = False
        self.runtime.scheduler.cancel(SYNC_JOB)
        for schedule_id in self._armed:
            self.runtime.scheduler.cancel(job_id(schedule_id))
        self._armed.clear()

    async def sync(self) -> None:
        """Re-arm schedules changed since the last sync (by this or another process)."""
        if not self.leading or self._synced_at is None:
            return
        started = utcnow()  # compared with updated_at, which is wall-clock time
        async with self.runtime.store.unit() as uow:
            timers = await ScheduleRepository(uow).timers(self._synced_at - SYNC_SLACK)
        for timer in timers:
            self.arm(timer)
        self._synced_at = started

    async def refresh(self, *, ids: list[int] | None = None, chat_id: int | None = None) -> None:
        """Re-arm some schedules (or a group's) right after a command changed them.

        Another process leading picks the change up at its next sync instead.
        """
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            timers = await ScheduleRepository(uow).timers(chat_id=chat_id, ids=ids)
        for timer in timers:
            self.arm(timer)

    def arm(self, timer: Timer) -> None:
        """Set (or drop) one schedule's timer from its stored state."""
        if timer.state != "active" or timer.next_run_at is None:
            self.cancel(timer.schedule_id)
            return
        fire_at = timer.next_run_at
        quiet = quiet_hours(timer.quiet_hours)
        if quiet is not None:
            # Due already but quiet now (a catch-up): wait for the end of the quiet hours.
            fire_at = max(fire_at, self.runtime.now())
            fire_at = quiet.release(fire_at, self.runtime.timezone(timer.timezone))
        self._set(timer.schedule_id, fire_at, timer.next_run_at)

    def cancel(self, schedule_id: int) -> None:
        """Drop a schedule's timer."""
        self._armed.discard(schedule_id)
        self.runtime.scheduler.cancel(job_id(schedule_id))

    def _set(self, schedule_id: int, fire_at: datetime, planned: datetime) -> None:
        self._armed.add(schedule_id)
        self.runtime.scheduler.call_at(
            job_id(schedule_id), fire_at, self.fire, schedule_id, planned
        )

    async def fire(self, schedule_id: int, planned: datetime) -> None:
        """A timer went off: claim the occurrence, with any others due now, and post them.

        Occurrences due together are claimed in one transaction and recorded in another:
        on SQLite a hundred small concurrent writes would queue on the file lock instead.
        """
        if not self.leading:
            return
        self._due_now[schedule_id] = planned
        async with self._writing:
            batch, self._due_now = self._due_now, {}
            posts = await self._claim(batch) if batch else []
        if posts:
            results = await asyncio.gather(*(self._deliver(post) for post in posts))
            await self._record(list(zip(posts, results, strict=True)))

    async def _claim(self, batch: dict[int, datetime]) -> list[Post]:
        """Decide about each due schedule, claim the posts and move every plan on."""
        decided: list[tuple[ScheduleRow, ChatRow | None, Decision]] = []
        rearm: list[Timer] = []
        async with self.runtime.store.unit() as uow:
            repo = ScheduleRepository(uow)
            rows = await repo.many(list(batch))
            chats = await repo.groups({row.chat_id for row in rows.values()})
            now = self.runtime.now()
            for schedule_id, planned in batch.items():
                row = rows.get(schedule_id)
                if row is None or row.state != "active" or row.next_run_at is None:
                    self._armed.discard(schedule_id)
                elif row.next_run_at != planned:
                    # Moved by a command or another process since the timer was set.
                    rearm.append(_timer(row, chats.get(row.chat_id)))
                else:
                    chat = chats.get(row.chat_id)
                    decided.append((row, chat, decide(self._due(row, chat), now)))
            await repo.record_missed(_missed(decided), "late")
            wanted = [(row.id, d.occurrence) for row, _, d in decided if d.action == "post"]
            claimed = await repo.claim(wanted)
            posts: list[Post] = []
            for row, chat, decision in decided:
                if decision.action == "post" and (row.id, decision.occurrence) not in claimed:
                    log.info("schedule %s at %s was claimed already", row.id, decision.occurrence)
                    rearm.append(_timer(row, chat))
                    continue
                _advance(row, decision)
                if decision.action == "post":
                    posts.append(_post(row, decision.occurrence))
                rearm.append(_timer(row, chat))
        for timer in rearm:
            self.arm(timer)
        return posts

    def _due(self, row: ScheduleRow, chat: ChatRow | None) -> Due:
        tz = self.runtime.timezone(chat.timezone if chat else None)
        return Due(
            plan=plan_from_spec(row.spec),
            planned=row.next_run_at or self.runtime.now(),
            anchor=row.anchor_at,
            tz=tz,
            quiet=quiet_hours(chat.quiet_hours if chat else None),
            grace=timedelta(seconds=self.runtime.settings.schedule.grace_seconds),
            until=until_instant(row.until, tz) if row.until else None,
            posts=row.posts,
            max_posts=row.max_posts,
        )

    async def _deliver(self, post: Post) -> int | ChatActionError:
        """Make the post; its message id, or the error that stopped it."""
        port = self.runtime.port
        try:
            if post.source_message_id is not None:
                return await port.copy(post.chat_id, post.chat_id, post.source_message_id)
            return await port.post(post.chat_id, post.text or "")
        except ChatActionError as error:
            return error

    async def send_test(self, post: Post) -> ChatActionError | None:
        """Post a schedule's content now without touching its plan; the error if it failed."""
        result = await self._deliver(post)
        if isinstance(result, ChatActionError):
            await self._failed(post, result, test=True)
            return result
        return None

    async def retry(self, schedule_id: int) -> int | ChatActionError | None:
        """Send a schedule's latest occurrence again if it failed (or its outcome is
        unknown): the message id, the error, or None if there is nothing to send again.

        The occurrence is claimed back first, so two retries at once post it once.
        """
        async with self._writing, self.runtime.store.unit() as uow:
            repo = ScheduleRepository(uow)
            row = await repo.get(schedule_id)
            run = (await repo.latest_outcomes([schedule_id])).get(schedule_id)
            if row is None or run is None or run.status not in RETRYABLE:
                return None
            if not await repo.reclaim((schedule_id, run.occurrence_at)):
                return None
            post = _post(row, run.occurrence_at)
        result = await self._deliver(post)
        if isinstance(result, ChatActionError):
            await self._failed(post, result, test=False, retried=True)
        else:
            await self._record([(post, result)], retried=True)
        return result

    async def _record(
        self, results: list[tuple[Post, int | ChatActionError]], *, retried: bool = False
    ) -> None:
        """Store what became of claimed occurrences, then pin, replace or pause."""
        posted = [(post, result) for post, result in results if isinstance(result, int)]
        previous: dict[int, int | None] = {}
        languages: dict[int, str] = {}
        rearm: list[Timer] = []
        async with self._writing, self.runtime.store.unit() as uow:
            repo = ScheduleRepository(uow)
            rows = await repo.many([post.schedule_id for post, _ in posted])
            chats = await repo.groups({post.chat_id for post, _ in posted})
            await repo.record(
                [RunResult(p.schedule_id, p.occurrence, "posted", mid) for p, mid in posted]
            )
            for post, message_id in posted:
                row = rows.get(post.schedule_id)
                chat = chats.get(post.chat_id)
                if row is not None:
                    previous[post.schedule_id], row.last_message_id = (
                        row.last_message_id,
                        message_id,
                    )
                    if retried:
                        _posted_late(row)
                        rearm.append(_timer(row, chat))
                languages[post.chat_id] = (chat.language if chat else None) or (
                    self.runtime.settings.bot.default_language
                )
        for timer in rearm:
            if self.leading:
                self.arm(timer)
        for post, result in results:
            if isinstance(result, ChatActionError):
                await self._failed(post, result, test=False)
        await asyncio.gather(
            *(
                self._follow_up(post, message_id, previous.get(post.schedule_id), languages)
                for post, message_id in posted
                if post.pin or post.replace
            )
        )

    async def _follow_up(
        self, post: Post, message_id: int, previous: int | None, languages: dict[int, str]
    ) -> None:
        language = languages[post.chat_id]
        port = self.runtime.port
        if post.pin:
            await self._tidy(post.chat_id, language, port.pin(post.chat_id, message_id))
        if post.replace and previous:
            await self._tidy(post.chat_id, language, port.delete(post.chat_id, previous))

    async def _tidy(self, chat_id: int, language: str, call: Awaitable[object]) -> None:
        """Pin or delete after posting; a missing right is told once, other failures logged."""
        try:
            await call
        except MissingRight as error:
            await tell_missing_right(self.runtime, chat_id, language, error)
        except ChatActionError as error:
            log.info("schedule follow-up in %s failed: %s", chat_id, error)

    async def _failed(
        self, post: Post, error: ChatActionError, *, test: bool, retried: bool = False
    ) -> None:
        """Record a post that did not go out (or may not have); pause or tell the admins."""
        if error.reason == "unknown":
            # Sent, and no answer came back: most likely it was posted. It is not sent again
            # by itself (no double post); /schedules shows it, /retryschedule sends it again.
            log.warning(
                "scheduled post %s in %s: outcome unknown: %s",
                post.schedule_id,
                post.chat_id,
                error,
            )
            if not test:
                unknown = RunResult(post.schedule_id, post.occurrence, "unknown", detail=str(error))
                async with self._writing, self.runtime.store.unit() as uow:
                    await ScheduleRepository(uow).record([unknown])
            return
        log.warning("scheduled post %s in %s failed: %s", post.schedule_id, post.chat_id, error)
        reason = _pause_reason(error)
        notice: FailureNotice | None = None
        paused: list[ScheduleRow] = []
        async with self._writing, self.runtime.store.unit() as uow:
            repo = ScheduleRepository(uow)
            row = await repo.get(post.schedule_id)
            if not test:
                failed = RunResult(post.schedule_id, post.occurrence, "failed", detail=str(error))
                await repo.record([failed])
                if row is not None and not retried:
                    _not_posted(row, paused=reason is None)
            session = await uow.session()
            chat = await session.get(ChatRow, post.chat_id)
            language = (
                chat.language if chat else None
            ) or self.runtime.settings.bot.default_language
            if reason is not None:
                chat_wide = reason != "source_gone"
                paused = await repo.pause_chat(post.chat_id, reason) if chat_wide else []
                # A one-off is done once claimed: pause it too, so /schedules shows what failed.
                if row is not None and row not in paused and row.state != "paused":
                    row.state, row.pause_reason = "paused", reason
                    paused.append(row)
            elif row is not None and not test and not retried:
                notice = await self._failure_notice(uow, post, row, chat, language, error)
        if notice is not None:
            await tell_failure(self.runtime, notice)
        if reason is not None:
            title = chat.title if chat else ""
            await self.after_pause(post.chat_id, title, paused, reason, language)

    async def _failure_notice(
        self,
        uow: UnitOfWork,
        post: Post,
        row: ScheduleRow,
        chat: ChatRow | None,
        language: str,
        error: ChatActionError,
    ) -> FailureNotice:
        """What to tell the admins of a post that failed for good, and where."""
        log_chat = (await ModerationRepository(uow).settings(post.chat_id)).log_chat_id
        tz = self.runtime.timezone(chat.timezone if chat else None)
        text = self.runtime.translator(
            language,
            "delivery.schedule_failed",
            id=post.schedule_id,
            group=(chat.title if chat else "") or str(post.chat_id),
            when=f"{post.occurrence.astimezone(tz):%Y-%m-%d %H:%M}",
            detail=error.detail[:160] or error.reason,
        )
        return FailureNotice(text, notice_targets(log_chat, post.chat_id, row.created_by))

    async def after_pause(
        self, chat_id: int, title: str, paused: list[ScheduleRow], reason: str, language: str
    ) -> None:
        """Drop the timers of paused schedules and tell the admins who can still be told."""
        for row in paused:
            self.cancel(row.id)
        if not paused:
            return
        t = self.runtime.translator
        ids = ", ".join(f"#{row.id}" for row in paused)
        text = t(
            language,
            f"schedule.paused_{reason}",
            ids=ids,
            count=len(paused),
            group=title,
        )
        if reason == "source_gone":
            await self.runtime.port.send(chat_id, text)
            return
        # The group cannot be posted to: tell the admins who made the schedules, privately
        # (Telegram lets that through only if they have started the bot).
        for creator in sorted({row.created_by for row in paused}):
            await self.runtime.port.send(creator, text)


def _missed(decided: list[tuple[ScheduleRow, ChatRow | None, Decision]]) -> list[Occurrence]:
    """Every occurrence passed over, and the ones decided to be missed."""
    missed = [(row.id, at) for row, _, decision in decided for at in decision.missed]
    missed += [(row.id, d.occurrence) for row, _, d in decided if d.action == "miss"]
    return missed


def _not_posted(row: ScheduleRow, *, paused: bool) -> None:
    """A claimed occurrence that did not go out does not count; a schedule that finished
    with it (a one-off, the last of --count) stays listed, paused, to be sent again."""
    row.posts = max(row.posts - 1, 0)
    if paused and row.state == "done":
        row.state, row.pause_reason = "paused", "failed"


def _posted_late(row: ScheduleRow) -> None:
    """A failed occurrence sent again: it counts now, and a schedule paused for it goes on
    (or is done, when it was the last)."""
    row.posts += 1
    if row.state == "paused" and row.pause_reason == "failed":
        row.state = "active" if row.next_run_at is not None else "done"
        row.pause_reason = None


def _advance(row: ScheduleRow, decision: Decision) -> None:
    """Move a schedule to its next occurrence (or finish it) after a decision."""
    if decision.action == "post":
        row.posts += 1
    row.next_run_at = None if decision.action == "end" else decision.next_at
    if row.next_run_at is None:
        row.state = "done"


def _pause_reason(error: ChatActionError) -> str | None:
    if isinstance(error, MissingRight):
        return "no_right"
    return {"chat_gone": "bot_removed", "not_found": "source_gone"}.get(error.reason)


def _timer(row: ScheduleRow, chat: ChatRow | None) -> Timer:
    return Timer(
        row.id,
        row.chat_id,
        row.state,
        row.next_run_at,
        chat.timezone if chat else None,
        chat.quiet_hours if chat else None,
    )


def _post(row: ScheduleRow, occurrence: datetime) -> Post:
    return Post(
        row.id,
        row.chat_id,
        occurrence,
        row.text,
        row.source_message_id,
        row.pin,
        row.replace,
    )
