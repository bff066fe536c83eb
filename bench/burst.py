"""``python -m bot bench --burst``: a busy group stays moderated.

In one group with the captcha on, ``--members`` members (default 60) send ``签到`` at once;
then an ad arrives and a newcomer joins. Everything goes through the real pipeline: the
``TelegramBot`` (PTB Application, per-chat ordering, AIORateLimiter), ``build_core`` with
every feature, ``TelegramPort`` over a real PTB ``Bot``, and the fake Telegram Bot API over
HTTP (``tests/fakes/bot_api.py``, so run this from a checkout of the repository), which
refuses more than ``--group-limit`` messages (default 20) per ``--window`` seconds (default
60) to one group with 429 retry_after, as Telegram does.

Two runs in this process, each on a fresh SQLite file:

- ours: the outbound queue (``core.outbound``): replies queued and merged when the queue is
  long, enforcement never queued, the captcha ahead of the replies;
- baseline, the behaviour before it: no queue, every reply awaited inside its handler,
  PTB's per-group limiter on. It is measured for at most ``--cap`` seconds (default 60);
  what had not happened by then is reported as "> cap". Then the limits are lifted so it
  stops quickly.

Reported per run: seconds from the ad's arrival to its deleteMessage and from the join to
the captcha message (target: under 2 s each), replies sent, check-ins credited (stored),
replies lost (check-ins acknowledged in no message when measuring ended), 429 answers.
The last line is one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter, ApplicationBuilder, BaseRateLimiter

from bot.app import open_store
from bot.platforms.telegram.app import TelegramBot, build_application
from bot.platforms.telegram.events import chat_key
from bot.platforms.telegram.ordering import PerChatUpdateProcessor
from bot.settings import Settings
from core.outbound import QueuedPort
from storage.captcha import CaptchaRepository
from storage.unit import Store

log = logging.getLogger(__name__)

TOKEN = "7000000005:BURST-local-only-not-a-real-token"
GROUP = -1_005_000_000_001
ADMIN_ID = 7_000_000_006
FIRST_MEMBER = 5_000_000
ADVERTISER_ID = 4_999_998
NEWCOMER_ID = 4_999_999
AD_TEXT = "加微信 money_888 领免费福利，日赚 500，VX: money_888"
CAPTCHA_SECONDS = 600
#: Seconds between looks at what the fake recorded.
POLL_S = 0.05
#: The target for the ad's deletion and for the captcha, in seconds.
TARGET_S = 2.0


@dataclass
class BurstResult:
    """One run: when the ad went and the captcha came, and what became of the check-ins."""

    side: str
    ad_deleted_s: float | None = None
    captcha_s: float | None = None
    acknowledged: int = 0
    acknowledged_s: float | None = None
    replies_sent: int = 0
    credited: int = 0
    throttled: int = 0
    merged_replies: int = 0
    measured_s: float = 0.0
    cap_s: float = 0.0
    members: int = 0

    def figures(self) -> dict[str, Any]:
        """The run as JSON-ready numbers; what did not happen within the cap is "> cap"."""
        return {
            "ad_deleted_s": _shown(self.ad_deleted_s, self.cap_s),
            "captcha_s": _shown(self.captcha_s, self.cap_s),
            "all_acknowledged_s": _shown(self.acknowledged_s, self.cap_s),
            "replies_sent": self.replies_sent,
            "checkins_credited": self.credited,
            "replies_lost": self.members - self.acknowledged,
            "merged_replies": self.merged_replies,
            "answers_429": self.throttled,
            "measured_s": round(self.measured_s, 1),
        }


def _shown(seconds: float | None, cap: float) -> float | str:
    return round(seconds, 3) if seconds is not None else f"> {cap:g}"


class _Liftable(BaseRateLimiter[int]):
    """The baseline's limiter: PTB's AIORateLimiter with its per-group limit, until ``lift``.

    Lifting lets waiting and later calls go at once, so a capped baseline stops in seconds
    instead of sending its backlog at 20 a minute.
    """

    def __init__(self, limited: AIORateLimiter) -> None:
        self._limited = limited
        self._lifted = asyncio.Event()

    def lift(self) -> None:
        """From now on, calls are not limited."""
        self._lifted.set()

    async def initialize(self) -> None:
        """Initialize the wrapped limiter."""
        await self._limited.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped limiter down."""
        await self._limited.shutdown()

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Run a call through PTB's limiter, or straight away once lifted."""
        if self._lifted.is_set():
            return await callback(*args, **kwargs)
        limited = asyncio.ensure_future(
            self._limited.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        )
        lifted = asyncio.ensure_future(self._lifted.wait())
        await asyncio.wait({limited, lifted}, return_when=asyncio.FIRST_COMPLETED)
        if limited.done():
            lifted.cancel()
            return limited.result()
        limited.cancel()
        return await callback(*args, **kwargs)


