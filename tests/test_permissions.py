"""Who may do what: admin checks, the admin cache and the command table."""

from __future__ import annotations

import pytest

from bot.platforms.telegram.events import ANONYMOUS_ADMIN_ID
from core.commands import CommandTable
from core.context import Context
from core.events import Command
from core.feature import CommandSpec, Feature
from core.permissions import AdminCache, is_admin_sender, may_run

GROUP = -1001234567890
CHANNEL = -1009999999999
OWNER = 1
ADMIN = 2
MEMBER = 3
CHANNEL_BOT = 136817688  # Telegram's sender for channel posts
SERVICE = 777000  # Telegram's sender for posts forwarded from a linked channel


@pytest.mark.parametrize(
    ("user_id", "sender_chat_id", "expected"),
    [
        (OWNER, None, True),
        (ADMIN, None, True),
        (MEMBER, None, False),
        (ANONYMOUS_ADMIN_ID, GROUP, True),
        (ANONYMOUS_ADMIN_ID, None, False),
        (CHANNEL_BOT, CHANNEL, False),
        (SERVICE, CHANNEL, False),
        (ADMIN, CHANNEL, False),
        (MEMBER, GROUP, True),
        (OWNER, CHANNEL, True),
        (OWNER, GROUP, True),
    ],
    ids=[
        "owner",
        "admin",
        "member",
        "anonymous-admin-as-group",
        "anonymous-admin-id-without-sender-chat",
        "channel-post",
        "linked-channel-forward",
        "admin-posting-as-a-channel",
        "posting-as-the-group",
        "owner-via-channel",
        "owner-as-group",
    ],
)
def test_is_admin_sender(user_id: int, sender_chat_id: int | None, expected: bool) -> None:
    result = is_admin_sender(
        user_id,
        GROUP,
        sender_chat_id=sender_chat_id,
        admin_ids=frozenset({ADMIN}),
        owner_ids=(OWNER,),
    )
    assert result is expected


def test_channel_is_not_admin_even_if_listed() -> None:
    """A channel id in the admin list does not make a post by that channel an admin."""
    assert not is_admin_sender(
        CHANNEL_BOT,
        GROUP,
        sender_chat_id=CHANNEL,
        admin_ids={CHANNEL_BOT, CHANNEL},
        owner_ids=(),
    )


def test_owner_of_no_groups_needs_no_admin_list() -> None:
    assert is_admin_sender(OWNER, GROUP, sender_chat_id=None, admin_ids=(), owner_ids=[OWNER])
    assert not is_admin_sender(ADMIN, GROUP, sender_chat_id=None, admin_ids=(), owner_ids=[])


@pytest.mark.parametrize(
    ("admin_only", "caller_is_admin", "expected"),
    [(False, False, True), (False, True, True), (True, False, False), (True, True, True)],
)
def test_may_run(admin_only: bool, caller_is_admin: bool, expected: bool) -> None:
    assert may_run(admin_only, caller_is_admin) is expected


# --- AdminCache ---------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """Counts fetches and answers a new admin set each time."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    async def __call__(self, chat_id: int) -> frozenset[int]:
        self.calls.append(chat_id)
        return frozenset({chat_id, len(self.calls)})


@pytest.mark.parametrize(
    ("steps", "fetches"),
    [
        ([0], 1),
        ([0, 0, 0], 1),
        ([0, 599.9], 1),
        ([0, 600], 2),
        ([0, 601], 2),
        ([0, 300, 599, 601, 900, 1200], 2),
        ([0, 300, 599, 601, 900, 1201], 3),
    ],
    ids=["once", "repeated", "within-ttl", "at-ttl", "after-ttl", "two-periods", "three-periods"],
)
async def test_admin_cache_fetches_once_per_ttl(steps: list[float], fetches: int) -> None:
    clock, fetch = FakeClock(), Fetcher()
    cache = AdminCache(fetch, ttl=600, clock=clock)
    start = clock.now
    for offset in steps:
        clock.now = start + offset
        admins = await cache.get(GROUP)
        assert GROUP in admins
    assert fetch.calls == [GROUP] * fetches


