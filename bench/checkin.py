"""``python -m bot bench --checkin``: 10,000 members check in across 100 groups in one minute.

Every member checks in once at a random second (seeded) of one simulated minute, 5% of them
a second time (``/checkin`` again, which must credit nothing) and 10% by the plain word
``签到`` instead of the command. The events go through the real core (``build_core``: every
feature, the dispatcher, one unit of work per event) on a migrated database, a temporary
SQLite file and, when a server answers, a fresh PostgreSQL database dropped afterwards. The
groups run concurrently, each group's events in arrival order on a task of its own, as the
platform's per-chat ordering delivers them; events are fed as fast as they are handled and
the clock each one sees is its simulated arrival time, so all of them fall on one calendar
day in each group's time zone (the zones are chosen so that those days differ).

The baseline, in the same run with the same concurrency and the same ``Store``, is one
unit of work per event that inserts one row into a small table of its own and commits:
the floor the database imposes on anything that writes once per event. Afterwards the
stored check-ins, ledger and balances are checked: one check-in row and one credit per
member, on the group's local day, duplicates credited nothing, balances equal the ledger.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, func, insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.pipeline import counting_errors, peak_rss_mb
from bot.app import build_core
from bot.platforms.recording import RecordingPort
from bot.settings import Settings
from core.events import Chat, Message, User, parse_command
from core.runtime import zone
from handlers.checkin.rules import PointsRules, checkin_reward
from storage.models import CheckinRow, LedgerRow
from storage.points import PointsRepository
from storage.repositories import ChatRepository, load_stored_ids
from storage.unit import Store

log = logging.getLogger(__name__)

SEED = 2026
# At 20:00 UTC Shanghai is already on the next day: the groups' local days differ.
START = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
WINDOW_S = 60.0
ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York")
DUPLICATE_SHARE = 0.05
WORD_SHARE = 0.10
CHECKIN_WORD = "签到"
#: One extra member in each of this many groups (one per zone) checks in before the clock
#: starts, so caches and compiled statements are warm; checked like everyone, not timed.
WARMUP_GROUPS = len(ZONES)
BOT_ID = 7_000_000_002
BOT_USERNAME = "groupbot_bench_bot"
FIRST_CHAT = -1_002_000_000_000
FIRST_USER = 5_000_000
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
#: How long to wait for a PostgreSQL server before reporting it skipped.
CONNECT_TIMEOUT_S = 5

# The simulated time of the event being handled: each group's task sets its own.
_SIM_NOW: ContextVar[datetime] = ContextVar("bench_checkin_now", default=START)

# The baseline's table: one row per event, nothing else.
_FLOOR_META = MetaData()
FLOOR = Table(
    "bench_checkin_floor",
    _FLOOR_META,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# --- Workload -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """A group and its time zone."""

    id: int
    title: str
    zone: str

    @property
    def chat(self) -> Chat:
        """The group as events carry it."""
        return Chat(self.id, self.title, "supergroup")

    def local_day(self, at: datetime) -> date:
        """The group's calendar day at ``at``."""
        return at.astimezone(zone(self.zone)).date()


@dataclass(frozen=True, slots=True)
class Arrival:
    """One check-in attempt: who, where, when (seconds into the minute) and how."""

    at: float
    group: Group
    user: User
    text: str
    duplicate: bool = False

    @property
    def moment(self) -> datetime:
        """The simulated time of the arrival."""
        return START + timedelta(seconds=self.at)


@dataclass
class Workload:
    """The groups, their members, and the arrivals in time order (warm-up ones apart)."""

    groups: list[Group]
    members: dict[int, list[User]] = field(default_factory=dict)
    arrivals: list[Arrival] = field(default_factory=list)
    warmup: list[Arrival] = field(default_factory=list)

    def lanes(self) -> list[list[Arrival]]:
        """Each group's arrivals in order: what one group's task handles."""
        by_group: dict[int, list[Arrival]] = {group.id: [] for group in self.groups}
        for arrival in self.arrivals:
            by_group[arrival.group.id].append(arrival)
        return [lane for lane in by_group.values() if lane]

    @property
    def all_arrivals(self) -> list[Arrival]:
        """The warm-up arrivals, then the timed ones."""
        return [*self.warmup, *self.arrivals]

    @property
    def duplicates(self) -> int:
        """How many arrivals are a member's second check-in."""
        return sum(arrival.duplicate for arrival in self.arrivals)

    @property
    def words(self) -> int:
        """How many arrivals are the plain word rather than the command."""
        return sum(arrival.text == CHECKIN_WORD for arrival in self.arrivals)


