"""Telegram: run the bot with python-telegram-bot, by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot import heartbeat
from bot.app import Core, build_core, open_store
from bot.delivery import UpdateLedger
from bot.platforms import shutdown
from bot.platforms.onebot.app import OneBotPlatform
from bot.platforms.routing import RoutingPort
from bot.platforms.shutdown import StopBudget
from bot.platforms.telegram.events import (
    TELEGRAM_STAND_INS,
    chat_key,
    events_from_update,
    from_telegram,
)
from bot.platforms.telegram.joins import JoinReports
from bot.platforms.telegram.ordering import PerChatUpdateProcessor
from bot.platforms.telegram.polling import IntakeClosed, Poller, UpdateIntake
from bot.platforms.telegram.port import TelegramPort
from bot.platforms.telegram.retry import RetryPolicy
from bot.platforms.telegram.webhook import WebhookServer, make_webhook_app
from bot.settings import Settings
from core.chat import ChatPort
from core.feature import CommandSpec
from core.i18n import LANGUAGES, Translator
from core.ids import ONEBOT, TELEGRAM
from storage.unit import Store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    # Reactions count as activity for inactivity cleanup (sent only where the bot is admin).
    "message_reaction",
]


def build_application(settings: Settings) -> Application:
    """A PTB Application with our rate limiter, base URLs and per-chat ordering.

    It has no Updater: ``bot.platforms.telegram.polling`` fetches updates, confirming only handled
    ones, and webhook mode has its own server.
    """
    tg = settings.telegram
    builder = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.file_url())
        .rate_limiter(AIORateLimiter(group_max_rate=0, max_retries=tg.max_retries))
        .concurrent_updates(PerChatUpdateProcessor(chat_key, 256))
        .get_updates_read_timeout(tg.poll_timeout + 10)
        .job_queue(None)
    )
    return builder.updater(None).build()


class TelegramBot:
    """The running bot on Telegram: PTB application, core features and storage."""

    def __init__(
        self,
        settings: Settings,
        application: Application,
        store: Store,
        also: OneBotPlatform | None = None,
    ) -> None:
        self.settings = settings
        # OneBot in the same process: one core, one routing port, one store.
        self.also = also
        self.application = application
        self.store = store
        self.core: Core | None = None
        self.intake: UpdateIntake | None = None
        self.poller: Poller | None = None
        self.ledger: UpdateLedger | None = None
        self._webhook: WebhookServer | None = None
        self._receiving: asyncio.Task[None] | None = None
        # Telegram reports each join twice; features see it once.
        self.joins = JoinReports()
        hb = settings.bot.heartbeat_file
        self._heartbeat = Path(hb) if hb else None

    @classmethod
    async def create(cls, settings: Settings) -> TelegramBot:
        """Open storage (applying migrations) and build the application."""
        store = await open_store(settings)
        also = OneBotPlatform(settings, store) if settings.onebot.mode else None
        return cls(settings, build_application(settings), store, also)

    async def start(self) -> None:
        """Connect to Telegram, start features, register commands, start receiving."""
        app = self.application
        await app.initialize()
        me = app.bot
        telegram = TelegramPort(me, RetryPolicy.from_config(self.settings.telegram))
        ports: dict[str, ChatPort] = {TELEGRAM: telegram}
        if self.also is not None:
            ports[ONEBOT] = self.also.port
        self.core = build_core(
            self.settings,
            self.store,
            RoutingPort(ports),
            bot_id=from_telegram(me.id),
            bot_username=me.username,
            stand_ins=TELEGRAM_STAND_INS,
        )
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        self.ledger = UpdateLedger(self.store, f"telegram:{me.id}")
        parked = await self.ledger.open()
        webhook = self.settings.telegram.mode == "webhook"
        self.intake = UpdateIntake(app.process_update, app.update_processor)
        if self.also is not None:
            await self.also.open(self.core)
        await self.core.start()
        scheduler = self.core.runtime.scheduler
        scheduler.every("updates:ledger", self.settings.bot.activity_flush_seconds, self._persist)
        if self._heartbeat is not None:
            scheduler.every("updates:heartbeat", heartbeat.BEAT_SECONDS, self._beat)
        await register_commands(app, self.core.table.specs.values(), self.core.runtime.translator)
        await app.start()
        for _, body in parked:
            self.intake.submit(Update.de_json(body, me), parked=True)
        if webhook:
            await self._start_webhook()
        else:
            await self._start_polling()
        if self.also is not None:
            await self.also.start()
        await self._beat()
        log.info("bot @%s is running (%s)", me.username, self.settings.telegram.mode)

    async def wait(self, stop: asyncio.Event) -> None:
        """Return when ``stop`` is set or receiving ended (a refused token)."""
        stopping = asyncio.ensure_future(stop.wait())
        waiting: set[asyncio.Future[Any]] = {stopping}
        if self._receiving is not None:
            waiting.add(self._receiving)
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()

    def failure(self) -> BaseException | None:
        """Why receiving ended by itself (None: it did not)."""
        task = self._receiving
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()

    async def stop(self) -> None:
        """Stop within ``bot.stop_seconds``: receiving, in-flight handlers, flush, outbox.

        Updates cut short stay unconfirmed and come again after a restart; what they
        committed carries a receipt, so nothing is done twice (``bot.delivery``).
        """
        budget = StopBudget(self.settings.bot.stop_seconds)
        app = self.application
        await self._stop_receiving()
        if self.intake is not None:
            await self.intake.settle(budget.until(shutdown.HANDLERS))
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self.poller is not None:
            await self.poller.confirm(min(2.0, budget.left(shutdown.CLOSE_RESERVE)))
        if self.core is not None:
            await shutdown.stop_core(self.core, budget.until(shutdown.FLUSH))
            await self._persist()
            await shutdown.drain(self.core, budget.left(shutdown.CLOSE_RESERVE))
        if app.running:
            await app.stop()
        await app.shutdown()
        await self.store.close()
        if self._heartbeat is not None:
            heartbeat.clear(self._heartbeat)
        log.info("stopped in %.1f s", budget.spent())

    async def _stop_receiving(self) -> None:
        if self.also is not None:
            await self.also.stop_receiving()
        if self.poller is not None:
            await self.poller.stop()
        task = self._receiving
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=1.0)
            task.cancel()
            await asyncio.wait({task})

    async def _persist(self) -> None:
        """Store the acknowledged offset, prune receipts, forget handled parked updates."""
        if self.also is not None:
            await self.also.persist()
        if self.ledger is None or self.intake is None:
            return
        done = self.intake.unparked_done()
        acknowledged = self.poller.acknowledged if self.poller is not None else None
        try:
            await self.ledger.persist(acknowledged, done)
        except Exception:
            log.exception("could not store the update offset")
            return
        self.intake.forget_unparked(done)

    async def _beat(self) -> None:
        if self._heartbeat is not None and self.is_receiving():
            heartbeat.beat(self._heartbeat)

    def is_receiving(self) -> bool:
        """Whether updates are coming in: the webhook is up, or polling made progress lately."""
        if self._webhook is not None:
            return True
        if self.poller is None or self._receiving is None or self._receiving.done():
            return False
        # A long poll lasts poll_timeout; backoff after errors waits up to 30 s.
        quiet = time.monotonic() - self.poller.last_activity
        return quiet < self.settings.telegram.poll_timeout + 60

    async def _start_polling(self) -> None:
        assert self.intake is not None and self.ledger is not None
        bot = self.application.bot
        # As PTB's Updater: polling only works once no webhook is set.
        await bot.delete_webhook()
        self.poller = Poller(
            bot,
            self.intake,
            timeout=self.settings.telegram.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            park=self.ledger.park,
        )
        self._receiving = asyncio.create_task(self.poller.run(), name="telegram:polling")

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self.core is not None
        for part, event in enumerate(events_from_update(update, self.application.bot.username)):
            receipt = None
            if self.ledger is not None and event.update_id is not None:
                receipt = self.ledger.receipt(event.update_id, part)
                if await self.ledger.handled_before(receipt):
                    log.info(
                        "update %s (event %d) was handled before: skipped", update.update_id, part
                    )
                    continue
            # After the receipt check: a redelivered update does not count as a second report.
            once = self.joins.once(event)
            if once is not None:
                await self.core.dispatcher.handle(once, receipt)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = user = None
        if isinstance(update, Update):
            chat = update.effective_chat.id if update.effective_chat else None
            user = update.effective_user.id if update.effective_user else None
        log.error(
            "error handling update in chat %s from user %s", chat, user, exc_info=context.error
        )

    async def _start_webhook(self) -> None:
        cfg = self.settings.webhook
        secret = cfg.secret_token or secrets.token_urlsafe(32)
        path = urlsplit(cfg.url).path or "/"
        app = make_webhook_app(path, secret, self._enqueue)
        self._webhook = WebhookServer(app, cfg.listen, cfg.port)
        await self._webhook.start()
        await self.application.bot.set_webhook(
            cfg.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def _enqueue(self, data: dict[str, Any]) -> None:
        """Handle a webhook update; return (so Telegram gets its 200) only once it was handled.

        While stopping, the answer is 503 and Telegram sends the update again later.
        """
        update = Update.de_json(data, self.application.bot)
        try:
            if self.intake is None:
                raise IntakeClosed("the bot is not running")
            self.intake.submit(update)
            await self.intake.wait_handled(update.update_id)
        except IntakeClosed as error:
            raise web.HTTPServiceUnavailable(text=str(error)) from None


def command_menu(
    specs: Sequence[CommandSpec], translator: Translator, language: str, *, admin: bool
) -> list[BotCommand]:
    """The command list Telegram shows, for members or for admins, in one language."""
    return [
        BotCommand(spec.name, translator.plain(language, spec.help_key)[:256])
        for spec in specs
        if admin or not spec.admin_only
    ]


async def register_commands(app: Application, specs: Any, translator: Translator) -> None:
    """setMyCommands for members and admins, in the default language and in each language."""
    specs = list(specs)
    scopes = ((BotCommandScopeDefault(), False), (BotCommandScopeAllChatAdministrators(), True))
    try:
        for scope, admin in scopes:
            default = command_menu(specs, translator, translator.default_language, admin=admin)
            await app.bot.set_my_commands(default, scope=scope)
            for language in LANGUAGES:
                menu = command_menu(specs, translator, language, admin=admin)
                await app.bot.set_my_commands(menu, scope=scope, language_code=language)
    except TelegramError as error:
        log.warning("could not register the command list: %s", error)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot until ``stop`` is set; raises what ended receiving (a refused token)."""
    bot = await TelegramBot.create(settings)
    await shutdown.serve(bot, stop)
    failure = bot.failure()
    if failure is not None:
        raise failure
