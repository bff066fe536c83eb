"""``python -m bot bench --captcha``: a join raid against the newcomer captcha.

``--newcomers`` members (default 2,000) join ``--groups`` groups (default 20), each join
reported twice as on Telegram (a ``chat_member`` update and a service message). The events
go through the real core (``build_core``: every feature, one unit of work per event) on a
fresh, migrated SQLite file, with a port that only counts calls. The groups run
concurrently, each group's events in order, as the platform's per-chat ordering delivers
them.

Phases, all timed:

1. baseline: the same raid with the captcha off (the welcome and activity tracking only),
   in groups of their own;
2. raid: the captcha on (sums): each newcomer is muted, asked, and the captcha stored;
3. answers: half of the newcomers press the right answer (unmuted, welcomed);
4. restart: the core is stopped, the clock moved past every deadline and a new core
   started: the start-up sweep resolves the other half (kicked, captcha deleted).

Afterwards the counts are checked: one captcha per newcomer, one unmute per right answer,
one kick per captcha left unanswered, nothing left pending. One JSON line is printed.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.pipeline import peak_rss_mb
from bot.app import Core, build_core
from bot.platforms.recording import RecordingPort
from bot.platforms.telegram.joins import JoinReports
from bot.settings import Settings
from core.buttons import encode
from core.events import ButtonPress, Chat, Event, MemberJoined, User
from handlers.captcha.rules import ANSWER, button_args
from storage.captcha import CaptchaRepository
from storage.models import PendingCaptchaRow
from storage.repositories import load_stored_ids
from storage.unit import Store

BOT_ID = 7_000_000_003
ADMIN_ID = 7_000_000_004
# The calls reported, under the names the figures have always had (lookups are not).
REPORTED = {
    "send": "send",
    "edit": "edit",
    "delete": "delete",
    "mute": "mute",
    "unmute": "unmute",
    "kick": "kick",
    "ban": "ban",
    "approve_join": "approve",
    "decline_join": "decline",
    "answer_button": "answer",
}
FIRST_CHAT = -1_003_000_000_000
FIRST_USER = 6_000_000
# Long enough that no deadline passes while the bench runs (timers run on the real clock).
CAPTCHA_SECONDS = 1800


def _joins(
    chats: Sequence[Chat], newcomers: int, first_user: int, at: datetime
) -> list[list[Event]]:
    """Per group, each newcomer's join reported twice, in order, as the Telegram platform
    hands it on (one MemberJoined, then a ServiceNotice)."""
    lanes: list[list[Event]] = [[] for _ in chats]
    for n in range(newcomers):
        chat = chats[n % len(chats)]
        user = User(first_user + n, f"Newcomer {n}")
        lanes[n % len(chats)] += [
            MemberJoined(chat, user, at),
            MemberJoined(chat, user, at, service_message_id=n + 1),
        ]
    reports = JoinReports()
    return [reports.all(lane) for lane in lanes]


async def _drive(core: Core, lanes: list[list[Event]]) -> tuple[float, list[float]]:
    """Handle every lane concurrently (each in order); wall time and per-event latencies."""
    latencies: list[float] = []

    async def lane(events: list[Event]) -> None:
        for event in events:
            began = time.perf_counter()
            await core.dispatcher.handle(event)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(lane(events) for events in lanes))
    return time.perf_counter() - began, latencies


def _p99_ms(latencies: list[float]) -> float:
    if len(latencies) < 2:
        return round(latencies[0] * 1000, 3) if latencies else 0.0
    return round(statistics.quantiles(latencies, n=100)[98] * 1000, 3)


async def _core(
    settings: Settings, store: Store, port: RecordingPort, now: Callable[[], datetime]
) -> Core:
    async with store.unit() as uow:
        await load_stored_ids(uow)
    # The core alone: an instant port with no outbound queue (bench --burst measures that).
    core = build_core(
        settings,
        store,
        port,  # type: ignore[arg-type]
        bot_id=BOT_ID,
        bot_username="captcha_bench_bot",
        queued=False,
    )
    core.runtime.clock = now
    await core.start()
    return core


async def _enable(store: Store, chats: Sequence[Chat]) -> None:
    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        for chat in chats:
            await repo.change(
                chat.id, chat.title, enabled=True, mode="math", seconds=CAPTCHA_SECONDS
            )


async def _presses(store: Store, share: float) -> list[list[Event]]:
    """Right answers of the first ``share`` of pending captchas, per group."""
    async with store.unit() as uow:
        session = await uow.session()
        table = PendingCaptchaRow.__table__
        rows = list(await session.execute(select(table).order_by(table.c.id)))
    chosen = rows[: int(len(rows) * share)]
    lanes: dict[int, list[Event]] = {}
    for row in chosen:
        chat = Chat(row.chat_id, "Bench group")
        press = ButtonPress(
            chat,
            User(row.user_id, f"Newcomer {row.user_id}"),
            row.message_id,
            encode(ANSWER, button_args(row.id, str(row.answer))),
            f"press-{row.id}",
        )
        lanes.setdefault(row.chat_id, []).append(press)
    return list(lanes.values())


async def run_captcha_bench(settings: Settings, *, newcomers: int, groups: int) -> dict[str, Any]:
    """Run the phases on a temporary SQLite file; print and return one JSON line."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'captcha_bench.db'}"
        bench_settings = settings.model_copy(
            update={"database": settings.database.model_copy(update={"url": url})}
        )
        result = await _phases(bench_settings, url, newcomers, groups)
    print(json.dumps(result))
    return result


