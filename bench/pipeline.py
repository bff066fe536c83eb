"""``python -m bot bench``: update throughput of the whole bot against bare python-telegram-bot.

A deterministic stream of synthetic group updates (plain messages, joins, a few commands)
goes through the real Telegram platform: long polling by PTB's ``Updater`` (JSON decoded
into ``Update`` objects), the ``Application`` with our per-chat update processor and
AIORateLimiter, ``events_from_update``, the dispatcher with every feature, and a migrated
SQLite file in a temporary folder; a run ends when every update is handled and the
features have flushed what they buffered. Bot API calls, ``getUpdates`` included, are
answered in-process by ``LocalBotApi``: nothing touches the network. The same stream,
polled the same way, goes through a bare ``Application`` with one no-op handler. Both run
in this process, in alternating pairs, and the report (one JSON line) gives the medians
and the median of the pairs' ratios, which shrugs off a noisy machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.platforms.telegram.app import TelegramBot
from bot.platforms.telegram.events import chat_key
from bot.platforms.telegram.ordering import PerChatUpdateProcessor
from bot.settings import Settings
from storage.unit import Store

log = logging.getLogger(__name__)

BOT_ID = 7_000_000_001
BOT_USERNAME = "groupbot_bench_bot"
TOKEN = f"{BOT_ID}:BENCH-local-only-not-a-real-token"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Bench Bot",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": True,
    "supports_inline_queries": False,
}
OWNER_ID = 99
#: How long to wait for a run before calling it stuck.
RUN_TIMEOUT_S = 900.0
#: Quotas high enough never to throttle: the limiter's code still runs on every call.
UNREACHABLE_RATE = 1_000_000_000
#: Updates per getUpdates answer, Telegram's maximum.
POLL_BATCH = 100
#: How long an empty long poll takes here.
IDLE_POLL_S = 0.005


# --- A Bot API answered in-process --------------------------------------------------------


def _group(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": f"Bench group {abs(chat_id) % 10_000}"}


class LocalBotApi(BaseRequest):
    """A PTB request backend answering every Bot API method locally with plausible JSON.

    ``getUpdates`` hands out the payloads given to ``feed`` in batches of 100, as Telegram
    does, once ``open`` is set; until then (and after the last batch) it answers an empty
    long poll.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.posts = 0
        self.open = asyncio.Event()
        self._batches: list[bytes] = []
        self._message_ids = itertools.count(1_000_000)
        self._started = time.time()

    def feed(self, payloads: Sequence[dict[str, Any]]) -> None:
        """Serve these update payloads to ``getUpdates``, encoded once up front."""
        self._batches = [
            json.dumps({"ok": True, "result": payloads[i : i + POLL_BATCH]}).encode()
            for i in range(0, len(payloads), POLL_BATCH)
        ]
        self._batches.reverse()

    @property
    def read_timeout(self) -> float | None:
        """No network, so no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one call as Telegram would, successfully."""
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "getUpdates":
            return 200, await self._poll()
        self.calls[endpoint] += 1
        params = request_data.parameters if request_data is not None else {}
        result = self.answer(endpoint, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _poll(self) -> bytes:
        if self.open.is_set() and self._batches:
            return self._batches.pop()
        await asyncio.sleep(IDLE_POLL_S)
        return b'{"ok": true, "result": []}'

    def answer(self, endpoint: str, params: dict[str, Any]) -> Any:
        """The ``result`` of one Bot API method."""
        if endpoint == "getMe":
            return BOT_USER
        if endpoint in ("sendMessage", "sendPhoto", "editMessageText"):
            if endpoint == "sendMessage" and "reply_parameters" not in params:
                self.posts += 1
            return self._message(params)
        if endpoint == "getChatAdministrators":
            owner = {"id": OWNER_ID, "is_bot": False, "first_name": "Owner"}
            return [{"status": "creator", "user": owner, "is_anonymous": False}]
        if endpoint == "getChatMemberCount":
            return 150
        if endpoint == "getChat":
            return {
                **_group(int(params["chat_id"])),
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", -1))
        return {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(self._started),
            "chat": _group(chat_id),
            "from": BOT_USER,
            "text": str(params.get("text") or params.get("caption") or ""),
        }


# --- The synthetic stream ----------------------------------------------------------------

_ZH_WORDS = "大家 好 今天 天气 不错 我们 一起 讨论 这个 问题 谢谢 群主 分享 资料 明天 开会 哈哈"
_EN_WORDS = (
    "hello everyone does anyone know how to fix this build the release notes look good "
    "thanks for sharing see you tomorrow lol"
)
_ZH, _EN = _ZH_WORDS.split(), _EN_WORDS.split()
_FIRST = ["小明", "王芳", "李雷", "韩梅梅", "Alice", "Bob", "Carol", "Dave", "Eve", "Mallory"]
_COMMANDS = ["/help", "/rules", f"/help@{BOT_USERNAME}", "/rules@" + BOT_USERNAME, "/welcome"]
_BASE_DATE = 1_750_000_000


@dataclass(frozen=True)
class StreamMix:
    """Shares of each kind of update in the stream (the rest are plain messages)."""

    joins: float = 0.05
    commands: float = 0.02
    member_updates: float = 0.35  # of joins, sent as chat_member rather than a service message
    replies: float = 0.10  # of plain messages, replying to an earlier message


#: Members of the busiest group; a group of rank r has about this / sqrt(r + 1).
BUSIEST_GROUP_MEMBERS = 500


def _zipf(count: int, exponent: float) -> list[float]:
    """Cumulative weights 1/(rank+1)^exponent: a few are chosen often, most rarely."""
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


@dataclass
class _Stream:
    rng: random.Random
    chats: list[dict[str, Any]]
    members: dict[int, list[dict[str, Any]]]
    weights: list[float]
    message_ids: Counter[int] = field(default_factory=Counter)
    newcomers: Iterator[int] = field(default_factory=lambda: itertools.count(50_000_000))

    def chat(self) -> dict[str, Any]:
        return self.rng.choices(self.chats, cum_weights=self.weights)[0]

    def speaker(self, chat: dict[str, Any]) -> dict[str, Any]:
        """A member of the chat; as in real groups, a few members do most of the talking."""
        members = self.members[chat["id"]]
        return self.rng.choices(members, cum_weights=_SPEAKERS[: len(members)])[0]

    def next_id(self, chat: dict[str, Any]) -> int:
        self.message_ids[chat["id"]] += 1
        return self.message_ids[chat["id"]]


def _members(rank: int) -> int:
    return max(20, int(BUSIEST_GROUP_MEMBERS / (rank + 1) ** 0.5))


_SPEAKERS = _zipf(BUSIEST_GROUP_MEMBERS, 1.0)


def _user(user_id: int, rng: random.Random) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": rng.choice(_FIRST)}
    if rng.random() < 0.5:
        user["last_name"] = rng.choice(_FIRST)
    if rng.random() < 0.6:
        user["username"] = f"user{user_id}"
    user["language_code"] = rng.choice(("zh-hans", "en", "zh-hans"))
    return user


def _text(rng: random.Random) -> str:
    words = _ZH if rng.random() < 0.6 else _EN
    length = min(int(rng.expovariate(1 / 12)) + 1, 300)
    glue = "" if words is _ZH else " "
    return glue.join(rng.choice(words) for _ in range(length))


def _message(s: _Stream, chat: dict[str, Any], user: dict[str, Any], date: int) -> dict[str, Any]:
    return {"message_id": s.next_id(chat), "date": date, "chat": chat, "from": user}


def _plain(s: _Stream, chat: dict[str, Any], date: int, mix: StreamMix) -> dict[str, Any]:
    message = _message(s, chat, s.speaker(chat), date)
    message["text"] = _text(s.rng)
    if s.rng.random() < mix.replies and message["message_id"] > 1:
        earlier = _message(s, chat, s.speaker(chat), date - 60)
        earlier["message_id"] = s.rng.randrange(1, message["message_id"])
        earlier["text"] = _text(s.rng)
        message["reply_to_message"] = earlier
    return {"message": message}


def _command(s: _Stream, chat: dict[str, Any], date: int) -> dict[str, Any]:
    message = _message(s, chat, s.speaker(chat), date)
    text = s.rng.choice(_COMMANDS)
    message["text"] = text
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"message": message}


def _join(s: _Stream, chat: dict[str, Any], date: int, mix: StreamMix) -> dict[str, Any]:
    count = 1 if s.rng.random() < 0.85 else s.rng.randint(2, 4)
    newcomers = [_user(next(s.newcomers), s.rng) for _ in range(count)]
    if s.rng.random() < mix.member_updates:
        user = newcomers[0]
        change = {
            "chat": chat,
            "from": user,
            "date": date,
            "old_chat_member": {"status": "left", "user": user},
            "new_chat_member": {"status": "member", "user": user},
        }
        return {"chat_member": change}
    message = _message(s, chat, newcomers[0], date)
    message["new_chat_members"] = newcomers
    return {"message": message}


def synthetic_updates(
    count: int,
    chats: int,
    *,
    users: int | None = None,
    seed: int = 20_240_601,
    mix: StreamMix | None = None,
) -> list[dict[str, Any]]:
    """Bot API update dicts for ``count`` updates over ``chats`` groups; same seed, same stream."""
    mix = mix or StreamMix()
    rng = random.Random(seed)
    group_chats = [_group(-1_001_000_000_000 - i) for i in range(chats)]
    people = [_user(10_000 + i, rng) for i in range(users or max(3_000, chats * 15))]
    members = {
        chat["id"]: rng.sample(people, min(len(people), _members(rank)))
        for rank, chat in enumerate(group_chats)
    }
    # Some groups are much busier than others.
    stream = _Stream(rng, group_chats, members, _zipf(chats, 0.5))
    updates = []
    for update_id in range(1, count + 1):
        chat, date, roll = stream.chat(), _BASE_DATE + update_id // 50, rng.random()
        if roll < mix.joins:
            body = _join(stream, chat, date, mix)
        elif roll < mix.joins + mix.commands:
            body = _command(stream, chat, date)
        else:
            body = _plain(stream, chat, date, mix)
        updates.append({"update_id": update_id, **body})
    return updates


# --- Running one measured application ----------------------------------------------------


class Progress:
    """Counts finished updates and wakes the waiter when the last one is done."""

    def __init__(self) -> None:
        self.done = 0
        self.target = 0
        self.finished = asyncio.Event()

    def expect(self, count: int) -> None:
        """Start waiting for ``count`` more updates."""
        self.done, self.target = 0, count
        self.finished.clear()

    def tick(self) -> None:
        """One more update is done."""
        self.done += 1
        if self.done >= self.target:
            self.finished.set()


class _CountingBot(TelegramBot):
    """The real TelegramBot, also counting updates whose handling has finished."""

    def __init__(self, settings: Settings, application: Application, store: Store) -> None:
        super().__init__(settings, application, store)
        self.progress = Progress()

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await super()._on_update(update, context)
        finally:
            self.progress.tick()


async def feed(api: LocalBotApi, payloads: Sequence[dict[str, Any]], progress: Progress) -> float:
    """Let the running poller fetch every payload; seconds until the last one has been handled."""
    api.feed(payloads)
    gc.collect()
    progress.expect(len(payloads))
    start = time.perf_counter()
    api.open.set()
    await asyncio.wait_for(progress.finished.wait(), RUN_TIMEOUT_S)
    return time.perf_counter() - start


def rate_limiter(settings: Settings, *, telegram_limits: bool) -> AIORateLimiter:
    """The configured limiter; without Telegram's quotas unless ``telegram_limits``."""
    retries = settings.telegram.max_retries
    if telegram_limits:
        # As build_application: per-group budgets are the outbound queue's (core.outbound).
        return AIORateLimiter(group_max_rate=0, max_retries=retries)
    return AIORateLimiter(UNREACHABLE_RATE, 1, UNREACHABLE_RATE, 60, max_retries=retries)


def bench_application(
    settings: Settings, api: LocalBotApi, updates: LocalBotApi, *, telegram_limits: bool = False
) -> Application:
    """``build_application`` with local Bot API backends for calls and for polling."""
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(updates)
        .rate_limiter(rate_limiter(settings, telegram_limits=telegram_limits))
        .concurrent_updates(PerChatUpdateProcessor(chat_key, 256))
        .job_queue(None)
        .build()
    )


