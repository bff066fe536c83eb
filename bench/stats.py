"""``python -m bot bench --stats``: build ``/stats 90d`` for a 50,000-member group with a year
of history, chart included.

The history is generated (seeded) and stored through the same path as the activity flush
(``StatsRepository.record``: member days, hourly counts, roll-up into daily figures), one
flush per day: about 5% of the members post on a weekday (4% at weekends), 30-90 join and
20-70 leave each day, 300 check in. Then ``/stats 90d`` is built as the command builds it
(read the roll-ups, compute the figures, word them, draw the chart in a worker thread) a few
times; ``/retention`` and ``/topmembers 30d`` are timed as well. The baseline, in the same
run, is drawing an empty figure of the chart's size: the fixed cost of producing any PNG.
The figures of the report are checked against the generated data. Runs on a temporary
SQLite file and, when a server answers, on a fresh PostgreSQL database dropped afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.checkin import postgres_database, postgres_unavailable, sqlite_database
from bot.app import build_translator
from core.i18n import Translator
from handlers.stats.charts import render_blank
from handlers.stats.metrics import MAU_DAYS, Period, period_ending
from handlers.stats.report import (
    activity_chart,
    activity_report,
    chart_labels,
    period_title,
    retention_cohorts,
    summary_text,
)
from storage.models import CheckinRow
from storage.repositories import Activity, ChatRepository, MemberRepository
from storage.stats import MemberDayCount, StatsRepository
from storage.unit import Store

log = logging.getLogger(__name__)

SEED = 2026
GROUP = -1_003_000_000_000
TODAY = date(2026, 11, 26)
FIRST_USER = 9_000_000
REPORT_DAYS = 90
TARGET_S = 1.5
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Share of each hour in a day's messages: quiet nights, busy evenings.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 9, 8, 7, 7, 7, 8, 9, 11, 12, 12, 8, 4]


@dataclass
class History:
    """What was generated, kept to check the report against."""

    members: int
    days: int
    messages: dict[date, int] = field(default_factory=dict)
    active: dict[date, set[int]] = field(default_factory=dict)
    joins: dict[date, int] = field(default_factory=dict)
    leaves: dict[date, int] = field(default_factory=dict)
    checkins: dict[date, int] = field(default_factory=dict)


def _day_batch(
    rng: random.Random, members: int, day: date, history: History
) -> tuple[list[MemberDayCount], list[tuple[int, date, int, int]], list[int]]:
    """One day's member days, hourly counts and check-ins (member ids)."""
    share = 0.04 if day.weekday() >= 5 else 0.05
    posters = rng.sample(range(members), max(1, round(members * share)))
    joiners = set(rng.sample(range(members), rng.randint(30, 90)))
    leavers = set(rng.sample(range(members), rng.randint(20, 70))) - joiners
    hours = [0] * 24
    rows: dict[int, MemberDayCount] = {}
    for index in posters:
        messages = 1 + int(rng.expovariate(0.25))
        hours[rng.choices(range(24), HOUR_WEIGHTS)[0]] += messages
        rows[index] = MemberDayCount(GROUP, day, FIRST_USER + index, messages, False, False)
    for index in joiners | leavers:
        seen = rows.get(index)
        rows[index] = MemberDayCount(
            GROUP,
            day,
            FIRST_USER + index,
            seen.messages if seen else 0,
            index in joiners,
            index in leavers,
        )
    checkins = rng.sample(range(members), 300)
    history.messages[day] = sum(hours)
    history.active[day] = {FIRST_USER + i for i in posters}
    history.joins[day], history.leaves[day] = len(joiners), len(leavers)
    history.checkins[day] = len(checkins)
    hourly = [(GROUP, day, hour, n) for hour, n in enumerate(hours) if n]
    return list(rows.values()), hourly, [FIRST_USER + i for i in checkins]


async def seed(store: Store, members: int, days: int) -> History:
    """A year (``days``) of one group's history, one flush per day."""
    rng = random.Random(SEED)
    history = History(members, days)
    now = datetime(2026, 11, 26, 4, tzinfo=UTC)
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "Bench group 基准群")
        people = [
            Activity(GROUP, FIRST_USER + i, f"member {i}", None, False, now) for i in range(members)
        ]
        for start in range(0, len(people), 5_000):
            await MemberRepository(uow).record(people[start : start + 5_000])
    for offset in range(days - 1, -1, -1):
        day = TODAY - timedelta(days=offset)
        rows, hourly, checkins = _day_batch(rng, members, day, history)
        async with store.unit() as uow:
            session = await uow.session()
            await session.execute(
                insert(CheckinRow),
                [{"chat_id": GROUP, "user_id": u, "day": day, "points": 10} for u in checkins],
            )
            await StatsRepository(uow).record(rows, hourly)
    return history


async def build_stats(store: Store, translator: Translator, period: Period) -> tuple[str, int]:
    """What /stats does after parsing: read, compute, word, draw. The caption and PNG size."""
    async with store.unit() as uow:
        report = await activity_report(uow, GROUP, period, 50_000)
    title = period_title(translator, "zh", period)
    text = summary_text(translator, "zh", title, report.summary)
    png = await activity_chart(report, chart_labels(translator, "zh", period, "Bench group 基准群"))
    return text, len(png)


async def read_report(store: Store, period: Period) -> None:
    """Only the reading and computing part of /stats."""
    async with store.unit() as uow:
        await activity_report(uow, GROUP, period, 50_000)


