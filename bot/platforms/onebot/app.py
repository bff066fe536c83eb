"""OneBot v11: run the bot on QQ groups, alone or beside Telegram in one process.

``OneBotPlatform`` is the platform's share of a process: the transport of ``[onebot] mode``
(reverse: ``ReverseServer``; forward: ``ForwardClient``), the ``OneBotPort`` on its ``Hub``,
and the intake that turns each event through ``events.to_event`` into the dispatcher. An
event delivered twice (after a reconnect, or by two connections of one account) has the
same ``update_id``: within one process the ids seen lately skip it (an event that stored
nothing leaves no receipt), after a restart the update ledger's receipts (``bot.delivery``)
do. OneBot has no offset to confirm and nothing is parked: the ledger only keeps and
prunes receipts. A message quoting another gets it attached: one of the last
``RECENT_MESSAGES`` seen is taken as it came (unless recalled since), an older one is
fetched with ``get_msg``.

``OneBotBot`` runs the platform alone (no Telegram token); with a token too,
``bot.platforms.telegram.app`` takes the platform in (``TelegramBot(also=...)``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from cachetools import LRUCache, TTLCache

from bot import heartbeat
from bot.app import Core, build_core, open_store
from bot.delivery import UpdateLedger
from bot.platforms import shutdown
from bot.platforms.onebot.events import quoted_id, to_event, to_message, with_chat, with_reply
from bot.platforms.onebot.invites import Invitation, accepts, invitation
from bot.platforms.onebot.port import OneBotPort
from bot.platforms.onebot.transport import ForwardClient, Hub, ReverseServer
from bot.platforms.routing import RoutingPort
from bot.platforms.shutdown import StopBudget
from bot.settings import Settings
from core.chat import ChatActionError
from core.events import Command, Event, MemberJoined, Message, MessageRemoved, event_chat
from core.ids import ONEBOT, IdError, scoped
from core.recent import RecentKeys
from storage.unit import Store

log = logging.getLogger(__name__)

# The ledger's source: receipts of every QQ account (update ids carry the account).
SOURCE = "onebot"
# Group names asked of the implementation are kept this long, for this many groups.
TITLE_SECONDS = 3_600.0
TITLES_KEPT = 10_000
# How long, and how many, update ids this process remembers to skip an event delivered
# again (a reconnect re-sending it, two connections of one account).
SEEN_FOR = timedelta(hours=1)
SEEN_MOST = 20_000
# Messages remembered for the replies that quote them: a reply mostly quotes one of its
# group's latest messages, which then costs no ``get_msg`` round trip.
RECENT_MESSAGES = 5_000


def quoted_message(event: Event) -> Message | None:
    """The message an event's own message is, for finding its chat (None: not a message)."""
    if isinstance(event, Command):
        return event.message
    return event if isinstance(event, Message) else None


class OneBotPlatform:
    """The OneBot transport, its port, and its events into one core."""

    def __init__(self, settings: Settings, store: Store) -> None:
        config = settings.onebot
        self.config = config
        self.hub = Hub()
        self.port = OneBotPort(
            self.hub, limit=config.message_limit, pace=config.message_pace_seconds
        )
        self.ledger = UpdateLedger(store, SOURCE)
        self._titles: TTLCache[int, str] = TTLCache(maxsize=TITLES_KEPT, ttl=TITLE_SECONDS)
        self.seen: RecentKeys[int] = RecentKeys(SEEN_FOR, SEEN_MOST)
        # (chat, message id) -> the message as it came, without what it quotes.
        self.recent: LRUCache[tuple[int, int], Message] = LRUCache(RECENT_MESSAGES)
        self.core: Core | None = None
        # Alone, the bot's own id is the first QQ account that connects.
        self.learn_bot_id = False
        transport = ReverseServer if config.mode == "reverse" else ForwardClient
        self.transport: ReverseServer | ForwardClient = transport(config, self.hub, self._on_event)

    async def open(self, core: Core, *, learn_bot_id: bool = False) -> None:
        """Read the ledger and hand events to ``core`` from now on (not yet receiving)."""
        await self.ledger.open()
        self.core = core
        self.learn_bot_id = learn_bot_id

    async def start(self) -> None:
        """Start the transport: listen (reverse) or connect (forward)."""
        await self.transport.start()
        log.info("onebot: running (%s)", self.config.mode)

    async def stop_receiving(self) -> None:
        """Close the connections and stop listening or reconnecting."""
        await self.transport.stop()

    async def persist(self) -> None:
        """Prune old receipts (OneBot has no offset and parks nothing)."""
        try:
            await self.ledger.persist(None, set())
        except Exception:
            log.exception("onebot: could not prune receipts")

    def is_receiving(self) -> bool:
        """Whether an implementation is connected."""
        return self.hub.connected.is_set()

    async def _on_event(self, payload: dict[str, Any]) -> None:
        if self.core is None:
            return
        self._learn(payload)
        invite = invitation(payload)
        if invite is not None:
            await self._answer(invite, self.core.runtime.settings.bot.all_owner_ids)
            return
        event = to_event(payload)
        if event is None:
            return
        self._remember(event)
        receipt = None
        update = getattr(event, "update_id", None)
        if update is not None:
            if not self.seen.see(update, self.core.runtime.now()):
                log.info("onebot: event %s came again: skipped", update)
                return
            receipt = self.ledger.receipt(update, 0)
            if await self.ledger.handled_before(receipt):
                log.info("onebot: event %s was handled before: skipped", update)
                return
        event = await self._with_quoted(payload, event)
        event = await self._with_name(event)
        event = await self._with_title(event)
        await self.core.dispatcher.handle(event, receipt)

    def _remember(self, event: Event) -> None:
        """Keep a message for the replies that quote it; forget a recalled one."""
        if isinstance(event, MessageRemoved):
            self.recent.pop((event.chat.id, event.message_id), None)
            return
        message = quoted_message(event)
        if message is not None:
            self.recent[(message.chat.id, message.message_id)] = message

    async def _answer(self, invite: Invitation, owners: frozenset[int]) -> None:
        """Accept or decline an invitation of the bot's account by ``[onebot] invites``."""
        accept = accepts(invite, self.config.invites, owners)
        if accept is None:
            log.info("onebot: invitation to %s left unanswered", invite.group_id)
            return
        answer = self.port.approve_join if accept else self.port.decline_join
        try:
            await answer(invite.group_id, invite.inviter, invite.reference)
        except ChatActionError as error:
            log.warning("onebot: answering the invitation to %s failed: %s", invite.group_id, error)
            return
        verb = "accepted" if accept else "declined"
        log.info("onebot: %s %s's invitation to %s", verb, invite.inviter, invite.group_id)

    def _learn(self, payload: dict[str, Any]) -> None:
        """Remember the QQ account an event came through as one of the bot's own."""
        self_id = payload.get("self_id")
        if self.core is None or not isinstance(self_id, int):
            return
        runtime = self.core.runtime
        try:
            account = scoped(ONEBOT, self_id)
        except IdError:
            return
        if account in runtime.accounts or account == runtime.bot_id:
            return
        runtime.accounts.add(account)
        if self.learn_bot_id and runtime.bot_id == 0:
            runtime.bot_id = account
        log.info("onebot: the bot is QQ account %s", self_id)

    async def _with_name(self, event: Event) -> Event:
        """A newcomer with their name: QQ's join notice carries only the number,
        ``get_group_member_info`` has the card or nickname."""
        if not isinstance(event, MemberJoined):
            return event
        info = await self.port.member_info(event.chat.id, event.user.id)
        if info is None or info.user.id != event.user.id:
            return event
        return replace(event, user=info.user)

    async def _with_title(self, event: Event) -> Event:
        """The event with its group's name: QQ's events rarely carry it (welcomes and the
        join-request captcha name the group); one ``get_group_info`` per group an hour."""
        chat = event_chat(event)
        if chat.title or not chat.is_group:
            return event
        title = self._titles.get(chat.id)
        if title is None:
            title = await self.port.group_title(chat.id)
            self._titles[chat.id] = title
        return with_chat(event, replace(chat, title=title)) if title else event

    async def _with_quoted(self, payload: dict[str, Any], event: Event) -> Event:
        """The event with the message it quotes attached: one seen lately as it came,
        another fetched with ``get_msg``."""
        message = quoted_message(event)
        quoted = quoted_id(payload)
        if message is None or quoted is None:
            return event
        seen = self.recent.get((message.chat.id, quoted))
        if seen is not None:
            return with_reply(event, seen)
        try:
            data = await self.hub.call("get_msg", {"message_id": quoted}, message.chat.id)
        except ChatActionError as error:
            log.info("onebot: the quoted message %s is unavailable: %s", quoted, error)
            return event
        if not isinstance(data, dict):
            return event
        return with_reply(event, to_message(data, message.chat))


class OneBotBot:
    """The running bot on OneBot alone: the platform, core features and storage."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.platform = OneBotPlatform(settings, store)
        self.core: Core | None = None
        hb = settings.bot.heartbeat_file
        self._heartbeat = Path(hb) if hb else None
        self.running = False

    @classmethod
    async def create(cls, settings: Settings) -> OneBotBot:
        """Open storage (applying migrations) and set the platform up."""
        return cls(settings, await open_store(settings))

    async def start(self) -> None:
        """Start features, then the transport."""
        self.core = build_core(
            self.settings,
            self.store,
            RoutingPort({ONEBOT: self.platform.port}),
            bot_id=0,
            bot_username=None,
        )
        await self.platform.open(self.core, learn_bot_id=True)
        await self.core.start()
        scheduler = self.core.runtime.scheduler
        flush = self.settings.bot.activity_flush_seconds
        scheduler.every("updates:ledger", flush, self.platform.persist)
        if self._heartbeat is not None:
            scheduler.every("updates:heartbeat", heartbeat.BEAT_SECONDS, self._beat)
        await self.platform.start()
        self.running = True

    async def wait(self, stop: asyncio.Event) -> None:
        """Return when ``stop`` is set."""
        await stop.wait()

    async def stop(self) -> None:
        """Stop within ``bot.stop_seconds``: receiving, features, flush, outbox, storage."""
        budget = StopBudget(self.settings.bot.stop_seconds)
        self.running = False
        await self.platform.stop_receiving()
        if self.core is not None:
            await shutdown.stop_core(self.core, budget.until(shutdown.FLUSH))
            await self.platform.persist()
            await shutdown.drain(self.core, budget.left(shutdown.CLOSE_RESERVE))
        await self.store.close()
        if self._heartbeat is not None:
            heartbeat.clear(self._heartbeat)
        log.info("stopped in %.1f s", budget.spent())

    async def _beat(self) -> None:
        # Healthy only while an implementation is connected: without one, QQ is unserved.
        if self._heartbeat is not None and self.platform.is_receiving():
            heartbeat.beat(self._heartbeat)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot on OneBot alone until ``stop`` is set."""
    bot = await OneBotBot.create(settings)
    await shutdown.serve(bot, stop)
