"""``python -m bot bench --cleanup``: inactivity queries over 1,000,000 tracked members.

The database holds 1,000 groups: one of 50,000 members whose last sights spread over 120
days (admins there only look and clean by hand), and 999 sharing the rest that run the
daily cleanup (30 days, warned 3 before) in its steady state (see ``fill``). A few members
are bots, newcomers, gone or exempted. Rows go in as plain executemany batches, portable to
both databases.

Measured, on a temporary SQLite file and, when a server answers, a fresh PostgreSQL
database dropped afterwards:

* ``inactive_ms``: the whole ``/inactive 30`` answer for the 50,000-member group, through
  the real feature code (count, first page, never-seen count, formatting), median of runs;
* ``select_big_ms``: every removable member of that group silent 30 days (``/cleanup 30``);
* ``first_run_big_s``: that group's first automatic run plan (nobody warned yet);
* ``daily_s``: the whole-bot daily selection as the job makes it: the due groups, then
  every group's plan (exemptions, candidates, warnings, the pure plan), before acting;
* the database size, and the insert time.

The baseline, in the same run on the same data, is a bare ``SELECT COUNT(*)`` over the
big group's rows (``baseline_ms``) and, for the daily figure, one bare count per group
(``baseline_daily_s``): what merely touching the same rows costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.checkin import postgres_database, postgres_unavailable
from bot.app import build_core
from bot.platforms.recording import Call, RecordingPort
from bot.settings import Settings
from core.context import Context
from core.events import Chat, Command, Message, User
from handlers.cleanup.actions import candidates, exemptions
from handlers.cleanup.feature import Cleanup
from handlers.cleanup.job import AutoCleaner
from storage.cleanup import AutoSettings, CleanupRepository
from storage.models import (
    ChatRow,
    CleanupExemptionRow,
    CleanupSettingsRow,
    CleanupWarningRow,
    MemberRow,
)
from storage.moderation import load_known_ids
from storage.unit import Store

SEED = 2026
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BIG_GROUP_MEMBERS = 50_000
FIRST_CHAT = -1_003_000_000_000
FIRST_USER = 10_000_000
ADMIN_ID = 42
BOT_ID = 7_000_000_003
BATCH = 5_000
REPEATS = 7
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def bench_port(sizes: dict[int, int]) -> RecordingPort:
    """A platform that answers at once: one admin per group (also a tracked member), and a
    member count of the tracked members plus a hundred never seen."""

    def member_count(call: Call) -> int:
        return sizes.get(call["chat_id"], 0) + 100

    answers = {"member_count": member_count}
    return RecordingPort(admins={ADMIN_ID}, answers=answers, record=False)


@dataclass(frozen=True, slots=True)
class Workload:
    """How many members in how many groups; group 0 is the big one."""

    members: int
    groups: int

    def sizes(self) -> list[int]:
        """Members per group."""
        if self.groups == 1:
            return [self.members]
        big = min(BIG_GROUP_MEMBERS, self.members // 2)
        rest, others = self.members - big, self.groups - 1
        return [big] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]


async def fill(store: Store, work: Workload) -> float:
    """Insert the groups, their settings, members and warnings; the seconds it took.

    The big group has no automatic cleanup: its last sights spread over 120 days, as in a
    group whose admins only look (/inactive) and clean by hand. Every other group runs the
    daily cleanup (30 days, warned 3 before) in its steady state: members silent longer
    than 31 days are gone already, and those silent 28 days or more were warned the day
    they crossed 27 (the ones who crossed it since yesterday get warned today).
    """
    rng = random.Random(SEED)
    started = time.perf_counter()
    sizes = work.sizes()
    chats = [FIRST_CHAT - i for i in range(len(sizes))]
    async with store.engine.begin() as conn:
        joined = NOW - timedelta(days=200)
        await conn.execute(
            ChatRow.__table__.insert(),
            [
                {"id": c, "title": f"Group {i}", "bot_joined_at": joined}
                for i, c in enumerate(chats)
            ],
        )
        await conn.execute(
            CleanupSettingsRow.__table__.insert(),
            [_settings(c, auto=i > 0) for i, c in enumerate(chats)],
        )
    user = FIRST_USER
    members: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    warned: list[dict[str, Any]] = []
    for position, (chat_id, size) in enumerate(zip(chats, sizes, strict=True)):
        spread = 120 if position == 0 else 31
        for index in range(size):
            row = _member(rng, chat_id, ADMIN_ID if index == 0 else user, spread)
            members.append(row)
            user += 1
            if rng.random() < 0.001:
                extras.append(_exemption(chat_id, row["user_id"]))
            silent = NOW - row["last_seen"]
            # Warned by an earlier run; those who crossed 27 days since yesterday's run are
            # today's new warnings.
            if position and silent >= timedelta(days=28) and row["left_at"] is None:
                crossed = row["last_seen"] + timedelta(days=27, seconds=rng.randint(0, 86_399))
                warned.append(
                    {"chat_id": chat_id, "user_id": row["user_id"], "warned_at": min(crossed, NOW)}
                )
            if len(members) >= BATCH:
                await _insert(store, MemberRow, members)
                members = []
    await _insert(store, MemberRow, members)
    await _insert(store, CleanupExemptionRow, extras)
    for start in range(0, len(warned), BATCH):
        await _insert(store, CleanupWarningRow, warned[start : start + BATCH])
    return time.perf_counter() - started


def _settings(chat_id: int, *, auto: bool) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "auto_days": 30 if auto else None,
        "warn_days": 3,
        "dry_run": False,
        "updated_at": NOW,
    }


def _exemption(chat_id: int, user_id: int) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "user_id": user_id,
        "name": "x",
        "created_by": ADMIN_ID,
        "created_at": NOW,
    }


def _member(rng: random.Random, chat_id: int, user_id: int, spread_days: int) -> dict[str, Any]:
    seen = NOW - timedelta(seconds=rng.randint(0, spread_days * 86_400))
    roll = rng.random()
    joined = NOW - timedelta(seconds=rng.randint(0, 6 * 86_400)) if 0.02 <= roll < 0.07 else None
    if joined is not None:
        seen = max(seen, joined)  # a join is a sign of life
    return {
        "chat_id": chat_id,
        "user_id": user_id,
        "name": f"Member {user_id}",
        "username": None,
        "is_bot": roll < 0.02,
        "first_seen": joined or seen - timedelta(days=30),
        "last_seen": seen,
        "message_count": rng.randint(0, 500),
        "joined_at": joined,
        "left_at": seen if 0.07 <= roll < 0.08 else None,
    }


async def _insert(store: Store, model: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany of plain rows, in its own transaction."""
    if rows:
        async with store.engine.begin() as conn:
            await conn.execute(model.__table__.insert(), rows)