async def build_retention(store: Store) -> int:
    """What /retention reads and computes (without drawing)."""
    async with store.unit() as uow:
        rows = await retention_cohorts(uow, GROUP, TODAY)
    return sum(c.size for c in rows)


async def build_top(store: Store, period: Period) -> int:
    """What /topmembers 30d reads."""
    async with store.unit() as uow:
        repo = StatsRepository(uow)
        top = await repo.top_posters(GROUP, period.start, period.end, 10)
        await repo.checkins_of(GROUP, [u for u, _ in top], period.start, period.end)
        await repo.names(GROUP, [u for u, _ in top])
    return len(top)


async def timed(repeats: int, job: Callable[[], Awaitable[Any]]) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` runs of ``job``."""
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        await job()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def check(store_history: History, summary: Any, period: Period) -> dict[str, bool]:
    """The report's figures against the generated data."""
    days = period.dates()
    month = period_ending(period.end, MAU_DAYS).dates()
    active_days = sum(len(store_history.active.get(d, ())) for d in days)
    return {
        "messages": summary.messages == sum(store_history.messages.get(d, 0) for d in days),
        "joins": summary.joins == sum(store_history.joins.get(d, 0) for d in days),
        "leaves": summary.leaves == sum(store_history.leaves.get(d, 0) for d in days),
        "checkins": summary.checkins == sum(store_history.checkins.get(d, 0) for d in days),
        "dau": abs(summary.dau - active_days / len(days)) < 1e-9,
        "mau": summary.mau
        == len(set().union(*(store_history.active.get(d, set()) for d in month))),
    }


async def measure_database(url: str, members: int, days: int, repeats: int) -> dict[str, Any]:
    """Seed one database and time the reports on it."""
    store = Store(url)
    try:
        await store.migrate()
        started = time.perf_counter()
        history = await seed(store, members, days)
        seed_s = time.perf_counter() - started
        translator = build_translator("zh")
        period = period_ending(TODAY, REPORT_DAYS)
        await build_stats(store, translator, period)  # warm: fonts, statements, caches
        stats_ms = await timed(repeats, lambda: build_stats(store, translator, period))
        baseline_ms = await timed(repeats, lambda: asyncio.to_thread(render_blank))
        read_ms = await timed(repeats, lambda: read_report(store, period))
        async with store.unit() as uow:
            report = await activity_report(uow, GROUP, period, 50_000)
        labels = chart_labels(translator, "zh", period, "Bench group 基准群")
        chart_ms = await timed(repeats, lambda: activity_chart(report, labels))
        retention_ms = await timed(repeats, lambda: build_retention(store))
        top_ms = await timed(repeats, lambda: build_top(store, period_ending(TODAY, 30)))
        stats_median = statistics.median(stats_ms)
        baseline = statistics.median(baseline_ms)
        return {
            "seed_s": round(seed_s, 1),
            "stats_90d_ms": round(stats_median, 1),
            "stats_90d_max_ms": round(max(stats_ms), 1),
            "baseline_empty_chart_ms": round(baseline, 1),
            "stats_over_baseline_ms": round(stats_median - baseline, 1),
            "of_which_read_ms": round(statistics.median(read_ms), 1),
            "of_which_chart_ms": round(statistics.median(chart_ms), 1),
            "retention_ms": round(statistics.median(retention_ms), 1),
            "topmembers_30d_ms": round(statistics.median(top_ms), 1),
            "under_target": max(stats_ms) < TARGET_S * 1000,
            "checks": check(history, report.summary, period),
        }
    finally:
        await store.close()


async def measure_stats(
    *, members: int = 50_000, days: int = 365, repeats: int = 5, postgres: bool = True
) -> dict[str, Any]:
    """Run on SQLite and, if it answers, PostgreSQL; every figure in one dictionary."""
    result: dict[str, Any] = {"members": members, "days": days, "repeats": repeats}
    async with sqlite_database() as url:
        result["sqlite"] = await measure_database(url, members, days, repeats)
    why = await postgres_unavailable(POSTGRES_URL) if postgres else "not asked"
    if why is None:
        async with postgres_database(POSTGRES_URL) as url:
            result["postgresql"] = await measure_database(url, members, days, repeats)
    else:
        result["postgresql"] = {"skipped": why}
    return result


def summary(result: dict[str, Any]) -> str:
    """A few readable lines."""
    lines = [f"/stats 90d, {result['members']:,} members, {result['days']} days of history:"]
    for name in ("sqlite", "postgresql"):
        found = result.get(name, {})
        if "skipped" in found:
            lines.append(f"  {name}: skipped ({found['skipped']})")
            continue
        checks = "all figures match" if all(found["checks"].values()) else found["checks"]
        lines.append(
            f"  {name}: {found['stats_90d_ms']} ms (max {found['stats_90d_max_ms']}, target"
            f" {TARGET_S * 1000:.0f}; read {found['of_which_read_ms']} ms, chart"
            f" {found['of_which_chart_ms']} ms); empty chart {found['baseline_empty_chart_ms']} ms;"
            f" /retention {found['retention_ms']} ms; /topmembers 30d"
            f" {found['topmembers_30d_ms']} ms; seeding {found['seed_s']} s; {checks}"
        )
    return "\n".join(lines)


async def run_stats_bench(repeats: int = 5) -> dict[str, Any]:
    """Run the stats benchmark; print one line of JSON, then a summary."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = await measure_stats(repeats=repeats)
    print(json.dumps(result, default=str), flush=True)
    print(summary(result), flush=True)
    return result
