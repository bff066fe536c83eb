"""The timed side of statistics: digests on time, and closing each group's finished days.

The stats settings table is the source of truth: each digest's next time is stored and is
moved on (one conditional update) before the digest is posted, so a digest goes out once per
period even across restarts and processes. While this process leads it arms one timer per
digest and runs a periodic pass that re-reads the digests (changes made by other processes),
notes each group's member count for its finished day and checks the activity alerts.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.context import chat_language
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text
from handlers.stats.metrics import (
    ALERT_WINDOW_DAYS,
    activity_dropped,
    daily_average,
    digest_period,
    fill_days,
    next_digest,
    parse_clock,
    period_ending,
)
from handlers.stats.report import (
    activity_chart,
    activity_report,
    caption,
    chart_labels,
    group_name,
    period_title,
    summary_text,
)
from storage.models import StatsSettingsRow
from storage.repositories import ChatRepository
from storage.stats import StatsRepository

log = logging.getLogger(__name__)

PASS_JOB = "stats:pass"
DIGEST_CHART_DAYS = 30


def digest_job(chat_id: int) -> str:
    """The timer id of a group's digest."""
    return f"stats:digest:{chat_id}"


def digest_lateness(period: str) -> timedelta:
    """How late a digest may still go out (after a restart); later ones are skipped."""
    return timedelta(hours=6 if period == "daily" else 24)


