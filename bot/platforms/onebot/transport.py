"""OneBot v11 over WebSocket (aiohttp): reverse (the implementation connects to the bot) and
forward (the bot connects to it), both in the Universal role: one connection carries events
in and action calls out.

Each connection has its own ``Caller`` (``calls.py``); the ``Hub`` knows the live
connections by QQ account (``X-Self-ID`` or the events' ``self_id``) and which account
serves which chat, so several accounts may be connected at once. Received events go to
one callback per connection, run apart from the reading so that a handler may call
actions and wait for their answers: each chat's events in arrival order, different chats
side by side (``lanes.py``). A connection whose heartbeats stop is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.platforms.onebot.calls import Caller, is_answer
from bot.platforms.onebot.config import OneBotConfig
from bot.platforms.onebot.lanes import Lanes
from core.chat import ChatActionError
from core.ids import ONEBOT, IdError, scoped, scoped_group

log = logging.getLogger(__name__)

Event = dict[str, Any]
OnEvent = Callable[[Event], Awaitable[None]]
Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_CLOSING = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


def token_verdict(expected: str, authorization: str | None, query_token: str | None) -> int | None:
    """None if a handshake's token is right (or none is required); else the HTTP status
    to refuse it with: 401 when no token came, 403 when a wrong one did."""
    if not expected:
        return None
    given = query_token
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        given = value.strip() if scheme.lower() in ("bearer", "token") else authorization
    if not given:
        return 401
    return None if hmac.compare_digest(given.encode(), expected.encode()) else 403


def parse_self_id(raw: str | None) -> int | None:
    """The QQ account an ``X-Self-ID`` header names; None if absent or not a number."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


def silence_limit(interval_ms: object, misses: float) -> float | None:
    """Seconds without a frame after which a connection counts as gone, from a heartbeat's
    ``interval`` (milliseconds); None (wait for ever) if the interval is unknown."""
    if not isinstance(interval_ms, int | float) or isinstance(interval_ms, bool):
        return None
    if interval_ms <= 0:
        return None
    return interval_ms / 1000 * misses


def next_delay(delay: float, longest: float) -> float:
    """The pause before the next reconnect: twice the last one, at most ``longest``."""
    return min(delay * 2, longest)


def parse_frame(data: str | bytes) -> dict[str, Any] | None:
    """A received frame as a dict; None (logged) if it is not a JSON object."""
    try:
        frame = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        log.warning("onebot: a frame that is not JSON was dropped")
        return None
    return frame if isinstance(frame, dict) else None


def _chat_of(event: Mapping[str, Any]) -> int | None:
    """The scoped chat an event is about (a group, or a private chat)."""
    try:
        if event.get("group_id"):
            return scoped_group(ONEBOT, int(event["group_id"]))
        if event.get("message_type") == "private" and event.get("user_id"):
            return scoped(ONEBOT, int(event["user_id"]))
    except (IdError, TypeError, ValueError):
        return None
    return None


@dataclass(eq=False)
class Connection:
    """One live WebSocket to an implementation, for one QQ account (once known)."""

    socket: Socket
    caller: Caller
    self_id: int | None = None
    label: str = ""
    events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)


class Hub:
    """The live connections, and which account serves which chat."""

    def __init__(self) -> None:
        self._connections: list[Connection] = []
        self._chat_account: dict[int, int] = {}
        self._closing: set[asyncio.Future[Any]] = set()
        self.connected = asyncio.Event()

    @property
    def connections(self) -> tuple[Connection, ...]:
        """The live connections, oldest first."""
        return tuple(self._connections)

    def add(self, connection: Connection) -> None:
        """Take a new connection; one for an account already connected replaces it."""
        for old in [c for c in self._connections if c.self_id is not None]:
            if old.self_id == connection.self_id:
                log.info("onebot: account %s connected again; the old connection goes", old.self_id)
                self.remove(old)
                closing = asyncio.ensure_future(old.socket.close())
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
        self._connections.append(connection)
        self.connected.set()

    def remove(self, connection: Connection) -> None:
        """Forget a connection that is gone, and fail its waiting calls."""
        if connection in self._connections:
            self._connections.remove(connection)
        connection.caller.close()
        if not self._connections:
            self.connected.clear()

    def observe(self, connection: Connection, event: Mapping[str, Any]) -> None:
        """Learn from an event: the connection's account, and the chat's."""
        self_id = event.get("self_id")
        if connection.self_id is None and isinstance(self_id, int):
            connection.self_id = self_id
        chat = _chat_of(event)
        if chat is None:
            return
        if connection.self_id is not None:
            self._chat_account[chat] = connection.self_id

    def connection_for(self, chat_id: int | None) -> Connection:
        """The connection of the account that serves a chat (else the oldest one)."""
        account = self._chat_account.get(chat_id) if chat_id is not None else None
        for connection in self._connections:
            if account is not None and connection.self_id == account:
                return connection
        if not self._connections:
            raise ChatActionError("failed", "no OneBot implementation is connected")
        return self._connections[0]

    async def call(self, action: str, params: Mapping[str, Any], chat_id: int | None = None) -> Any:
        """Run an action on the connection serving ``chat_id``; ChatActionError if it fails."""
        return await self.connection_for(chat_id).caller.call(action, params)