def _settings(
    settings: Settings, api_url: str, folder: Path, *, queued: bool, **budget: Any
) -> Settings:
    telegram = settings.telegram.model_copy(
        update={"token": TOKEN, "base_url": api_url, "mode": "polling", "poll_timeout": 1}
    )
    url = f"sqlite+aiosqlite:///{folder / 'burst.db'}"
    database = settings.database.model_copy(update={"url": url, "echo": False})
    outbound = settings.outbound.model_copy(update={"enabled": queued, **budget})
    bot = settings.bot.model_copy(update={"owner_ids": []})
    return settings.model_copy(
        update={"telegram": telegram, "database": database, "outbound": outbound, "bot": bot}
    )


def _baseline_application(settings: Settings, limiter: BaseRateLimiter[Any]) -> Any:
    """``build_application`` with the limiter as it was: PTB's, its per-group limit on."""
    tg = settings.telegram
    return (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.file_url())
        .rate_limiter(limiter)
        .concurrent_updates(PerChatUpdateProcessor(chat_key, 256))
        .get_updates_read_timeout(tg.poll_timeout + 10)
        .job_queue(None)
        .updater(None)  # TelegramBot polls by itself (bot.platforms.telegram.polling)
        .build()
    )


async def _prepare(settings: Settings) -> None:
    """A migrated database where the group has the captcha on."""
    store = Store(settings.database.url)
    try:
        await store.migrate()
        async with store.unit() as uow:
            await CaptchaRepository(uow).change(
                GROUP, "Busy group", enabled=True, mode="math", seconds=CAPTCHA_SECONDS
            )
            await uow.commit()
    finally:
        await store.close()


