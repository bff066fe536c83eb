"""Composition: build everything from Settings, start it in order, stop it in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import cast

from bot.cas import CasClient
from bot.dispatch import Dispatcher
from bot.housekeeping import Housekeeping
from bot.platforms.routing import RoutingPort
from bot.settings import Settings
from bot.typed_choices import ChoiceBook, ChoicePort
from core.chat import ChatPort
from core.commands import Commands, CommandTable
from core.fallbacks import NEEDS_FILES, capabilities_of, with_fallbacks
from core.feature import Feature
from core.i18n import Translator, feature_catalogs
from core.leadership import leadership_for
from core.outbound import wrap_port
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from core.timed_work import TimedWork
from handlers.activity import ActivityTracker
from handlers.autoreply.feature import AutoReplies
from handlers.badges.feature import Badges
from handlers.basics import Basics
from handlers.captcha.feature import Captcha
from handlers.challenges.feature import Challenges
from handlers.checkin.feature import Points
from handlers.cleanup.contacts import StartedUsers
from handlers.cleanup.feature import Cleanup
from handlers.invites.feature import Invites
from handlers.lottery.feature import Lotteries
from handlers.moderation.enforcement import Enforcement
from handlers.moderation.guard import Moderation
from handlers.nightmode.feature import NightMode
from handlers.quiz.feature import Quiz
from handlers.rules import Rules
from handlers.schedule.commands import Schedules
from handlers.spam.feature import SpamFilter
from handlers.stats.feature import Stats
from handlers.welcome import Welcome
from storage.engine import PoolOptions
from storage.repositories import load_stored_ids
from storage.unit import Store

log = logging.getLogger(__name__)


def build_features() -> tuple[list[Feature], CommandTable]:
    """The features in dispatch order, and the table of all their commands.

    Order matters: housekeeping, then (later) moderation, which may stop an event, then
    activity tracking, commands, and the features that react to ordinary messages, with
    auto-replies last, so nothing stopped earlier is ever answered.
    """
    table = CommandTable()
    # Guards see every event before anything else and may stop it (a deleted ad earns
    # nothing and is never answered); their commands still go through the command table.
    # The captcha greets through the welcome: a newcomer is welcomed once they pass.
    welcome = Welcome()
    tracker = ActivityTracker()
    # /modconfig tells admins whether the spam classifier is trained.
    spam = SpamFilter(CasClient)
    moderation = Moderation(config_notes=(spam.config_note,))
    guards: list[Feature] = [moderation, spam, Captcha(welcome.greet)]
    providers: list[Feature] = [
        Basics(table),
        Rules(),
        welcome,
        Schedules(),
        NightMode(),
        Enforcement(),
        Points(),
        Cleanup(tracker.buffer.last_seen),
        Stats(tracker.flush),
        Badges(),
        Challenges(),
        Lotteries(),
        Quiz(),
        Invites(),
        AutoReplies(),
    ]
    table.add([*guards, *providers])
    features: list[Feature] = [
        Housekeeping(),
        *guards,
        tracker,
        # Before the commands, which stop /start: a private message means the bot may write.
        StartedUsers(),
        Commands(table),
        *providers,
    ]
    return features, table


def catalog_folders() -> list[Traversable]:
    """The base catalog and every feature's, in feature order (for tools and tests)."""
    return feature_catalogs(build_features()[0])


def build_translator(default_language: str = "zh") -> Translator:
    """A translator with the base catalog and every feature's (for tools and tests)."""
    return Translator(default_language, catalog_folders())


@dataclass
class Core:
    """The platform-independent part of the bot."""

    runtime: Runtime[Settings]
    dispatcher: Dispatcher
    table: CommandTable

    async def start(self) -> None:
        """Start timers and features, then take part in running timed work."""
        self.runtime.scheduler.start()
        await self.dispatcher.start()
        await self.runtime.timed.start()
        # What start-up built (modules, compiled rules, models, caches) lives as long as the
        # process: frozen, the cyclic collector stops walking it on every full collection,
        # which otherwise costs a busy bot about a tenth of its time.
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        """Hand timed work over, stop timers (letting running ones finish), flush features."""
        await self.runtime.timed.stop()
        await self.runtime.scheduler.stop()
        await self.dispatcher.stop()
        # Let the collector reach what start-up froze again, now that it may become garbage.
        gc.unfreeze()


def adapted(port: ChatPort, needs_files: str) -> tuple[ChatPort, ChoiceBook | None]:
    """The port with each platform's missing capabilities taking their one fallback and
    missing buttons becoming typed choices, and the book of those choices (None: no need).

    A routing port is adapted platform by platform, so Telegram keeps its buttons when it
    shares the process with a platform that has none.
    """
    book = ChoiceBook()
    if isinstance(port, RoutingPort):
        ports = {name: _adapted_one(inner, needs_files, book) for name, inner in port.ports.items()}
        routed = RoutingPort(ports)
        needed = any(not capabilities_of(inner).buttons for inner in port.ports.values())
        return cast(ChatPort, routed), book if needed else None
    if capabilities_of(port).buttons:
        return with_fallbacks(port, needs_files), None
    return _adapted_one(port, needs_files, book), book


def _adapted_one(port: ChatPort, needs_files: str, book: ChoiceBook) -> ChatPort:
    port = with_fallbacks(port, needs_files)
    if capabilities_of(port).buttons:
        return port
    return cast(ChatPort, ChoicePort(port, book))


def build_core(
    settings: Settings,
    store: Store,
    port: ChatPort,
    *,
    bot_id: int,
    bot_username: str | None,
    queued: bool = True,
    stand_ins: frozenset[int] = frozenset(),
) -> Core:
    """Wire runtime services, features and the dispatcher for one platform port.

    Every feature's platform calls go through the outbound queue (``core.outbound``) unless
    ``[outbound] enabled`` is off or the platform has no message limits (``queued=False``:
    the sandbox, benchmarks of the core alone).
    """
    built, table = build_features()
    translator = Translator(settings.bot.default_language, feature_catalogs(built))
    port, choices = adapted(port, translator(settings.bot.default_language, NEEDS_FILES))
    if queued:
        port = wrap_port(port, settings.outbound)
    runtime = Runtime(
        settings=settings,
        store=store,
        port=port,
        translator=translator,
        admins=AdminCache(port.admins, settings.bot.admin_cache_seconds),
        scheduler=Scheduler(),
        timed=TimedWork(
            leadership_for(
                settings.database.url,
                retry_seconds=settings.timers.leader_retry_seconds,
                check_seconds=settings.timers.leader_check_seconds,
            )
        ),
        bot_id=bot_id,
        bot_username=bot_username,
        stand_ins=stand_ins,
    )
    if choices is not None:
        choices.clock = runtime.now  # offers expire on the runtime's (testable) clock
    return Core(runtime, Dispatcher(runtime, built, choices), table)


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level."""
    logging.basicConfig(
        level=settings.log.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


async def open_store(settings: Settings) -> Store:
    """Open the database, bring its schema up to date and warm the settings cache."""
    db = settings.database
    pool = PoolOptions(db.pool_size, db.max_overflow, db.pool_timeout)
    store = Store(db.url, echo=db.echo, pool=pool)
    await store.migrate()
    async with store.unit() as uow:
        await load_stored_ids(uow)
    return store


def stop_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop
