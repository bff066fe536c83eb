"""People by name: what the caller and the store know, else what the platform says.

Logs and ledgers keep people by id. To show one, a name comes, in this order, from ``known``
(names the caller has at hand: the event's own sender, the points accounts), from the stored
member records, and last from the platform, at most ``MAX_LOOKUPS`` people per call. What the
platform tells is stored as the member's name, so each person is looked up once. Only when
nobody knows the person is their id shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable, Mapping

from core.chat import ChatActionError, MemberInfo
from core.events import User
from core.ids import shown_id
from core.runtime import Runtime
from storage.moderation import member_names
from storage.repositories import LearnedPerson, MemberRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

# Platform calls one rendering may make, so a long list never floods the API.
MAX_LOOKUPS = 10


def real_name(name: str | None, user_id: int) -> str:
    """A stored name, or "" when it is missing or only the id written out (older rows)."""
    if not name or name in (str(user_id), shown_id(user_id)):
        return ""
    return name


def to_look_up(user_ids: Iterable[int], named: Collection[int], limit: int) -> list[int]:
    """The ids still without a name, each once in first-seen order, at most ``limit``."""
    wanted: list[int] = []
    for user_id in dict.fromkeys(user_ids):
        if len(wanted) >= limit:
            break
        if user_id not in named:
            wanted.append(user_id)
    return wanted


def name_or_id(user_id: int, names: Mapping[int, str]) -> str:
    """A person's name, or their id as text when nobody knows it."""
    return names.get(user_id) or shown_id(user_id)


def person(user_id: int, names: Mapping[int, str]) -> User:
    """A neutral user to mention: named when the name is known (``mention`` shows the id else)."""
    return User(user_id, names.get(user_id, ""))


async def names_of(
    runtime: Runtime,
    uow: UnitOfWork,
    chat_id: int,
    user_ids: Iterable[int],
    *,
    known: Mapping[int, str] | None = None,
    lookups: int = MAX_LOOKUPS,
) -> dict[int, str]:
    """Names of people in a group by id; people nobody knows are left out."""
    ids = list(dict.fromkeys(user_ids))
    names = {
        user_id: name
        for user_id, name in (known or {}).items()
        if user_id in ids and real_name(name, user_id)
    }
    unnamed = [user_id for user_id in ids if user_id not in names]
    if unnamed:
        stored = await member_names(uow, chat_id, unnamed)
        names.update({u: n for u, n in stored.items() if real_name(n, u)})
    wanted = to_look_up(ids, names, lookups)
    if wanted:
        found = await _ask_platform(runtime, uow, chat_id, wanted)
        names.update({user_id: user.name for user_id, user in found.items()})
    return names


async def look_up(runtime: Runtime, uow: UnitOfWork, chat_id: int, user_id: int) -> User | None:
    """One person by id: as stored, else as the platform knows them (then stored); or None."""
    member = await MemberRepository(uow).get(chat_id, user_id)
    if member is not None and real_name(member.name, user_id):
        return User(user_id, member.name, member.username, member.is_bot)
    return (await _ask_platform(runtime, uow, chat_id, [user_id])).get(user_id)


async def _ask_platform(
    runtime: Runtime, uow: UnitOfWork, chat_id: int, user_ids: list[int]
) -> dict[int, User]:
    """Ask the platform about people at once; store and return those it names."""
    answers = await asyncio.gather(*(_member(runtime, chat_id, u) for u in user_ids))
    learned = {
        user_id: info
        for user_id, info in zip(user_ids, answers, strict=True)
        if info is not None and info.user.name
    }
    if learned:
        people = [
            LearnedPerson(u, i.user.name, i.user.username, i.user.is_bot, i.present)
            for u, i in learned.items()
        ]
        await MemberRepository(uow).learn(chat_id, people, runtime.now())
    return {user_id: info.user for user_id, info in learned.items()}


async def _member(runtime: Runtime, chat_id: int, user_id: int) -> MemberInfo | None:
    try:
        return await runtime.port.member_info(chat_id, user_id)
    except ChatActionError as error:
        # Not knowing a name is never worth failing the message it is shown in.
        log.info("no name for %s in %s: %s", user_id, chat_id, error)
        return None