def workload(members: int, groups: int, seed: int = SEED) -> Workload:
    """``members`` spread evenly over ``groups``, each arriving once (5% twice) in the minute."""
    if groups < 1 or members < groups:
        raise ValueError(f"need at least one member per group: {members} for {groups} groups")
    rng = random.Random(seed)
    work = Workload(
        [Group(FIRST_CHAT - n, f"Check-in group {n}", ZONES[n % len(ZONES)]) for n in range(groups)]
    )
    for group in work.groups:
        work.members[group.id] = []
    for n in range(members):
        group = work.groups[n % groups]
        user = User(FIRST_USER + n, f"member {n}")
        work.members[group.id].append(user)
        work.arrivals.extend(_arrivals(rng, group, user))
    work.arrivals.sort(key=lambda arrival: arrival.at)
    work.warmup = _warmup(work)
    return work


def _arrivals(rng: random.Random, group: Group, user: User) -> list[Arrival]:
    """A member's check-in, and now and then a second one later in the minute."""
    at = rng.random() * WINDOW_S
    text = CHECKIN_WORD if rng.random() < WORD_SHARE else "/checkin"
    found = [Arrival(at, group, user, text)]
    if rng.random() < DUPLICATE_SHARE:
        again = at + rng.random() * (WINDOW_S - at)
        found.append(Arrival(again, group, user, "/checkin", duplicate=True))
    return found


def _warmup(work: Workload) -> list[Arrival]:
    """Extra members, one in each of the first groups, who check in before the timed run."""
    found: list[Arrival] = []
    first_user = FIRST_USER + sum(len(users) for users in work.members.values())
    for group in work.groups[:WARMUP_GROUPS]:
        user = User(first_user + len(found), f"early bird {len(found)}")
        work.members[group.id].append(user)
        found.append(Arrival(0.0, group, user, "/checkin"))
    return found


# --- Running --------------------------------------------------------------------------------


@dataclass
class Timing:
    """One side's run: each event's latency in seconds, the wall time, errors logged, and
    how many messages the bot sent (every check-in is answered)."""

    latencies: list[float]
    wall_s: float
    errors: int
    replies: int = 0

    def figures(self) -> dict[str, float]:
        """Check-ins per second over the wall time, and latency percentiles in ms."""
        ordered = sorted(self.latencies)
        return {
            "checkins_per_s": round(len(ordered) / self.wall_s, 1),
            "p50_ms": round(_percentile(ordered, 0.50) * 1000, 2),
            "p99_ms": round(_percentile(ordered, 0.99) * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2),
            "wall_s": round(self.wall_s, 3),
        }