def _credited(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        row = db.execute(
            "SELECT COUNT(DISTINCT user_id) FROM checkins WHERE chat_id = ?", (GROUP,)
        ).fetchone()
    return int(row[0])


@dataclass
class _Watch:
    """What to look for among the fake's recorded calls, and when each was first seen."""

    names: Sequence[str]
    ad_id: int
    acknowledged: set[str] = field(default_factory=set)
    ad_deleted: float | None = None
    captcha: float | None = None
    all_acknowledged: float | None = None
    _looked: int = 0
    _unanswered: list[Any] = field(default_factory=list)

    def look(self, calls: Sequence[Any]) -> bool:
        """Note what the calls answered since the last look show; True once all happened."""
        # A call is recorded when it arrives and answered later (a long poll, much later).
        fresh = [*self._unanswered, *calls[self._looked :]]
        self._looked = len(calls)
        self._unanswered = [call for call in fresh if call.status is None]
        for call in fresh:
            if call.status is not None:
                self._note(call)
        return None not in (self.ad_deleted, self.captcha, self.all_acknowledged)

    def _note(self, call: Any) -> None:
        params = call.params
        if call.status != 200 or str(params.get("chat_id", "")) != str(GROUP):
            return
        if call.method == "deleteMessage" and params.get("message_id") == self.ad_id:
            self.ad_deleted = self.ad_deleted or call.time
        elif call.method == "sendMessage":
            text = str(params.get("text", ""))
            if f"tg://user?id={NEWCOMER_ID}" in text and params.get("reply_markup"):
                self.captcha = self.captcha or call.time
            self.acknowledged.update(name for name in self.names if name in text)
            if self.all_acknowledged is None and len(self.acknowledged) == len(self.names):
                self.all_acknowledged = call.time


async def _run(
    side: str,
    settings: Settings,
    members: int,
    limit: int,
    window: float,
    cap: float,
    *,
    queued: bool,
    budget: dict[str, Any],
) -> BurstResult:
    from tests.fakes.bot_api import FakeBotApi, make_user

    result = BurstResult(side, cap_s=cap, members=members)
    with tempfile.TemporaryDirectory(prefix="groupbot-burst-") as folder:
        async with FakeBotApi(group_message_limit=limit, group_window_seconds=window) as api:
            api.add_chat(GROUP, title="Busy group", member_count=members + 10)
            api.set_admins(GROUP, [], creator_id=ADMIN_ID)
            cfg = _settings(settings, api.base_url, Path(folder), queued=queued, **budget)
            await _prepare(cfg)
            limiter: _Liftable | None = None
            if queued:
                application = build_application(cfg)
            else:
                limiter = _Liftable(
                    AIORateLimiter(
                        group_max_rate=limit,
                        group_time_period=window,
                        max_retries=cfg.telegram.max_retries,
                    )
                )
                application = _baseline_application(cfg, limiter)
            bot = TelegramBot(cfg, application, await open_store(cfg))
            try:
                await bot.start()
                await _burst(api, make_user, bot, result, members)
            finally:
                if limiter is not None:
                    limiter.lift()
                api.group_limit = None
                await bot.stop()
        result.credited = _credited(Path(folder) / "burst.db")
    return result


async def _burst(
    api: Any, make_user: Callable[..., Any], bot: TelegramBot, result: BurstResult, members: int
) -> None:
    """Push the burst, the ad and the join; watch until all happened or the cap passed."""
    width = len(str(members))
    names = [f"Member {n:0{width}d}" for n in range(members)]
    for n, name in enumerate(names):
        api.push_update(api.message_update(GROUP, make_user(FIRST_MEMBER + n, name), "签到"))
    ad = api.message_update(GROUP, make_user(ADVERTISER_ID, "Deals"), AD_TEXT)
    ad_at = time.time()
    api.push_update(ad)
    join_at = time.time()
    api.push_update(api.new_members_update(GROUP, [make_user(NEWCOMER_ID, "Newcomer")]))
    watch = _Watch(names, int(ad["message"]["message_id"]))
    began = time.monotonic()
    while not watch.look(api.calls) and time.monotonic() - began < result.cap_s:
        await asyncio.sleep(POLL_S)
    result.measured_s = time.monotonic() - began
    result.ad_deleted_s = watch.ad_deleted - ad_at if watch.ad_deleted else None
    result.captcha_s = watch.captcha - join_at if watch.captcha else None
    result.acknowledged_s = watch.all_acknowledged - ad_at if watch.all_acknowledged else None
    result.acknowledged = len(watch.acknowledged)
    sends = [c for c in api.calls_to("sendMessage") if int(c.params.get("chat_id", 0)) == GROUP]
    captcha_sent = 1 if watch.captcha else 0
    result.replies_sent = sum(c.status == 200 for c in sends) - captcha_sent
    result.throttled = sum(c.status == 429 for c in api.calls)
    port = bot.core.runtime.port if bot.core else None
    if isinstance(port, QueuedPort):
        result.merged_replies = port.stats.merged_replies


async def run_burst_bench(
    settings: Settings,
    *,
    members: int = 60,
    limit: int = 20,
    window: float = 60.0,
    cap: float = 60.0,
    reserve: int = 3,
) -> dict[str, Any]:
    """Run ours, then the baseline; print a summary and the JSON line, and return it."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    budget = {
        "chat_messages": limit,
        "window_seconds": window,
        "normal_reserve": min(reserve, limit - 1),
    }
    # Ours needs one window to send the merged replies the first window had no room for.
    ours = await _run(
        "ours", settings, members, limit, window, 2 * window + 30, queued=True, budget=budget
    )
    baseline = await _run(
        "baseline", settings, members, limit, window, cap, queued=False, budget={}
    )
    report = {
        "bench": "burst",
        "members": members,
        "group_limit": limit,
        "window_s": window,
        "ours": ours.figures(),
        "baseline": baseline.figures(),
        "targets_met": _met(ours, members),
    }
    for run in (ours, baseline):
        figures = run.figures()
        print(
            f"{run.side:>8}: ad deleted after {figures['ad_deleted_s']} s, captcha after "
            f"{figures['captcha_s']} s, {run.replies_sent} replies sent, {run.credited} "
            f"check-ins credited, {figures['replies_lost']} replies lost",
            flush=True,
        )
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return report


def _met(run: BurstResult, members: int) -> bool:
    """Both targets under 2 s, every check-in credited and acknowledged."""
    return (
        run.ad_deleted_s is not None
        and run.ad_deleted_s < TARGET_S
        and run.captcha_s is not None
        and run.captcha_s < TARGET_S
        and run.credited == members
        and run.acknowledged == members
    )