async def _phases(settings: Settings, url: str, newcomers: int, groups: int) -> dict[str, Any]:
    store = Store(url)
    await store.migrate()
    start = datetime.now(UTC)
    clock = {"now": start}
    port = RecordingPort(admins={ADMIN_ID}, member_count=100, record=False)
    plain = [Chat(FIRST_CHAT - g, f"Plain {g}") for g in range(groups)]
    guarded = [Chat(FIRST_CHAT - groups - g, f"Guarded {g}") for g in range(groups)]
    await _enable(store, guarded)
    core = await _core(settings, store, port, lambda: clock["now"])
    try:
        base_s, base_lat = await _drive(core, _joins(plain, newcomers, FIRST_USER, start))
        raid = _joins(guarded, newcomers, FIRST_USER + newcomers, start)
        raid_s, raid_lat = await _drive(core, raid)
        presses = await _presses(store, 0.5)
        answered = sum(len(lane) for lane in presses)
        press_s, press_lat = await _drive(core, presses)
    finally:
        await core.stop()
    clock["now"] = start + timedelta(seconds=CAPTCHA_SECONDS + 60)
    began = time.perf_counter()
    core = await _core(settings, store, port, lambda: clock["now"])
    sweep_s = time.perf_counter() - began
    await core.stop()
    async with store.unit() as uow:
        left = len(await CaptchaRepository(uow).deadlines())
    await store.close()
    calls = {REPORTED[m]: n for m, n in port.counts.items() if m in REPORTED}
    expired = newcomers - answered
    ok = (
        calls["mute"] == newcomers
        and calls["unmute"] == answered
        and calls["kick"] == expired
        and left == 0
    )
    return {
        "bench": "captcha",
        "newcomers": newcomers,
        "groups": groups,
        "baseline_joins_per_s": round(2 * newcomers / base_s),
        "baseline_p99_ms": _p99_ms(base_lat),
        "captcha_joins_per_s": round(2 * newcomers / raid_s),
        "captcha_p99_ms": _p99_ms(raid_lat),
        "captcha_vs_baseline": round(base_s / raid_s, 3),
        "answers": answered,
        "answers_per_s": round(answered / press_s),
        "answer_p99_ms": _p99_ms(press_lat),
        "expired_at_start": expired,
        "startup_sweep_s": round(sweep_s, 3),
        "expired_resolved_per_s": round(expired / sweep_s) if sweep_s else None,
        "calls": dict(sorted(calls.items())),
        "checks_passed": ok,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