def _percentile(ordered: Sequence[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


Handler = Callable[[Arrival], Awaitable[None]]


async def drive(lanes: Sequence[Sequence[Arrival]], handle: Handler) -> Timing:
    """All groups at once, each group's arrivals in order; time every ``handle``."""
    latencies: list[float] = []

    async def lane_task(lane: Sequence[Arrival]) -> None:
        for arrival in lane:
            # Set in this task's own context: the other groups keep their own time.
            _SIM_NOW.set(arrival.moment)
            began = time.perf_counter()
            try:
                await handle(arrival)
            except Exception:
                # Logged, so counted with what the dispatcher logs for failing features.
                log.exception("check-in of %s in %s failed", arrival.user.id, arrival.group.id)
            latencies.append(time.perf_counter() - began)

    with counting_errors() as logged:
        began = time.perf_counter()
        await asyncio.gather(*(lane_task(lane) for lane in lanes))
        wall = time.perf_counter() - began
    return Timing(latencies, wall, logged.count)


def _event(arrival: Arrival, message_id: int) -> Any:
    """The event the platform would hand over for this arrival."""
    message = Message(arrival.group.chat, arrival.user, message_id, arrival.text, arrival.moment)
    return parse_command(message, BOT_USERNAME) or message


def _for_database(settings: Settings, url: str) -> Settings:
    """The settings with the database URL swapped (leadership follows the backend)."""
    database = settings.database.model_copy(update={"url": url})
    return settings.model_copy(update={"database": database})


async def run_ours(settings: Settings, store: Store, work: Workload) -> Timing:
    """Every arrival through the real core's dispatcher on ``store``."""
    # Sends get increasing ids; no chat has admins.
    port = RecordingPort(record=False)
    port_any: Any = port
    core = build_core(
        _for_database(settings, store.url),
        store,
        port_any,
        bot_id=BOT_ID,
        bot_username=BOT_USERNAME,
        queued=False,  # the core alone: every reply reaches the counting port at once
    )
    core.runtime.clock = _SIM_NOW.get
    # Built beforehand: only ``dispatcher.handle`` is timed.
    events = {arrival: _event(arrival, n) for n, arrival in enumerate(work.all_arrivals, 1)}

    async def handle(arrival: Arrival) -> None:
        await core.dispatcher.handle(events[arrival])

    await core.start()
    try:
        for arrival in work.warmup:
            _SIM_NOW.set(arrival.moment)
            await handle(arrival)
        timing = await drive(work.lanes(), handle)
    finally:
        await core.stop()
    timing.replies = port.counts["send"] + port.counts["post"]
    return timing


async def run_floor(store: Store, work: Workload) -> Timing:
    """The baseline: per arrival, one unit of work inserting one row, committed."""

    async def handle(arrival: Arrival) -> None:
        async with store.unit() as uow:
            session = await uow.session()
            row = {"chat_id": arrival.group.id, "user_id": arrival.user.id}
            await session.execute(insert(FLOOR).values(**row, created_at=_SIM_NOW.get()))

    for arrival in work.warmup:
        await handle(arrival)
    return await drive(work.lanes(), handle)


async def prepare(store: Store, work: Workload) -> None:
    """Migrate, give every group its time zone, make the baseline's table, warm the cache."""
    await store.migrate()
    async with store.unit() as uow:
        chats = ChatRepository(uow)
        for group in work.groups:
            row = await chats.ensure(group.id, group.title)
            row.timezone = group.zone
    async with store.engine.begin() as connection:
        await connection.run_sync(_FLOOR_META.create_all)
    async with store.unit() as uow:
        await load_stored_ids(uow)


# --- Checking -------------------------------------------------------------------------------


async def verify(store: Store, work: Workload) -> dict[str, int]:
    """Count members stored right, and anything stored wrong, after our side's run."""
    reward = checkin_reward(1, PointsRules())
    async with store.unit() as uow:
        session = await uow.session()
        days = await _grouped(session, CheckinRow.__table__, with_day=True)
        credits = await _grouped(session, LedgerRow.__table__)
        floor_rows = int(await session.scalar(select(func.count()).select_from(FLOOR)) or 0)
        checks: Counter[str] = Counter()
        repo = PointsRepository(uow)
        for group in work.groups:
            sums = await repo.ledger_sums(group.id)
            accounts = {account.user_id: account for account in await repo.accounts(group.id)}
            expected_day = group.local_day(START)
            for user in work.members[group.id]:
                key = (group.id, user.id)
                checks["members"] += 1
                checks["one_checkin_each"] += days.get(key) == {expected_day: 1}
                checks["one_credit_each"] += credits.get(key) == 1 and sums.get(user.id) == (
                    reward,
                    reward,
                )
                account = accounts.get(user.id)
                checks["balances_match_ledger"] += (
                    account is not None
                    and (account.balance, account.earned) == sums.get(user.id)
                    and account.checkins == 1
                )
    stored_days = sum(sum(per_day.values()) for per_day in days.values())
    checks["extra_checkins"] = stored_days - checks["one_checkin_each"]
    checks["extra_credits"] = sum(credits.values()) - checks["one_credit_each"]
    checks["baseline_rows_missing"] = len(work.all_arrivals) - floor_rows
    return dict(checks)


async def _grouped(session: Any, table: Table, *, with_day: bool = False) -> dict[Any, Any]:
    """Rows per (chat, member): a count, or with ``with_day`` a count per day."""
    columns = [table.c.chat_id, table.c.user_id] + ([table.c.day] if with_day else [])
    result = await session.execute(select(*columns, func.count()).group_by(*columns))
    found: dict[Any, Any] = {}
    for row in result:
        if with_day:
            found.setdefault((row[0], row[1]), {})[row[2]] = int(row[3])
        else:
            found[(row[0], row[1])] = int(row[2])
    return found


# --- Databases ------------------------------------------------------------------------------


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    """A SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="groupbot-checkin-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"


async def _admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = create_async_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"timeout": CONNECT_TIMEOUT_S}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(sql_text(statement))
    finally:
        await engine.dispose()


async def postgres_unavailable(url: str) -> str | None:
    """Why PostgreSQL cannot be used at ``url``, or None if it answers."""
    try:
        await _admin(url, "SELECT 1")
    except Exception as error:  # any failure to connect means: skip, and say why
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[str]:
    """A fresh database on the server at ``url``, dropped afterwards."""
    name = f"groupbot_bench_{uuid.uuid4().hex[:12]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Measuring ------------------------------------------------------------------------------


async def measure_database(settings: Settings, url: str, work: Workload) -> dict[str, Any]:
    """Our side, then the baseline, on one fresh database; figures, ratios and checks."""
    store = Store(url)
    try:
        await prepare(store, work)
        ours = await run_ours(settings, store, work)
        baseline = await run_floor(store, work)
        checks = await verify(store, work)
    finally:
        await store.close()
    checks["unanswered"] = len(work.all_arrivals) - ours.replies
    mine, floor = ours.figures(), baseline.figures()
    return {
        "ours": mine,
        "baseline": floor,
        "rate_ratio": round(mine["checkins_per_s"] / floor["checkins_per_s"], 3),
        "p99_ratio": round(mine["p99_ms"] / floor["p99_ms"], 2),
        "keeps_up": mine["wall_s"] <= WINDOW_S,
        "errors": ours.errors + baseline.errors,
        "checks": checks,
        "checks_pass": _passed(checks) and ours.errors + baseline.errors == 0,
    }


def _passed(checks: dict[str, int]) -> bool:
    """Every member stored right and nothing stored twice."""
    right = ("one_checkin_each", "one_credit_each", "balances_match_ledger")
    wrong = ("extra_checkins", "extra_credits", "baseline_rows_missing", "unanswered")
    return all(checks[key] == checks["members"] for key in right) and not any(
        checks[key] for key in wrong
    )


async def measure_checkin(
    settings: Settings,
    *,
    members: int = 10_000,
    groups: int = 100,
    postgres_url: str | None = POSTGRES_URL,
    seed: int = SEED,
) -> dict[str, Any]:
    """Run both sides on SQLite and, if it answers, PostgreSQL; the JSON report."""
    work = workload(members, groups, seed)
    result: dict[str, Any] = {
        "members": members,
        "groups": groups,
        "events": len(work.arrivals),
        "duplicates": work.duplicates,
        "plain_word": work.words,
        "window_s": WINDOW_S,
        "zones": list(ZONES[: min(groups, len(ZONES))]),
    }
    async with sqlite_database() as url:
        result["sqlite"] = await measure_database(settings, url, work)
    reason = "not asked for" if postgres_url is None else await postgres_unavailable(postgres_url)
    if reason is None and postgres_url is not None:
        async with postgres_database(postgres_url) as url:
            result["postgresql"] = await measure_database(settings, url, work)
    else:
        result["postgresql"] = {"skipped": reason}
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


# --- The command ----------------------------------------------------------------------------


def _row(database: str, side: str, figures: dict[str, Any]) -> str:
    return (
        f"{database:<11}{side:<10}{figures['checkins_per_s']:>11,.0f}{figures['p50_ms']:>9.1f}"
        f"{figures['p99_ms']:>10.1f}{figures['max_ms']:>10.1f}{figures['wall_s']:>8.1f}"
    )


def _checks_line(found: dict[str, Any]) -> str:
    checks = found["checks"]
    verdict = "passed" if found["checks_pass"] else "FAILED"
    return (
        f"  checks {verdict}: of {checks['members']:,} members {checks['one_checkin_each']:,} "
        f"checked in once on their local day, {checks['one_credit_each']:,} credited once, "
        f"{checks['balances_match_ledger']:,} balances = ledger; extra check-ins "
        f"{checks['extra_checkins']}, extra credits {checks['extra_credits']}, unanswered "
        f"{checks['unanswered']}; errors logged {found['errors']}"
    )


def summary(result: dict[str, Any]) -> str:
    """The report as a short table and a few lines."""
    lines = [
        f"{result['events']:,} check-ins ({result['members']:,} members, "
        f"{result['duplicates']:,} of them twice, {result['plain_word']:,} as {CHECKIN_WORD}) "
        f"in {result['groups']} groups within one simulated minute",
        f"{'database':<11}{'side':<10}{'checkins/s':>11}{'p50 ms':>9}{'p99 ms':>10}"
        f"{'max ms':>10}{'wall s':>8}",
    ]
    for database in ("sqlite", "postgresql"):
        found = result[database]
        if "skipped" in found:
            lines.append(f"{database:<11}skipped: {found['skipped']}")
            continue
        lines += [_row(database, side, found[side]) for side in ("ours", "baseline")]
        pace = "within" if found["keeps_up"] else "slower than"
        lines.append(
            f"  ours/baseline: rate {found['rate_ratio']}x, p99 {found['p99_ratio']}x; "
            f"{pace} the real minute"
        )
        lines.append(_checks_line(found))
    return "\n".join(lines)


async def run_checkin_bench(settings: Settings, **options: Any) -> dict[str, Any]:
    """Run the check-in benchmark; print one line of JSON, then a summary."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = await measure_checkin(settings, **options)
    print(json.dumps(result, default=str), flush=True)
    print(summary(result), flush=True)
    return result
