"""``python -m bot bench --schedule``: many schedules, start-up time and firing lateness.

The bot's real schedule runner, storage and timers run against an in-process port that
answers each post after a simulated network delay. The same occurrences are also timed on a
bare APScheduler with jobs that do nothing, measured in the same run, as the baseline: the
difference is what loading, claiming and recording cost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import bindparam, insert, update

from bench.pipeline import peak_rss_mb
from bot.app import build_translator
from bot.platforms.recording import RecordingPort
from bot.settings import Settings
from core.permissions import AdminCache
from core.runtime import Runtime, zone
from core.scheduling import Scheduler
from handlers.schedule.runner import ScheduleRunner
from handlers.schedule.when import next_run, plan_from_spec
from storage.models import ChatRow, ScheduleRow
from storage.repositories import load_stored_ids
from storage.unit import Store

ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati")
SPECS = (
    "daily 09:00",
    "daily 20:30",
    "weekly mon,thu 20:00",
    "monthly 1 10:00",
    "every 2h",
    "cron 0 9 * * 1-5",
)
# Occurrences start this long after the run begins, after start-up (measured apart).
LEAD_SECONDS = 5.0
# After the last due time, wait this long for the last posts to be handed over.
SETTLE_SECONDS = 2.0


@dataclass
class Workload:
    """The groups and schedules to store; ``offsets`` says which fire during the run, and
    how many seconds after its start."""

    chats: list[dict[str, Any]]
    schedules: list[dict[str, Any]]
    offsets: dict[int, float] = field(default_factory=dict)

    def due_from(self, base: datetime) -> dict[int, datetime]:
        """The due time of each firing schedule for a run starting at ``base``."""
        return {sid: base + timedelta(seconds=offset) for sid, offset in self.offsets.items()}


def workload(schedules: int, groups: int, firing: int, peak: int, window: float) -> Workload:
    """Schedules spread over groups; ``firing`` of them due during the run, ``peak`` at once."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    chats = [
        {
            "id": -1_000_000_000_000 - n,
            "title": f"group {n}",
            "timezone": ZONES[n % len(ZONES)],
            "quiet_hours": "03:00-04:00" if n % 10 == 0 else None,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(groups)
    ]
    load = Workload(chats, [])
    for sid in range(1, schedules + 1):
        chat = chats[sid % groups]
        if len(load.offsets) < firing and chat["quiet_hours"] is None:
            load.offsets[sid] = 0.0 if len(load.offsets) < peak else rng.uniform(0, window)
            spec = "every 1h"
        else:
            spec = SPECS[sid % len(SPECS)]
        upcoming = next_run(plan_from_spec(spec), now, zone(chat["timezone"]), now)
        load.schedules.append(_row(sid, chat["id"], spec, now, upcoming))
    return load


def _row(
    sid: int, chat_id: int, spec: str, anchor: datetime, upcoming: datetime | None
) -> dict[str, Any]:
    return {
        "id": sid,
        "chat_id": chat_id,
        "created_by": 1,
        "spec": spec,
        "text": f"bench post {sid}",
        "pin": False,
        "replace": False,
        "posts": 0,
        "state": "active",
        "anchor_at": anchor,
        "next_run_at": upcoming,
        "created_at": anchor,
        "updated_at": anchor,
    }


async def populate(url: str, load: Workload) -> None:
    """Store the groups and schedules in bulk."""
    store = Store(url)
    await store.migrate()
    async with store.unit() as uow:
        session = await uow.session()
        await session.execute(insert(ChatRow), load.chats)
        await session.execute(insert(ScheduleRow), load.schedules)
    await store.close()


async def set_due(url: str, due: dict[int, datetime]) -> None:
    """Make the firing schedules due at the given times (an hourly plan anchored on them)."""
    store = Store(url)
    rows = [{"sid": sid, "at": at, "anchor": at - timedelta(hours=1)} for sid, at in due.items()]
    table = ScheduleRow.__table__
    async with store.unit() as uow:
        session = await uow.session()
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("sid"))
            .values(next_run_at=bindparam("at"), anchor_at=bindparam("anchor")),
            rows,
        )
    await store.close()


@dataclass
class Outcome:
    """What one side measured."""

    startup_s: float
    arm_s: float
    lateness: dict[int, list[float]]


