"""Telegram: run the bot with python-telegram-bot, by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import Core, build_core, open_store
from bot.config import Settings
from bot.feature import CommandSpec
from bot.i18n import LANGUAGES, Translator
from bot.platforms.ordering import PerChatUpdateProcessor
from bot.platforms.telegram_events import chat_key, events_from_update
from bot.platforms.telegram_port import TelegramPort
from bot.platforms.webhook import WebhookServer, make_webhook_app
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
    """A PTB Application with our rate limiter, base URLs and per-chat ordering."""
    tg = settings.telegram
    builder = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.file_url())
        .rate_limiter(AIORateLimiter(max_retries=tg.max_retries))
        .concurrent_updates(PerChatUpdateProcessor(chat_key, 256))
        .get_updates_read_timeout(tg.poll_timeout + 10)
        .job_queue(None)
    )
    if tg.mode == "webhook":
        builder = builder.updater(None)
    return builder.build()


class TelegramBot:
    """The running bot on Telegram: PTB application, core features and storage."""

    def __init__(self, settings: Settings, application: Application, store: Store) -> None:
        self.settings = settings
        self.application = application
        self.store = store
        self.core: Core | None = None
        self._webhook: WebhookServer | None = None

    @classmethod
    async def create(cls, settings: Settings) -> TelegramBot:
        """Open storage (applying migrations) and build the application."""
        store = await open_store(settings)
        return cls(settings, build_application(settings), store)

    async def start(self) -> None:
        """Connect to Telegram, start features, register commands, start receiving."""
        app = self.application
        await app.initialize()
        me = app.bot
        self.core = build_core(
            self.settings, self.store, TelegramPort(me), bot_id=me.id, bot_username=me.username
        )
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        await self.core.start()
        await register_commands(app, self.core.table.specs.values(), self.core.runtime.translator)
        if self.settings.telegram.mode == "webhook":
            await self._start_webhook()
        elif app.updater is not None:
            await app.updater.start_polling(
                timeout=self.settings.telegram.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await app.start()
        log.info("bot @%s is running (%s)", me.username, self.settings.telegram.mode)

    async def stop(self) -> None:
        """Stop receiving, finish what is in flight, flush features, close storage."""
        app = self.application
        if self._webhook is not None:
            await self._webhook.stop()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self.core is not None:
            await self.core.stop()
        await app.shutdown()
        await self.store.close()

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self.core is not None
        for event in events_from_update(update, self.application.bot.username):
            await self.core.dispatcher.handle(event)

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
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)


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
    """Run the bot until ``stop`` is set."""
    bot = await TelegramBot.create(settings)
    try:
        await bot.start()
        await stop.wait()
    finally:
        await bot.stop()
