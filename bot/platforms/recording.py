"""A ChatPort that answers at once and records every call: the fake for tests and benchmarks.

Every method of ``ChatPort`` is recorded as a ``Call`` with its arguments bound by name to
the protocol's signature (so a call the real port would refuse fails here too). Knobs cover
what tests and benchmarks ask of a platform:

- answers: message ids count up from ``first_id``; ``admins``, ``member_count``, ``members``
  (MemberInfo by user id), ``roster`` (the member list, the same for every chat; None: the
  platform cannot list members), ``chat_rights`` (kept up to date by
  ``set_chat_permissions``) and ``files`` (for ``download``); ``answers`` overrides any
  method with a value or a function of the call (returning ``DEFAULT`` leaves the answer
  to the port);
- failures: ``fail(method, error, times=...)`` raises an error (ChatActionError,
  MissingRight, anything) on every call, the next few, or those a function picks;
- ``delays`` in seconds per method, ``counts`` per method, and ``record=False`` for
  benchmarks that only count.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.chat import (
    ALL_CAPABILITIES,
    Capabilities,
    ChatActionError,
    ChatPort,
    ChatRights,
    MemberInfo,
    RosterEntry,
)

# What an answer function returns to leave the answer to the port's defaults.
DEFAULT: Any = object()
# Methods that post something and answer with the new message's id.
POSTING = frozenset({"send", "post", "copy", "send_photo", "send_file"})
_SIGNATURES = {
    name: inspect.signature(method)
    for name, method in vars(ChatPort).items()
    if inspect.iscoroutinefunction(method) and not name.startswith("_")
}


@dataclass(frozen=True, slots=True)
class Call:
    """One call to the port: the method, its arguments by name, when it came (``time.time``)
    and how it ended."""

    method: str
    arguments: Mapping[str, Any]
    at: float = 0.0
    answer: Any = None
    error: BaseException | None = None

    def __getitem__(self, name: str) -> Any:
        """One argument by its parameter name."""
        return self.arguments[name]

    def values(self, *names: str) -> Any:
        """The named arguments: one value for one name, a tuple for several."""
        if len(names) == 1:
            return self.arguments[names[0]]
        return tuple(self.arguments[name] for name in names)


ErrorRule = BaseException | Callable[[Call], BaseException | None]


@dataclass(slots=True)
class _Failure:
    error: ErrorRule
    times: int | None

    def raised(self, call: Call) -> BaseException | None:
        """The error this call meets, if any (and one time fewer left)."""
        error = self.error if isinstance(self.error, BaseException) else self.error(call)
        if error is not None and self.times is not None:
            self.times -= 1
        return error


class RecordingPort:
    """The whole ChatPort, answering at once (or after ``delays``) and recording each call."""

    def __init__(
        self,
        *,
        admins: Iterable[int] = (),
        member_count: int | None = None,
        members: Mapping[int, MemberInfo] | None = None,
        roster: Sequence[RosterEntry] | None = None,
        chat_rights: ChatRights | None = None,
        files: Mapping[str, bytes] | None = None,
        answers: Mapping[str, Any] | None = None,
        delays: Mapping[str, float] | None = None,
        first_id: int = 1,
        record: bool = True,
        capabilities: Capabilities = ALL_CAPABILITIES,
    ) -> None:
        self.capabilities = capabilities
        self.admin_ids = frozenset(admins)
        self.members_count = member_count
        self.members = dict(members or {})
        self.roster_entries = None if roster is None else list(roster)
        self.chat_rights = chat_rights
        self.files = dict(files or {})
        self.answers = dict(answers or {})
        self.delays = dict(delays or {})
        self.record = record
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self._ids = itertools.count(first_id)
        self._failures: dict[str, list[_Failure]] = {}

    # ---------------------------------------------------------------- knobs and views

    def fail(self, method: str, error: ErrorRule, *, times: int | None = None) -> None:
        """Make ``method`` raise ``error`` (or what ``error(call)`` returns) ``times`` times,
        or always; rules added earlier are tried first."""
        if method not in _SIGNATURES:
            raise AttributeError(f"ChatPort has no method {method!r}")
        self._failures.setdefault(method, []).append(_Failure(error, times))

    def recover(self, method: str) -> None:
        """Let ``method`` succeed again."""
        self._failures.pop(method, None)

    def failures_left(self, method: str) -> int:
        """How many counted failures ``method`` still has in store."""
        return sum(rule.times or 0 for rule in self._failures.get(method, ()))

    def made(self, method: str, *names: str) -> list[Any]:
        """The calls of ``method`` that succeeded: their named arguments, or the Calls."""
        return [c.values(*names) if names else c for c in self.asked(method) if c.error is None]

    def asked(self, method: str, *names: str) -> list[Any]:
        """Every call of ``method``, failed ones too: their named arguments, or the Calls."""
        return [c.values(*names) if names else c for c in self.calls if c.method == method]

    def texts(self, chat_id: int | None = None) -> list[Any]:
        """The texts of every message sent or posted (to one chat, if given), in order."""
        return [
            c["text"]
            for c in self.calls
            if c.method in ("send", "post") and chat_id in (None, c["chat_id"])
        ]

    # ---------------------------------------------------------------- the machinery

    async def _call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        bound = _SIGNATURES[method].bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        call = Call(method, arguments, time.time())
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        try:
            error = self._error(call)
            if error is not None:
                raise error
            answer = self._answer(call)
        except BaseException as failure:
            self._keep(Call(method, arguments, call.at, error=failure))
            raise
        self.counts[method] += 1
        self._keep(Call(method, arguments, call.at, answer))
        return answer

    def _error(self, call: Call) -> BaseException | None:
        rules = self._failures.get(call.method, [])
        for rule in list(rules):
            error = rule.raised(call)
            if rule.times == 0:
                rules.remove(rule)
            if error is not None:
                return error
        return None

    def _keep(self, call: Call) -> None:
        if self.record:
            self.calls.append(call)

    def _answer(self, call: Call) -> Any:
        answer = self.answers.get(call.method, DEFAULT)
        if callable(answer):
            answer = answer(call)
        if answer is not DEFAULT:
            return answer
        return self._default(call)

    def _default(self, call: Call) -> Any:
        method = call.method
        if method in POSTING:
            return next(self._ids)
        if method in ("edit", "delete"):
            return True
        if method == "admins":
            return self.admin_ids
        if method == "member_count":
            return self.members_count
        if method == "member_info":
            return self.members.get(call["user_id"])
        if method == "member_status":
            known = self.members.get(call["user_id"])
            return known.status if known is not None else None
        if method == "roster":
            return None if self.roster_entries is None else list(self.roster_entries)
        if method == "chat_permissions":
            return self.chat_rights
        if method == "set_chat_permissions":
            self.chat_rights = call["rights"]
        if method == "create_invite_link":
            return f"https://t.me/+recorded{next(self._ids)}"
        if method == "download":
            if call["file_id"] not in self.files:
                raise ChatActionError("not_found", call["file_id"])
            return self.files[call["file_id"]]
        return None

    # ---------------------------------------------------------------- the ChatPort

    async def send(self, *args: Any, **kwargs: Any) -> int | None:
        """Record a message; answer a new message id."""
        return await self._call("send", args, kwargs)

    async def post(self, *args: Any, **kwargs: Any) -> int:
        """Record a post; answer a new message id."""
        return await self._call("post", args, kwargs)

    async def copy(self, *args: Any, **kwargs: Any) -> int:
        """Record a copy; answer a new message id."""
        return await self._call("copy", args, kwargs)

    async def edit(self, *args: Any, **kwargs: Any) -> bool:
        """Record an edit; answer True."""
        return await self._call("edit", args, kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> bool:
        """Record a deletion; answer True."""
        return await self._call("delete", args, kwargs)

    async def mute(self, *args: Any, **kwargs: Any) -> None:
        """Record a mute."""
        return await self._call("mute", args, kwargs)

    async def unmute(self, *args: Any, **kwargs: Any) -> None:
        """Record an unmute."""
        return await self._call("unmute", args, kwargs)

    async def ban(self, *args: Any, **kwargs: Any) -> None:
        """Record a ban."""
        return await self._call("ban", args, kwargs)

    async def kick(self, *args: Any, **kwargs: Any) -> None:
        """Record a kick."""
        return await self._call("kick", args, kwargs)

    async def unban(self, *args: Any, **kwargs: Any) -> None:
        """Record an unban."""
        return await self._call("unban", args, kwargs)

    async def approve_join(self, *args: Any, **kwargs: Any) -> None:
        """Record an accepted join request."""
        return await self._call("approve_join", args, kwargs)

    async def decline_join(self, *args: Any, **kwargs: Any) -> None:
        """Record a declined join request."""
        return await self._call("decline_join", args, kwargs)

    async def pin(self, *args: Any, **kwargs: Any) -> None:
        """Record a pin."""
        return await self._call("pin", args, kwargs)

    async def admins(self, *args: Any, **kwargs: Any) -> frozenset[int]:
        """Answer ``admin_ids``."""
        return await self._call("admins", args, kwargs)

    async def member_count(self, *args: Any, **kwargs: Any) -> int | None:
        """Answer ``members_count``."""
        return await self._call("member_count", args, kwargs)

    async def member_status(self, *args: Any, **kwargs: Any) -> str | None:
        """Answer the status of the person in ``members``, if known."""
        return await self._call("member_status", args, kwargs)

    async def roster(self, *args: Any, **kwargs: Any) -> list[RosterEntry] | None:
        """Answer a copy of ``roster_entries`` (None: the platform cannot list members)."""
        return await self._call("roster", args, kwargs)

    async def send_photo(self, *args: Any, **kwargs: Any) -> int | None:
        """Record an image; answer a new message id."""
        return await self._call("send_photo", args, kwargs)

    async def send_file(self, *args: Any, **kwargs: Any) -> int | None:
        """Record a document; answer a new message id."""
        return await self._call("send_file", args, kwargs)

    async def download(self, *args: Any, **kwargs: Any) -> bytes:
        """Answer the bytes of a file in ``files``; raise ``not_found`` for any other."""
        return await self._call("download", args, kwargs)

    async def answer_button(self, *args: Any, **kwargs: Any) -> None:
        """Record the acknowledgement of a button press."""
        return await self._call("answer_button", args, kwargs)

    async def member_info(self, *args: Any, **kwargs: Any) -> MemberInfo | None:
        """Answer the person in ``members``, if known."""
        return await self._call("member_info", args, kwargs)

    async def chat_permissions(self, *args: Any, **kwargs: Any) -> ChatRights | None:
        """Answer ``chat_rights``."""
        return await self._call("chat_permissions", args, kwargs)

    async def set_chat_permissions(self, *args: Any, **kwargs: Any) -> None:
        """Record new member permissions and keep them as ``chat_rights``."""
        return await self._call("set_chat_permissions", args, kwargs)

    async def create_invite_link(self, *args: Any, **kwargs: Any) -> str:
        """Record a new invite link; answer a made-up URL, a new one each call."""
        return await self._call("create_invite_link", args, kwargs)

    async def revoke_invite_link(self, *args: Any, **kwargs: Any) -> None:
        """Record the revocation of an invite link."""
        return await self._call("revoke_invite_link", args, kwargs)