def lateness(port: RecordingPort, due: dict[int, datetime]) -> dict[int, list[float]]:
    """How late each occurrence was handed over: each post names its schedule at the end."""
    late: dict[int, list[float]] = {}
    for call in port.asked("post"):
        schedule_id = int(call["text"].rsplit(" ", 1)[-1])
        late.setdefault(schedule_id, []).append(call.at - due[schedule_id].timestamp())
    return late


async def run_ours(settings: Settings, url: str, due: dict[int, datetime], delay: float) -> Outcome:
    """Start the real runner on the stored schedules and let the firing set fire."""
    began = time.perf_counter()
    store = Store(url)
    await store.migrate()
    async with store.unit() as uow:
        await load_stored_ids(uow)
    # Posts are answered after ``delay``; no admins are asked for.
    port = RecordingPort(delays={"post": delay})
    port_any: Any = port
    runtime = Runtime(
        settings=settings,
        store=store,
        port=port_any,
        translator=build_translator(settings.bot.default_language),
        admins=AdminCache(port.admins, 600),
        scheduler=Scheduler(),
    )
    runtime.scheduler.start()
    runner = ScheduleRunner(runtime)
    armed = time.perf_counter()
    await runner.lead()
    done = time.perf_counter()
    await _until(max(due.values()))
    await runner.unlead()
    await runtime.scheduler.stop()
    await store.close()
    return Outcome(done - began, done - armed, lateness(port, due))


async def run_baseline(load: Workload, due: dict[int, datetime], delay: float) -> Outcome:
    """The same schedules on a bare AsyncIOScheduler whose jobs only note the time."""
    lateness: dict[int, list[float]] = {}
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start()

    async def job(sid: int, at: datetime) -> None:
        lateness.setdefault(sid, []).append(time.time() - at.timestamp())
        await asyncio.sleep(delay)

    began = time.perf_counter()
    for row in load.schedules:
        at = due.get(row["id"], row["next_run_at"])
        if at is not None:
            scheduler.add_job(
                job,
                "date",
                run_date=at,
                args=(row["id"], at),
                id=str(row["id"]),
                misfire_grace_time=None,
            )
    armed = time.perf_counter() - began
    await _until(max(due.values()))
    scheduler.shutdown(wait=False)
    return Outcome(armed, armed, lateness)


async def _until(last_due: datetime) -> None:
    """Wait until the last occurrence is due, and a little longer for it to finish."""
    await asyncio.sleep(max(0.0, last_due.timestamp() - time.time()) + SETTLE_SECONDS)


def _summary(outcome: Outcome, expected: int) -> dict[str, Any]:
    lates = sorted(values[0] for values in outcome.lateness.values())
    doubles = sum(len(values) - 1 for values in outcome.lateness.values())
    if not lates:
        return {"fired": 0, "expected": expected}
    return {
        "startup_s": round(outcome.startup_s, 3),
        "arm_s": round(outcome.arm_s, 3),
        "fired": len(lates),
        "expected": expected,
        "doubles": doubles,
        "late_median_ms": round(median(lates) * 1000, 1),
        "late_p99_ms": round(lates[min(len(lates) - 1, int(len(lates) * 0.99))] * 1000, 1),
        "late_max_ms": round(lates[-1] * 1000, 1),
    }


async def measure_schedules(
    settings: Settings,
    *,
    schedules: int = 10_000,
    groups: int = 1_000,
    firing: int = 2_000,
    peak: int = 200,
    window: float = 20.0,
    delay: float = 0.05,
    lead: float = LEAD_SECONDS,
) -> dict[str, Any]:
    """Run the bot's side, then the baseline, on the same workload; the JSON report."""
    load = workload(schedules, groups, firing, peak, window)
    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await populate(url, load)
        due = load.due_from(datetime.now(UTC) + timedelta(seconds=lead))
        await set_due(url, due)
        ours = await run_ours(settings, url, due, delay)
    base_due = load.due_from(datetime.now(UTC) + timedelta(seconds=lead))
    baseline = await run_baseline(load, base_due, delay)
    return {
        "schedules": schedules,
        "groups": groups,
        "firing": len(due),
        "peak": min(peak, len(due)),
        "window_s": window,
        "post_delay_ms": delay * 1000,
        "ours": _summary(ours, len(due)),
        "baseline": _summary(baseline, len(base_due)),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


async def run_schedule_bench(settings: Settings, **options: Any) -> dict[str, Any]:
    """Run the schedule benchmark and print its report as one line of JSON."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = await measure_schedules(settings, **options)
    print(json.dumps(result), flush=True)
    return result