async def database_size(store: Store, path: Path | None) -> int:
    """Bytes on disk: the SQLite file (with its WAL), or PostgreSQL's database size."""
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with store.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT pg_database_size(current_database())")) or 0)


async def measure_database(
    settings: Settings, url: str, work: Workload, path: Path | None = None
) -> dict[str, Any]:
    """Fill one database and time the queries on it."""
    store = Store(url)
    try:
        await store.migrate()
        insert_s = await fill(store, work)
        if store.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load (index-only scans need it).
            async with store.engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await auto.execute(text("VACUUM ANALYZE"))
        sizes = work.sizes()
        chats = [FIRST_CHAT - i for i in range(len(sizes))]
        port = bench_port(dict(zip(chats, sizes, strict=True)))
        async with store.unit() as uow:
            await load_known_ids(uow)  # as the moderation feature does at start-up
        core = build_core(
            settings,
            store,
            port,  # type: ignore[arg-type]
            bot_id=BOT_ID,
            bot_username="bench_bot",
            queued=False,  # the core alone, as before the outbound queue
        )
        runtime = core.runtime
        runtime.clock = lambda: NOW
        cleanup = next(f for f in core.dispatcher.features if isinstance(f, Cleanup))
        big = chats[0]
        baseline = await _timed(lambda: _bare_count(store, big))
        inactive = await _timed(lambda: _inactive(runtime, cleanup, big))
        select_big = await _timed(lambda: _select(runtime, big))
        cleaner = AutoCleaner(runtime)
        first_run = await _once(lambda: _first_run(store, cleaner, big))
        daily_base = await _once(lambda: _bare_counts(store, chats))
        daily, selected = await _daily(store, cleaner)
        return {
            "members": work.members,
            "groups": work.groups,
            "insert_s": round(insert_s, 2),
            "baseline_ms": round(baseline * 1000, 2),
            "inactive_ms": round(inactive * 1000, 2),
            "select_big_ms": round(select_big * 1000, 1),
            "first_run_big_s": round(first_run, 3),
            "baseline_daily_s": round(daily_base, 3),
            "daily_s": round(daily, 3),
            "daily_groups": selected[0],
            "daily_warn": selected[1],
            "daily_remove": selected[2],
            "daily_waiting": selected[3],
            "db_mb": round(await database_size(store, path) / 2**20, 1),
        }
    finally:
        await store.close()