async def _deliver(connection: Connection, on_event: OnEvent) -> None:
    """Hand a connection's events to the callback: each chat's in order, chats side by
    side (``lanes``); a failing callback is logged. Returns once all were handled."""
    lanes: Lanes[Event] = Lanes(on_event)
    try:
        while (event := await connection.events.get()) is not None:
            # An event's lane is its chat's; events of no chat share the lane None.
            lanes.put(_chat_of(event), event)
    except asyncio.CancelledError:
        # As before lanes: cancelled delivery cancels the events in flight.
        lanes.cancel()
        raise
    await lanes.close()


async def serve(connection: Connection, hub: Hub, on_event: OnEvent, misses: float) -> None:
    """Read one connection until it closes or its heartbeats stop; events to ``on_event``,
    answers to the caller."""
    hub.add(connection)
    delivery = asyncio.create_task(_deliver(connection, on_event))
    limit: float | None = None
    try:
        while True:
            try:
                message = await connection.socket.receive(timeout=limit)
            except TimeoutError:
                log.warning("onebot: %s silent for %.0f s; dropped", connection.label, limit)
                break
            if message.type in _CLOSING or message.type == aiohttp.WSMsgType.ERROR:
                break
            if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                continue
            frame = parse_frame(message.data)
            if frame is None:
                continue
            if is_answer(frame):
                connection.caller.resolve(frame)
                continue
            if frame.get("meta_event_type") == "heartbeat":
                limit = silence_limit(frame.get("interval"), misses) or limit
            hub.observe(connection, frame)
            connection.events.put_nowait(frame)
    finally:
        hub.remove(connection)
        connection.events.put_nowait(None)
        await connection.socket.close()
        await _finish(delivery)
        log.info("onebot: %s disconnected", connection.label)


async def _finish(delivery: asyncio.Task[None]) -> None:
    """Wait for a connection's delivery to end; a stop cancelling the reader meanwhile
    cancels the delivery too, and goes on (swallowed, a forward client never stops)."""
    try:
        await delivery
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


class ListenError(RuntimeError):
    """The reverse endpoint cannot listen where it is configured to (port taken, no such
    address): said at start-up as an OneBot problem, not a database one."""


class ReverseServer:
    """The bot's WebSocket endpoint that implementations (their "WebSocket client") join."""

    def __init__(self, config: OneBotConfig, hub: Hub, on_event: OnEvent) -> None:
        self._config = config
        self._hub = hub
        self._on_event = on_event
        self._runner: web.AppRunner | None = None
        self.port = config.port

    async def start(self) -> None:
        """Listen on ``listen:port`` (port 0: a free one, then in ``self.port``)."""
        app = web.Application()
        app.router.add_get(self._config.path, self._handshake)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._config.listen, self._config.port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            where = f"{self._config.listen}:{self._config.port}"
            raise ListenError(
                f"onebot: cannot listen on {where}: {error.strerror or error}"
            ) from error
        addresses = self._runner.addresses
        if addresses:
            self.port = addresses[0][1]
        log.info("onebot: listening on port %s at %s", self.port, self._config.path)
        if not self._config.access_token and self._config.listen not in LOOPBACK:
            log.warning("onebot: no access_token, yet listening beyond this machine")

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for connection in self._hub.connections:
            await connection.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handshake(self, request: web.Request) -> web.StreamResponse:
        verdict = token_verdict(
            self._config.access_token,
            request.headers.get("Authorization"),
            request.query.get("access_token"),
        )
        if verdict is not None:
            log.warning(
                "onebot: refused a connection from %s: %s token",
                request.remote,
                "no" if verdict == 401 else "a wrong",
            )
            return web.Response(status=verdict, text="access token required or wrong")
        role = request.headers.get("X-Client-Role", "Universal")
        if role.lower() != "universal":
            log.warning("onebot: refused a %s connection: only the Universal role is served", role)
            return web.Response(status=400, text="only the Universal role is served")
        socket = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024)
        await socket.prepare(request)
        self_id = parse_self_id(request.headers.get("X-Self-ID"))
        caller = Caller(socket.send_str, self._config.call_timeout_seconds)
        connection = Connection(socket, caller, self_id, f"account {self_id} from {request.remote}")
        log.info("onebot: %s connected", connection.label)
        await serve(connection, self._hub, self._on_event, self._config.heartbeat_misses)
        return socket


class ForwardClient:
    """The bot connecting to an implementation's WebSocket server, again after a loss."""

    def __init__(self, config: OneBotConfig, hub: Hub, on_event: OnEvent) -> None:
        self._config = config
        self._hub = hub
        self._on_event = on_event
        self._task: asyncio.Task[None] | None = None
        self.connects = 0

    async def start(self) -> None:
        """Start connecting (in the background; ``hub.connected`` says when it is up)."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop reconnecting and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _headers(self) -> dict[str, str]:
        token = self._config.access_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def _run(self) -> None:
        delay = self._config.reconnect_seconds
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.ws_connect(
                        self._config.url, headers=self._headers(), max_msg_size=64 * 1024 * 1024
                    ) as socket:
                        self.connects += 1
                        delay = self._config.reconnect_seconds
                        caller = Caller(socket.send_str, self._config.call_timeout_seconds)
                        connection = Connection(socket, caller, label=self._config.url)
                        log.info("onebot: connected to %s", self._config.url)
                        misses = self._config.heartbeat_misses
                        await serve(connection, self._hub, self._on_event, misses)
                except aiohttp.WSServerHandshakeError as error:
                    log.error("onebot: %s refused us (HTTP %s)", self._config.url, error.status)
                except (aiohttp.ClientError, OSError) as error:
                    log.warning("onebot: cannot reach %s: %s", self._config.url, error)
                log.info("onebot: reconnecting in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = next_delay(delay, self._config.reconnect_max_seconds)
