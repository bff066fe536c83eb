"""``python -m bot bench --enforcement``: the allow list, moderation actions and start-up lifting.

Three measurements on a migrated temporary SQLite database, each with its baseline from the
same run:

1. ``approved_ids`` (asked by every guard on every message) for 200 groups with 20 approved
   members each, one unit of work per lookup: through the snapshot cache, against the
   baseline of one SELECT per lookup.
2. ``enforce`` with delete + warn (the default ladder mutes at 3 warnings, 5 and bans at 7)
   for 200 members, 7 rounds, one committed unit per case, on a port that only counts: cases
   per second and the 99th-percentile time, against the baseline of one unit that inserts one
   log row and commits (the floor for anything that writes once per case). Afterwards the
   calls are checked: 1,400 deletions, 200 x 2 mutes and 200 bans.
3. Start-up with 2,000 timed mutes, half of them overdue: the time ``RestrictionLifter.lead``
   takes to lift the overdue ones (one unit each) and arm timers for the rest, against the
   baseline of reading every row. Printed as one JSON line.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import build_translator
from bot.platforms.recording import RecordingPort
from bot.settings import Settings
from core.events import User
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.moderation.actions import Action, Case, enforce
from handlers.moderation.lifting import RestrictionLifter
from storage.models import ApprovedMemberRow, ModerationLogRow, utcnow
from storage.moderation import ModerationRepository, approved_ids, load_known_ids
from storage.unit import Store


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each measurement does (smaller in the smoke test)."""

    groups: int = 200
    approved: int = 20
    lookups: int = 10_000
    members: int = 200
    # Seven warnings reach the default ladder's ban.
    rounds: int = 7
    restrictions: int = 2_000


def _runtime(settings: Settings, store: Store, port: RecordingPort) -> Runtime:
    port_any: Any = port
    return Runtime(
        settings=settings,
        store=store,
        port=port_any,
        translator=build_translator(settings.bot.default_language),
        admins=AdminCache(port.admins, 3_600),
        scheduler=Scheduler(),
        bot_id=2,
    )


async def _allow_list(store: Store, sizes: Sizes) -> dict[str, float]:
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        for group in range(sizes.groups):
            for member in range(sizes.approved):
                await repo.approve(-1000 - group, 10_000 + member, "m", by=1)
    async with store.unit() as uow:
        await load_known_ids(uow)
    chats = [-1000 - (i % (sizes.groups * 2)) for i in range(sizes.lookups)]  # half have no list

    async def cached() -> None:
        for chat_id in chats:
            async with store.unit() as uow:
                await approved_ids(uow, chat_id)

    async def queried() -> None:
        for chat_id in chats:
            async with store.unit() as uow:
                session = await uow.session()
                query = select(ApprovedMemberRow.user_id).where(
                    ApprovedMemberRow.chat_id == chat_id
                )
                frozenset(await session.scalars(query))

    started = time.perf_counter()
    await queried()
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    await cached()
    measured = time.perf_counter() - started
    return {
        "allowlist_lookups_per_s": round(sizes.lookups / measured),
        "allowlist_baseline_query_per_s": round(sizes.lookups / baseline),
    }


async def _actions(settings: Settings, store: Store, sizes: Sizes) -> dict[str, float]:
    port = RecordingPort(admins={1}, record=False)
    runtime = _runtime(settings, store, port)
    chat_id = -5000
    times: list[float] = []
    started = time.perf_counter()
    for round_ in range(sizes.rounds):
        for member in range(sizes.members):
            case = Case(chat_id, User(20_000 + member, "m"), "link", "x", round_ * 1_000 + member)
            began = time.perf_counter()
            async with store.unit() as uow:
                await enforce(runtime, uow, case, [Action("delete"), Action("warn")])
            times.append(time.perf_counter() - began)
    measured = time.perf_counter() - started
    cases = sizes.rounds * sizes.members
    expected = {"delete": cases, "mute": 2 * sizes.members, "ban": sizes.members}
    counted = {kind: port.counts.get(kind, 0) for kind in expected}
    if counted != expected:
        raise AssertionError(f"expected {expected}, the port saw {counted}")
    started = time.perf_counter()
    for n in range(cases):
        async with store.unit() as uow:
            session = await uow.session()
            session.add(ModerationLogRow(chat_id=chat_id, action="warn", target_id=n))
    baseline = time.perf_counter() - started
    return {
        "enforce_cases_per_s": round(cases / measured),
        "enforce_p99_ms": round(statistics.quantiles(times, n=100)[98] * 1000, 2),
        "enforce_baseline_one_write_per_s": round(cases / baseline),
    }


async def _lifting(settings: Settings, store: Store, sizes: Sizes) -> dict[str, float]:
    port = RecordingPort(admins={1}, record=False)
    runtime = _runtime(settings, store, port)
    now = utcnow()
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        for n in range(sizes.restrictions):
            # Half overdue; the others end within the first sweep window (timers are armed)
            # but well after the measurement.
            offset = -60 - n if n % 2 == 0 else 45 + n % 10
            await repo.restrict_until(-6000, 30_000 + n, "mute", now + timedelta(seconds=offset))
    started = time.perf_counter()
    async with store.unit() as uow:
        await ModerationRepository(uow).restrictions()
    baseline = time.perf_counter() - started
    runtime.scheduler.start()
    lifter = RestrictionLifter(runtime)
    started = time.perf_counter()
    await lifter.lead()
    measured = time.perf_counter() - started
    await lifter.unlead()
    runtime.scheduler.shutdown()
    if port.counts.get("unmute", 0) != sizes.restrictions // 2:
        raise AssertionError(
            f"lifted {port.counts.get('unmute', 0)}, not {sizes.restrictions // 2}"
        )
    return {
        "startup_lift_s": round(measured, 3),
        "startup_lifted": sizes.restrictions // 2,
        "startup_baseline_read_s": round(baseline, 4),
    }


async def run_enforcement_bench(settings: Settings, sizes: Sizes | None = None) -> dict[str, float]:
    """Run the three measurements on a fresh SQLite file; print and return the numbers."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            await store.migrate()
            sizes = sizes or Sizes()
            result = await _allow_list(store, sizes)
            result.update(await _actions(settings, store, sizes))
            result.update(await _lifting(settings, store, sizes))
        finally:
            await store.close()
    print(json.dumps({"bench": "enforcement", "database": "sqlite", **result}))
    return result