async def _timed(run: Any) -> float:
    """The median seconds of REPEATS runs, after one warm-up."""
    await run()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _once(run: Any) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def _bare_count(store: Store, chat_id: int) -> int:
    async with store.unit() as uow:
        session = await uow.session()
        query = select(func.count()).select_from(MemberRow).where(MemberRow.chat_id == chat_id)
        return int(await session.scalar(query) or 0)


async def _bare_counts(store: Store, chats: list[int]) -> None:
    for chat_id in chats:
        await _bare_count(store, chat_id)


async def _inactive(runtime: Any, cleanup: Cleanup, chat_id: int) -> str:
    """The /inactive 30 answer, as the command builds it."""
    chat = Chat(chat_id, "Big group")
    message = Message(chat, User(ADMIN_ID, "Admin"), 1, "/inactive 30", NOW)
    async with runtime.store.unit() as uow:
        ctx = Context(Command(message, "inactive", ("30",), "30"), runtime, uow)
        answer, _ = await cleanup.inactive_page(ctx, 30, 1)
    if len(answer) >= 4096:
        raise AssertionError("an /inactive page is longer than Telegram allows")
    return answer


async def _select(runtime: Any, chat_id: int) -> int:
    """Every removable member silent 30 days in one group, as /cleanup 30 selects them."""
    async with runtime.store.unit() as uow:
        exempt = await exemptions(runtime, uow, chat_id)
        return len(await candidates(uow, chat_id, exempt, NOW, 30))


async def _first_run(store: Store, cleaner: AutoCleaner, chat_id: int) -> None:
    """The plan of a group's first automatic run (nobody warned yet)."""
    async with store.unit() as uow:
        await cleaner.plans(uow, {chat_id: AutoSettings(30, 3, False, None)})


async def _daily(store: Store, cleaner: AutoCleaner) -> tuple[float, tuple[int, int, int, int]]:
    """The daily job's selection: the due groups, and every one's plan."""
    started = time.perf_counter()
    async with store.unit() as uow:
        due = dict(await CleanupRepository(uow).due(NOW))
        plans = await cleaner.plans(uow, due)
    elapsed = time.perf_counter() - started
    warn = sum(len(p.warn) for p in plans.values())
    remove = sum(len(p.remove) for p in plans.values())
    waiting = sum(p.waiting for p in plans.values())
    return elapsed, (len(due), warn, remove, waiting)


@asynccontextmanager
async def sqlite_file() -> AsyncIterator[Path]:
    """A SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="groupbot-cleanup-") as folder:
        yield Path(folder) / "bench.db"


async def measure_cleanup(
    settings: Settings,
    *,
    members: int = 1_000_000,
    groups: int = 1_000,
    postgres_url: str | None = POSTGRES_URL,
) -> dict[str, Any]:
    """Both databases' figures (PostgreSQL skipped, with the reason, if it does not answer)."""
    work = Workload(members, groups)
    result: dict[str, Any] = {"bench": "cleanup"}
    async with sqlite_file() as path:
        result["sqlite"] = await measure_database(
            settings, f"sqlite+aiosqlite:///{path}", work, path
        )
    reason = "not asked for" if postgres_url is None else await postgres_unavailable(postgres_url)
    if reason is None and postgres_url is not None:
        async with postgres_database(postgres_url) as url:
            result["postgresql"] = await measure_database(settings, url, work)
    else:
        result["postgresql"] = {"skipped": reason}
    return result


async def run_cleanup_bench(settings: Settings, **options: Any) -> dict[str, Any]:
    """Run the benchmark and print one JSON line."""
    result = await measure_cleanup(settings, **options)
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":  # pragma: no cover
    from bot.settings import load_settings

    asyncio.run(run_cleanup_bench(load_settings(None)))