class StatsTimer:
    """Digests and day closing, run by the leading process."""

    name = "stats"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False
        self._armed: dict[int, datetime] = {}
        # Days whose member count was asked for already (the platform may not know it).
        self._counted: set[tuple[int, date]] = set()

    async def lead(self) -> None:
        """Arm the digests and start the periodic pass."""
        self.leading = True
        await self.sync()
        self.runtime.scheduler.every(
            PASS_JOB, self.runtime.settings.stats.check_seconds, self.periodic
        )

    async def unlead(self) -> None:
        """Drop every timer."""
        self.leading = False
        self.runtime.scheduler.cancel(PASS_JOB)
        for chat_id in list(self._armed):
            self.runtime.scheduler.cancel(digest_job(chat_id))
        self._armed.clear()

    async def periodic(self) -> None:
        """Pick up digest changes, then close finished days."""
        if not self.leading:
            return
        await self.sync()
        await self.close_days()
        await self.check_alerts()

    # ------------------------------------------------------------------ digests

    async def sync(self) -> None:
        """Arm every stored digest (and drop timers of digests switched off)."""
        async with self.runtime.store.unit() as uow:
            rows = await StatsRepository(uow).digests()
        wanted = {row.chat_id: row.digest_next_at for row, _ in rows if row.digest_next_at}
        for chat_id in set(self._armed) - set(wanted):
            self.cancel(chat_id)
        for chat_id, due in wanted.items():
            if self._armed.get(chat_id) != due:
                self.arm(chat_id, due)

    async def refresh(self, chat_id: int) -> None:
        """Re-arm one group's digest right after a command changed it."""
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            row = await StatsRepository(uow).settings(chat_id)
        if row is None or row.digest_next_at is None:
            self.cancel(chat_id)
        else:
            self.arm(chat_id, row.digest_next_at)

    def arm(self, chat_id: int, due: datetime) -> None:
        """Set a group's digest timer."""
        self._armed[chat_id] = due
        self.runtime.scheduler.call_at(digest_job(chat_id), due, self.fire, chat_id, due)

    def cancel(self, chat_id: int) -> None:
        """Drop a group's digest timer."""
        self._armed.pop(chat_id, None)
        self.runtime.scheduler.cancel(digest_job(chat_id))

    async def fire(self, chat_id: int, planned: datetime) -> None:
        """A digest is due: move it on to its next time, and post it unless far too late."""
        if not self.leading:
            return
        now = self.runtime.now()
        async with self.runtime.store.unit() as uow:
            repo = StatsRepository(uow)
            row = await repo.settings(chat_id)
            if row is None or row.digest_next_at != planned or row.digest_period is None:
                return
            chat = await ChatRepository(uow).get(chat_id)
            zone = self.runtime.timezone(chat.timezone if chat else None)
            period, at = row.digest_period, parse_clock(row.digest_time or "09:00")
            following = next_digest(period, at, zone, max(planned, now))
            if not await repo.move_digest(chat_id, planned, following):
                return
            target = row.digest_to if row.digest_private and row.digest_to else chat_id
            language = await chat_language(uow, chat_id, self.runtime.settings.bot.default_language)
            title = chat.title if chat else ""
        self.arm(chat_id, following)
        if now - planned > digest_lateness(period):
            log.info("digest of %s due at %s skipped: too late", chat_id, planned)
            return
        await self.post_digest(chat_id, target, period, planned, zone, language, title)

    async def post_digest(
        self,
        chat_id: int,
        target: int,
        period: str,
        due: datetime,
        zone: ZoneInfo,
        language: str,
        title: str,
    ) -> None:
        """Post the digest of the period before ``due`` to the group or an admin."""
        days = digest_period(period, due, zone)
        # The chart shows the weeks before too, for context.
        shown = period_ending(days.end, max(days.days, DIGEST_CHART_DAYS))
        async with self.runtime.store.unit() as uow:
            report = await activity_report(uow, chat_id, days, None)
            context = await activity_report(uow, chat_id, shown, None)
        t = self.runtime.translator
        heading = t(language, f"stats.digest_{period}", group=group_name(title, chat_id))
        text = summary_text(
            t, language, heading + "\n" + period_title(t, language, days), report.summary
        )
        png = await activity_chart(
            context, chart_labels(t, language, shown, group_name(title, chat_id))
        )
        short = caption(text)
        sent = await self.runtime.port.send_photo(target, png, short or "")
        if sent is None or short is None:
            await reply_later(self.runtime.port, target, text)

    # ------------------------------------------------------------------ finished days

    async def close_days(self) -> None:
        """Note the member count of each group's day that just ended, and roll it up again.

        The second roll-up catches a check-in or flush that raced the day's last roll-up.
        """
        now = self.runtime.now()
        since = now.date() - timedelta(days=2)
        async with self.runtime.store.unit() as uow:
            open_days = await StatsRepository(uow).recent_days_without_count(since)
        self._counted = {key for key in self._counted if key[1] >= since}
        for chat_id, day, tz in open_days:
            local_today = now.astimezone(self.runtime.timezone(tz)).date()
            if day != local_today - timedelta(days=1) or (chat_id, day) in self._counted:
                continue
            self._counted.add((chat_id, day))
            count = await self.runtime.port.member_count(chat_id)
            async with self.runtime.store.unit() as uow:
                repo = StatsRepository(uow)
                await repo.roll_up([(chat_id, day)])
                if count is not None:
                    await repo.set_member_count(chat_id, day, count)

    async def check_alerts(self) -> None:
        """Check each alerting group's finished day once, and warn its admins on a drop."""
        now = self.runtime.now()
        async with self.runtime.store.unit() as uow:
            alerts = await StatsRepository(uow).alerts()
        for row, tz in alerts:
            yesterday = now.astimezone(self.runtime.timezone(tz)).date() - timedelta(days=1)
            if row.alert_checked_day is not None and row.alert_checked_day >= yesterday:
                continue
            await self._check_alert(row, yesterday)

    async def _check_alert(self, row: StatsSettingsRow, day: date) -> None:
        chat_id, percent = row.chat_id, row.alert_percent or 0
        async with self.runtime.store.unit() as uow:
            repo = StatsRepository(uow)
            if not await repo.mark_alert_checked(chat_id, day, row.alert_checked_day):
                return  # another process checked it
            window = period_ending(day - timedelta(days=1), ALERT_WINDOW_DAYS)
            before = await repo.days(chat_id, window.start, day)
            chat = await ChatRepository(uow).get(chat_id)
            language = await chat_language(uow, chat_id, self.runtime.settings.bot.default_language)
        today = before.get(day)
        messages = today.messages if today else 0
        previous = [d.messages for d in fill_days(window, before)]
        if not activity_dropped(messages, previous, percent):
            return
        text = self.runtime.translator(
            language,
            "stats.alert",
            group=group_name(chat.title if chat else "", chat_id),
            day=f"{day:%Y-%m-%d}",
            messages=messages,
            average=f"{daily_average(previous):.1f}",
            percent=percent,
        )
        await self.warn_admins(chat_id, text)

    async def warn_admins(self, chat_id: int, text: Text) -> None:
        """Tell each admin privately; if none can be reached, tell the group."""
        delivered = 0
        for admin_id in sorted(await self.runtime.admins.get(chat_id)):
            if not self.runtime.is_bot(admin_id) and await self.runtime.port.send(admin_id, text):
                delivered += 1
        if not delivered:
            await reply_later(self.runtime.port, chat_id, text)
