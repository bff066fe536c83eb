"""A fake OneBot v11 implementation (as NapCat or LLBot) over a real WebSocket, for tests.

Reverse mode: ``await fake.connect(url)`` joins the bot's endpoint as the implementation's
"WebSocket client" (with ``X-Self-ID`` and the token). Forward mode: ``await fake.listen()``
serves a WebSocket the bot connects to (checking the token as OneBot says: 401 without one,
403 for a wrong one). Either way every action the bot calls is recorded in ``fake.actions``
and answered: ``fail(action, retcode, message)`` makes it fail, ``hold(action)`` leaves it
unanswered (a timeout), ``latency`` delays every answer; ``push(event)`` sends an event
(kept in ``pushed``; a message is also kept for ``get_msg``), ``drop()`` cuts the
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


@dataclass(frozen=True, slots=True)
class Action:
    """One action call the bot made."""

    action: str
    params: Mapping[str, Any]
    echo: Any


@dataclass(slots=True)
class Failure:
    """How one action fails: the retcode and words of the answer, and how often."""

    retcode: int
    message: str
    times: int | None


@dataclass
class FakeOneBot:
    """The fake implementation: one QQ account, its groups' members, recorded actions."""

    self_id: int = 10_000
    token: str = ""
    # group id -> member records as get_group_member_list answers them.
    members: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    accepted: int = 0
    # Every event pushed, in order (to send one again after a reconnect).
    pushed: list[dict[str, Any]] = field(default_factory=list)
    # Message events pushed, by message id: what ``get_msg`` answers.
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Seconds each answer takes, as a real implementation's own work; answers overlap.
    latency: float = 0.0
    _failures: dict[str, Failure] = field(default_factory=dict)
    _held: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sockets: list[Socket] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    # -- knobs ---------------------------------------------------------------------------

    def fail(self, action: str, retcode: int = 100, message: str = "", times: int | None = None):
        """Answer an action with a non-zero retcode (every time, or the next ``times``)."""
        self._failures[action] = Failure(retcode, message, times)

    def hold(self, action: str) -> None:
        """Never answer an action (the bot's call times out)."""
        self._held.add(action)

    def made(self, action: str) -> list[Mapping[str, Any]]:
        """The params of every call of one action, in order."""
        return [a.params for a in self.actions if a.action == action]

    async def wait_for(
        self,
        action: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> list[Mapping[str, Any]]:
        """Wait until the bot has called an action ``count`` times (those whose params
        ``where`` accepts, if given); the params of those calls."""

        def matching() -> list[Mapping[str, Any]]:
            return [p for p in self.made(action) if where is None or where(p)]

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until the bot has connected (forward mode) ``count`` times."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.accepted >= count)

    # -- answers ---------------------------------------------------------------------------

    def answer(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The answer frame (without echo) the implementation gives an action."""
        failure = self._failures.get(action)
        if failure is not None and failure.times != 0:
            if failure.times is not None:
                failure.times -= 1
            return failed(failure.retcode, failure.message)
        if action == "get_msg" and as_number(params.get("message_id")) not in self.messages:
            return failed(1404, "消息不存在")
        return {"status": "ok", "retcode": 0, "data": self._data(action, params)}

    def _data(self, action: str, params: Mapping[str, Any]) -> Any:
        group = params.get("group_id")
        if action in ("send_group_msg", "send_private_msg", "send_msg"):
            return {"message_id": next(self._ids)}
        if action == "get_group_member_list":
            return self.members.get(group, [])
        if action == "get_group_member_info":
            found = [m for m in self.members.get(group, []) if m["user_id"] == params["user_id"]]
            return found[0] if found else None
        if action == "get_group_info":
            return {
                "group_id": group,
                "group_name": "g",
                "member_count": len(self.members.get(group, [])),
            }
        if action == "get_login_info":
            return {"user_id": self.self_id, "nickname": "bot"}
        if action == "get_msg":
            # As NapCat answers: the message event itself, with its real id.
            found = self.messages[as_number(params["message_id"])]
            return {**found, "real_id": found["message_id"]}
        return None

    def role(self, group: int, user: int) -> str:
        """A member's role in a group as the member list has it (``member`` if unlisted)."""
        found = [m for m in self.members.get(group, []) if m["user_id"] == user]
        return str(found[0].get("role", "member")) if found else "member"

    # -- events ------------------------------------------------------------------------------

    def event(self, **fields: Any) -> dict[str, Any]:
        """An event of this account: ``time`` and ``self_id`` filled in."""
        return {"time": int(time.time()), "self_id": self.self_id, **fields}

    def heartbeat(self, interval_ms: int = 5_000) -> dict[str, Any]:
        """A heartbeat meta event."""
        return self.event(
            post_type="meta_event",
            meta_event_type="heartbeat",
            status={"online": True, "good": True},
            interval=interval_ms,
        )

    def group_message(
        self,
        group: int,
        user: int,
        text: str,
        message_id: int = 1,
        *,
        reply_to: int | None = None,
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """A group message in array form from a member (their role from ``members``):
        a ``reply`` segment first if it quotes a message, ``extra`` segments after the text."""
        quote = [{"type": "reply", "data": {"id": str(reply_to)}}] if reply_to is not None else []
        body = [{"type": "text", "data": {"text": text}}] if text else []
        return self.event(
            post_type="message",
            message_type="group",
            sub_type="normal",
            message_id=message_id,
            group_id=group,
            user_id=user,
            message=[*quote, *body, *(dict(s) for s in extra)],
            raw_message=text,
            font=0,
            sender={"user_id": user, "nickname": f"u{user}", "role": self.role(group, user)},
        )

    def private_message(self, user: int, text: str, message_id: int = 1) -> dict[str, Any]:
        """A private message in array form."""
        return self.event(
            post_type="message",
            message_type="private",
            sub_type="friend",
            message_id=message_id,
            user_id=user,
            message=[{"type": "text", "data": {"text": text}}],
            raw_message=text,
            font=0,
            sender={"user_id": user, "nickname": f"u{user}"},
        )

    async def push(self, event: Mapping[str, Any]) -> None:
        """Send an event over every open connection (and remember it)."""
        self.pushed.append(dict(event))
        if event.get("post_type") == "message" and isinstance(event.get("message_id"), int):
            self.messages[event["message_id"]] = dict(event)
        for socket in list(self._sockets):
            await socket.send_str(json.dumps(event))

    async def drop(self) -> None:
        """Cut every connection (the implementation went away); nothing more is sent on them."""
        sockets = list(self._sockets)
        self._sockets.clear()
        for socket in sockets:
            await socket.close()

    # -- reverse mode: the fake connects -----------------------------------------------------

    async def connect(self, url: str, token: str | None = None, self_id: int | None = None) -> None:
        """Connect to the bot's endpoint; raise aiohttp.WSServerHandshakeError if refused."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"X-Self-ID": str(self_id or self.self_id), "X-Client-Role": "Universal"}
        if token is None:
            token = self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        socket = await self._session.ws_connect(url, headers=headers)
        self._start(socket)
        await socket.send_str(
            json.dumps(
                self.event(post_type="meta_event", meta_event_type="lifecycle", sub_type="connect")
            )
        )

    # -- forward mode: the fake serves -------------------------------------------------------

    async def listen(self, path: str = "/") -> str:
        """Serve a WebSocket for the bot on a free port; its ws:// URL."""
        app = web.Application()
        app.router.add_get(path, self._accept)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"ws://127.0.0.1:{port}{path}"

    async def _accept(self, request: web.Request) -> web.StreamResponse:
        if self.token:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            given = given or request.query.get("access_token", "")
            status = 401 if not given else 0 if hmac.compare_digest(given, self.token) else 403
            if status:
                self.refused.append(status)
                return web.Response(status=status)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        async with self._changed:
            self.accepted += 1
            self._changed.notify_all()
        await socket.send_str(
            json.dumps(
                self.event(post_type="meta_event", meta_event_type="lifecycle", sub_type="connect")
            )
        )
        await self._read(socket)
        return socket

    # -- both ----------------------------------------------------------------------------------

    def _start(self, socket: Socket) -> None:
        self._sockets.append(socket)
        task = asyncio.create_task(self._read(socket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, socket: Socket) -> None:
        try:
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                call = json.loads(message.data)
                action = Action(call["action"], call.get("params", {}), call.get("echo"))
                async with self._changed:
                    self.actions.append(action)
                    self._changed.notify_all()
                if action.action in self._held:
                    continue
                answer = self.answer(action.action, action.params)
                frame = json.dumps({**answer, "echo": action.echo})
                if self.latency:
                    self._later(socket, frame)
                else:
                    await socket.send_str(frame)
        finally:
            if socket in self._sockets:
                self._sockets.remove(socket)

    def _later(self, socket: Socket, frame: str) -> None:
        async def send() -> None:
            await asyncio.sleep(self.latency)
            if not socket.closed:
                await socket.send_str(frame)

        task = asyncio.create_task(send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Close every connection, the server and the client session."""
        await self.drop()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()


def failed(retcode: int, words: str) -> dict[str, Any]:
    """A failed answer (without echo), worded as NapCat words one."""
    return {
        "status": "failed",
        "retcode": retcode,
        "data": None,
        "message": words,
        "wording": words,
    }


def as_number(value: object) -> int | None:
    """A message id as an int (the bot may send it as a number or a numeric string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