def bench_settings(
    settings: Settings, database: Path, *, telegram_limits: bool = False
) -> Settings:
    """The given settings with a fresh SQLite file, a local token and polling mode.

    Without ``telegram_limits`` the outbound queue still runs, with a budget never reached.
    """
    telegram = settings.telegram.model_copy(update={"token": TOKEN, "mode": "polling"})
    url = f"sqlite+aiosqlite:///{database}"
    db = settings.database.model_copy(update={"url": url, "echo": False})
    update: dict[str, Any] = {"telegram": telegram, "database": db}
    if not telegram_limits:
        update["outbound"] = settings.outbound.model_copy(
            update={"chat_messages": 1_000_000, "window_seconds": 1.0}
        )
    return settings.model_copy(update=update)


class ErrorCount(logging.Handler):
    """Counts records at ERROR or above: the dispatcher logs failing features, never raises."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one."""
        self.count += 1


@contextlib.contextmanager
def counting_errors() -> Iterator[ErrorCount]:
    """Count error records logged anywhere while the block runs."""
    handler = ErrorCount()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@dataclass
class RunResult:
    """One measured run."""

    seconds: float
    updates: int
    db_commits: int = 0
    errors: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)
    welcomes_sent: int = 0
    members_stored: int = 0
    messages_recorded: int = 0

    @property
    def rate(self) -> float:
        """Updates per second."""
        return self.updates / self.seconds


