"""OneBot v11 action calls over one connection: ``{"action", "params", "echo"}`` requests
matched to their ``{"status", "retcode", "data", "echo"}`` answers by ``echo``.

A failed call becomes a ``core.chat.ChatActionError`` with a neutral reason, never a crash:
an answer saying the bot lacks a right is ``MissingRight`` (the right the action needs);
a send with no answer in time (or cut off by a dropped connection) is ``unknown``, since it
may have been posted; anything else is ``failed``. OneBot leaves error codes to the
implementation (NapCat and LLBot answer 100, 102, 200, 1404...), so the reason is read from
the answer's ``message`` / ``wording`` words.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.chat import ChatActionError, MissingRight

log = logging.getLogger(__name__)

# Actions that post something: without an answer they may still have been sent.
POSTING = frozenset({"send_group_msg", "send_private_msg", "send_msg", "upload_group_file"})
# The neutral right each action needs (``core/i18n`` ``[rights]``).
RIGHTS: Mapping[str, str] = {
    "delete_msg": "delete",
    "set_group_ban": "restrict",
    "set_group_whole_ban": "restrict",
    "set_group_kick": "restrict",
    "set_group_add_request": "invite",
    "send_group_msg": "post",
    "send_private_msg": "post",
    "send_msg": "post",
    "upload_group_file": "post",
}
# Words of implementations' answers that mean "the bot may not" (NapCat, LLBot, go-cqhttp).
_NO_RIGHT = ("权限", "无权", "管理员", "permission", "not admin", "no right", "forbidden")
_GONE = ("不在群", "不在该群", "群不存在", "not in group", "group not found", "被移出")
_NOT_FOUND = ("不存在", "not found", "消息不存在", "no such")

Send = Callable[[str], Awaitable[None]]


def wording(answer: Mapping[str, Any]) -> str:
    """The human words of an answer (``message`` / ``wording`` / ``msg``), joined."""
    parts = [answer.get(key) for key in ("message", "wording", "msg")]
    return "; ".join(str(p) for p in parts if p)


def error_for(action: str, retcode: int, words: str) -> ChatActionError:
    """The neutral error an action's non-zero retcode stands for."""
    detail = f"{action}: retcode {retcode}" + (f" ({words})" if words else "")
    lowered = words.lower()
    if retcode == 1403 or any(w in lowered for w in _NO_RIGHT):
        return MissingRight(RIGHTS.get(action, "restrict"), detail)
    if any(w in lowered for w in _GONE):
        return ChatActionError("chat_gone", detail)
    if retcode == 1404 or any(w in lowered for w in _NOT_FOUND):
        return ChatActionError("not_found", detail)
    return ChatActionError("failed", detail)


def lost_error(action: str, why: str) -> ChatActionError:
    """The error for a call whose answer never came: ``unknown`` for a send, else ``failed``."""
    reason = "unknown" if action in POSTING else "failed"
    return ChatActionError(reason, f"{action}: {why}")


def is_answer(frame: Mapping[str, Any]) -> bool:
    """Whether a received frame answers a call (events carry ``post_type`` instead)."""
    return "post_type" not in frame and ("retcode" in frame or "status" in frame)


def outcome(action: str, answer: Mapping[str, Any]) -> Any:
    """The ``data`` of a successful answer; raise the neutral error of a failed one."""
    retcode = answer.get("retcode", 0)
    if not isinstance(retcode, int):
        retcode = -1
    # retcode 1: accepted and run asynchronously (OneBot's "async" answer), a success.
    if retcode in (0, 1) and answer.get("status", "ok") in ("ok", "async"):
        return answer.get("data")
    raise error_for(action, retcode, wording(answer))


class Caller:
    """Calls over one connection: sends a request, waits for the answer with its echo."""

    def __init__(self, send: Send, timeout: float, prefix: str = "") -> None:
        self._send = send
        self._timeout = timeout
        self._prefix = prefix
        self._numbers = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Mapping[str, Any]]] = {}

    @property
    def pending(self) -> int:
        """How many calls wait for their answers."""
        return len(self._pending)

    async def call(self, action: str, params: Mapping[str, Any]) -> Any:
        """Run an action; its ``data``, or ChatActionError saying why it failed."""
        echo = f"{self._prefix}{next(self._numbers)}"
        waiter: asyncio.Future[Mapping[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[echo] = waiter
        try:
            payload = json.dumps({"action": action, "params": dict(params), "echo": echo})
            try:
                await self._send(payload)
            except Exception as error:  # a closed socket: nothing went out
                raise ChatActionError("failed", f"{action}: not sent ({error})") from error
            try:
                answer = await asyncio.wait_for(waiter, self._timeout)
            except TimeoutError:
                raise lost_error(action, f"no answer in {self._timeout:g} s") from None
            except _Lost as lost:
                raise lost_error(action, str(lost)) from None
        finally:
            self._pending.pop(echo, None)
        return outcome(action, answer)

    def resolve(self, answer: Mapping[str, Any]) -> bool:
        """Hand an answer to the call waiting for its echo; False if none waits (late)."""
        waiter = self._pending.get(str(answer.get("echo")))
        if waiter is None or waiter.done():
            log.debug("onebot answer with no waiting call: echo %r", answer.get("echo"))
            return False
        waiter.set_result(answer)
        return True

    def close(self, why: str = "connection closed") -> None:
        """Fail every waiting call: the connection is gone, their answers will not come."""
        for echo, waiter in list(self._pending.items()):
            if not waiter.done():
                waiter.set_exception(_Lost(why))
            self._pending.pop(echo, None)


class _Lost(Exception):
    """The connection went away before the answer came."""