async def test_admin_cache_serves_the_cached_set() -> None:
    clock, fetch = FakeClock(), Fetcher()
    cache = AdminCache(fetch, ttl=600, clock=clock)
    first = await cache.get(GROUP)
    clock.now += 10
    assert await cache.get(GROUP) == first == frozenset({GROUP, 1})
    clock.now += 600
    assert await cache.get(GROUP) == frozenset({GROUP, 2}), "a fresh answer after the TTL"


async def test_admin_cache_invalidate_fetches_again() -> None:
    clock, fetch = FakeClock(), Fetcher()
    cache = AdminCache(fetch, ttl=600, clock=clock)
    await cache.get(GROUP)
    await cache.get(GROUP)
    cache.invalidate(GROUP)
    assert await cache.get(GROUP) == frozenset({GROUP, 2})
    await cache.get(GROUP)
    assert fetch.calls == [GROUP, GROUP]
    cache.invalidate(CHANNEL)  # invalidating an unknown chat is harmless
    await cache.get(GROUP)
    assert fetch.calls == [GROUP, GROUP]


async def test_admin_cache_is_per_chat() -> None:
    clock, fetch = FakeClock(), Fetcher()
    cache = AdminCache(fetch, ttl=600, clock=clock)
    await cache.get(GROUP)
    await cache.get(CHANNEL)
    await cache.get(GROUP)
    cache.invalidate(CHANNEL)
    await cache.get(GROUP)
    await cache.get(CHANNEL)
    assert fetch.calls == [GROUP, CHANNEL, CHANNEL]


# --- CommandTable -------------------------------------------------------------------


async def _noop(command: Command, ctx: Context) -> None:
    return None


class Provider(Feature):
    def __init__(self, *specs: CommandSpec) -> None:
        self.specs = specs

    def commands(self) -> tuple[CommandSpec, ...]:
        return self.specs


SPECS = {
    "start": CommandSpec("start", _noop, admin_only=False, group_only=False),
    "rules": CommandSpec("rules", _noop, admin_only=False, group_only=True),
    "ownerping": CommandSpec("ownerping", _noop, admin_only=True, group_only=False),
    "setrules": CommandSpec("setrules", _noop, admin_only=True, group_only=True),
}


def table() -> CommandTable:
    t = CommandTable()
    t.add([Provider(SPECS["start"], SPECS["rules"]), Provider()])
    t.add([Provider(SPECS["ownerping"], SPECS["setrules"])])
    return t


@pytest.mark.parametrize(
    ("is_admin", "in_group", "visible"),
    [
        (False, True, ["start", "rules"]),
        (True, True, ["start", "rules", "ownerping", "setrules"]),
        (False, False, ["start"]),
        (True, False, ["start", "ownerping"]),
    ],
    ids=["member-in-group", "admin-in-group", "member-in-private", "admin-in-private"],
)
def test_visible(is_admin: bool, in_group: bool, visible: list[str]) -> None:
    specs = table().visible(is_admin=is_admin, in_group=in_group)
    assert [spec.name for spec in specs] == visible


def test_table_keeps_declaration_order_and_looks_up() -> None:
    t = table()
    assert list(t.specs) == ["start", "rules", "ownerping", "setrules"]
    assert t.get("setrules") is SPECS["setrules"]
    assert t.get("nope") is None


@pytest.mark.parametrize(
    "features",
    [
        [Provider(SPECS["start"]), Provider(CommandSpec("start", _noop))],
        [Provider(SPECS["rules"], CommandSpec("rules", _noop, admin_only=True))],
    ],
    ids=["two-features", "one-feature"],
)
def test_duplicate_names_raise(features: list[Feature]) -> None:
    t = CommandTable()
    with pytest.raises(ValueError, match="declared twice"):
        t.add(features)


def test_duplicate_across_add_calls_raises() -> None:
    t = table()
    with pytest.raises(ValueError, match=r"/rules"):
        t.add([Provider(CommandSpec("rules", _noop))])
    assert t.get("rules") is SPECS["rules"], "the first declaration stays"


def test_help_key() -> None:
    assert SPECS["setrules"].help_key == "commands.setrules"