async def _timed(work: Awaitable[Any]) -> float:
    """Seconds ``work`` takes: here, flushing what features buffered, which is part of the job."""
    start = time.perf_counter()
    await work
    return time.perf_counter() - start


def _count_commits(store: Store) -> list[int]:
    commits = [0]

    def on_commit(_connection: Any) -> None:
        commits[0] += 1

    from sqlalchemy import event

    event.listen(store.engine.sync_engine, "commit", on_commit)
    return commits


def _stored_activity(database: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        row = db.execute("SELECT COUNT(*), COALESCE(SUM(message_count), 0) FROM members").fetchone()
    return int(row[0]), int(row[1])


async def run_ours(
    settings: Settings, payloads: Sequence[dict[str, Any]], *, telegram_limits: bool = False
) -> RunResult:
    """The whole bot on a fresh database; shutdown (final flushes) is not timed."""
    from bot.app import open_store

    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as folder:
        database = Path(folder) / "bench.db"
        cfg = bench_settings(settings, database, telegram_limits=telegram_limits)
        api, poller = LocalBotApi(), LocalBotApi()
        store = await open_store(cfg)
        commits = _count_commits(store)
        app = bench_application(cfg, api, poller, telegram_limits=telegram_limits)
        bot = _CountingBot(cfg, app, store)
        with counting_errors() as errors:
            try:
                await bot.start()
                api.calls.clear()
                commits[0] = 0
                seconds = await feed(poller, payloads, bot.progress)
                seconds += await _timed(bot.core.stop()) if bot.core else 0.0
            finally:
                await bot.stop()
        members, messages = _stored_activity(database)
    return RunResult(
        seconds,
        len(payloads),
        commits[0],
        errors.count,
        dict(api.calls),
        api.posts,
        members,
        messages,
    )


async def run_baseline(payloads: Sequence[dict[str, Any]]) -> RunResult:
    """A bare PTB Application (default settings, so one update at a time) with a no-op handler."""
    progress = Progress()

    async def noop(_update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        progress.tick()

    poller = LocalBotApi()
    app = ApplicationBuilder().token(TOKEN).request(LocalBotApi()).get_updates_request(poller)
    application = app.build()
    application.add_handler(TypeHandler(Update, noop))
    await application.initialize()
    await application.updater.start_polling(poll_interval=0)
    await application.start()
    try:
        seconds = await feed(poller, payloads, progress)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    return RunResult(seconds, len(payloads))


# --- The command ------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MiB."""
    try:
        import resource
    except ImportError:  # not on Unix: the current size is the best psutil can say
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def report(
    updates: int, chats: int, ours: Sequence[RunResult], baseline: Sequence[RunResult], **extra: Any
) -> dict[str, Any]:
    """The JSON report: medians of each side, the median paired ratio, and what ours did."""
    ratios = [mine.rate / base.rate for mine, base in zip(ours, baseline, strict=True)]
    typical = sorted(ours, key=lambda run: run.rate)[len(ours) // 2]
    return {
        "updates": updates,
        "chats": chats,
        "updates_per_s": round(median(run.rate for run in ours), 1),
        "baseline_updates_per_s": round(median(run.rate for run in baseline), 1),
        "ratio": round(median(ratios), 3),
        "ratios": [round(ratio, 3) for ratio in ratios],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "db_commits": typical.db_commits,
        "best_updates_per_s": round(max(run.rate for run in ours), 1),
        "best_baseline_updates_per_s": round(max(run.rate for run in baseline), 1),
        "errors": sum(run.errors for run in ours),
        "welcomes_sent": typical.welcomes_sent,
        "members_stored": typical.members_stored,
        "messages_recorded": typical.messages_recorded,
        "api_calls": dict(sorted(typical.api_calls.items())),
        **extra,
    }


async def measure(
    settings: Settings,
    *,
    updates: int,
    chats: int,
    repeats: int = 5,
    telegram_limits: bool = False,
) -> dict[str, Any]:
    """Warm up, then run baseline and bot in ``repeats`` alternating pairs; the JSON report."""
    payloads = synthetic_updates(updates, chats)
    warmup = payloads[: max(1, min(len(payloads), 2_000))]
    await run_baseline(warmup)
    await run_ours(settings, warmup, telegram_limits=telegram_limits)
    ours: list[RunResult] = []
    baseline: list[RunResult] = []
    for _ in range(repeats):
        baseline.append(await run_baseline(payloads))
        ours.append(await run_ours(settings, payloads, telegram_limits=telegram_limits))
    limits = "telegram" if telegram_limits else "unreachable"
    return report(updates, chats, ours, baseline, rate_limits=limits, repeats=repeats)


async def run_bench(
    settings: Settings,
    *,
    updates: int = 20_000,
    chats: int = 200,
    repeats: int = 5,
    telegram_limits: bool = False,
) -> dict[str, Any]:
    """Run the benchmark and print its report as one line of JSON."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = await measure(
        settings, updates=updates, chats=chats, repeats=repeats, telegram_limits=telegram_limits
    )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result
