"""People by name: the pure choices, the lookup order (caller, store, platform), and the log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_translator
from bot.platforms.console import ADMIN, ConsolePort
from bot.platforms.console import Group as SandboxGroup
from bot.platforms.recording import RecordingPort
from bot.platforms.telegram.render import to_html
from bot.settings import load_settings
from core.chat import ChatActionError, MemberInfo
from core.events import User
from core.names import look_up, name_or_id, names_of, person, real_name, to_look_up
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.moderation.actions import log_line
from storage.moderation import LogEntry, member_names
from storage.repositories import Activity, LearnedPerson, MemberRepository
from storage.unit import Store

GROUP = -1001
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def port() -> RecordingPort:
    """Answers member_info from a table; asking about 13 fails."""
    port = RecordingPort(
        members={
            7: MemberInfo(User(7, "Zoë <b>", "zoe"), "member"),
            8: MemberInfo(User(8, "Gone Gary"), "left"),
            9: MemberInfo(User(9, ""), "member"),  # a platform answer without a name
        }
    )
    timeout = ChatActionError("failed", "time-out")
    port.fail("member_info", lambda call: timeout if call["user_id"] == 13 else None)
    return port


@pytest_asyncio.fixture
async def runtime(sqlite_store: Store, port: RecordingPort) -> AsyncIterator[Runtime]:
    port_any: Any = port
    runtime = Runtime(
        settings=load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"}),
        store=sqlite_store,
        port=port_any,
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(lambda: T0),
        clock=lambda: T0,
    )
    yield runtime


@pytest.mark.parametrize(
    ("name", "user_id", "expected"),
    [("Ann", 7, "Ann"), ("", 7, ""), (None, 7, ""), ("7", 7, ""), ("8", 7, "8")],
)
def test_real_name(name: str | None, user_id: int, expected: str) -> None:
    assert real_name(name, user_id) == expected


@pytest.mark.parametrize(
    ("ids", "named", "limit", "expected"),
    [
        ([1, 2, 3], {2}, 10, [1, 3]),
        ([3, 1, 3, 1, 2], set(), 10, [3, 1, 2]),
        ([1, 2, 3, 4], set(), 2, [1, 2]),
        ([1, 2], {1, 2}, 10, []),
        ([1, 2], set(), 0, []),
    ],
)
def test_to_look_up(ids: list[int], named: set[int], limit: int, expected: list[int]) -> None:
    assert to_look_up(ids, named, limit) == expected


@pytest.mark.parametrize(
    ("user_id", "names", "shown"), [(7, {7: "Ann"}, "Ann"), (7, {}, "7"), (7, {7: ""}, "7")]
)
def test_name_or_id(user_id: int, names: dict[int, str], shown: str) -> None:
    assert name_or_id(user_id, names) == shown
    assert person(user_id, names).name == (shown if shown != "7" else "")


async def test_names_come_from_the_caller_the_store_then_the_platform_once(
    runtime: Runtime, port: RecordingPort
) -> None:
    async with runtime.store.unit() as uow:
        await MemberRepository(uow).record([Activity(GROUP, 5, "Stored Sam", None, False, T0)])
    async with runtime.store.unit() as uow:
        names = await names_of(runtime, uow, GROUP, [4, 5, 7, 8, 9, 12, 13], known={4: "Kai"})
    assert names == {4: "Kai", 5: "Stored Sam", 7: "Zoë <b>", 8: "Gone Gary"}
    assert port.asked("member_info", "user_id") == [7, 8, 9, 12, 13]
    # What the platform told is stored: the next rendering asks only about the unknown.
    port.calls.clear()
    async with runtime.store.unit() as uow:
        again = await names_of(runtime, uow, GROUP, [5, 7, 8, 12])
        assert await member_names(uow, GROUP, [7, 8]) == {7: "Zoë <b>", 8: "Gone Gary"}
        gone = await MemberRepository(uow).get(GROUP, 8)
        present = await MemberRepository(uow).get(GROUP, 7)
    assert again == {5: "Stored Sam", 7: "Zoë <b>", 8: "Gone Gary"}
    assert port.asked("member_info", "user_id") == [12]
    assert gone is not None and gone.left_at is not None
    assert present is not None and present.left_at is None and present.username == "zoe"


async def test_lookups_are_bounded_and_can_be_turned_off(
    runtime: Runtime, port: RecordingPort
) -> None:
    async with runtime.store.unit() as uow:
        assert await names_of(runtime, uow, GROUP, [7, 8], lookups=0) == {}
        assert port.asked("member_info", "user_id") == []
        assert await names_of(runtime, uow, GROUP, [20, 21, 7], lookups=2) == {}
        assert port.asked("member_info", "user_id") == [20, 21]


async def test_look_up_one_person(runtime: Runtime, port: RecordingPort) -> None:
    async with runtime.store.unit() as uow:
        found = await look_up(runtime, uow, GROUP, 7)
        assert found == User(7, "Zoë <b>", "zoe")
        assert await look_up(runtime, uow, GROUP, 12) is None
        assert await look_up(runtime, uow, GROUP, 13) is None
    port.calls.clear()
    async with runtime.store.unit() as uow:
        assert (await look_up(runtime, uow, GROUP, 7)) == User(7, "Zoë <b>", "zoe")
    assert port.asked("member_info", "user_id") == []


async def test_learning_a_name_keeps_a_members_activity(runtime: Runtime) -> None:
    async with runtime.store.unit() as uow:
        await MemberRepository(uow).record([Activity(GROUP, 5, "", None, False, T0, 4)])
    async with runtime.store.unit() as uow:
        later = datetime(2026, 12, 1, tzinfo=UTC)
        await MemberRepository(uow).learn(GROUP, [LearnedPerson(5, "Sam", "sam")], later)
    async with runtime.store.unit() as uow:
        row = await MemberRepository(uow).get(GROUP, 5)
    assert row is not None
    assert (row.name, row.username, row.message_count, row.last_seen) == ("Sam", "sam", 4, T0)


async def test_log_line_names_target_and_actor_escaped(runtime: Runtime) -> None:
    entry = LogEntry(GROUP, "warn", actor_id=7, target_id=8, target_name="8", reason="manual")
    line = to_html(log_line(runtime, "en", entry, {7: "Zoë <b>", 8: "Gone Gary"}))
    assert 'tg://user?id=7">Zoë &lt;b&gt;</a>' in line
    assert 'tg://user?id=8">Gone Gary</a>' in line
    # Nobody knows them: the id, as before.
    bare = to_html(log_line(runtime, "en", LogEntry(GROUP, "ban", actor_id=3, target_id=4), {}))
    assert 'id=3">3</a>' in bare and 'id=4">4</a>' in bare
    # The actor's name the caller had at hand is used when the store has none.
    known = LogEntry(GROUP, "ban", actor_id=3, target_id=4, target_name="T", actor_name="Ada")
    assert 'id=3">Ada</a>' in to_html(log_line(runtime, "en", known, {}))


async def test_the_sandbox_knows_its_simulated_members() -> None:
    group = SandboxGroup()
    bob = group.member("Bob")
    sandbox = ConsolePort(group, lambda line: None)
    assert await sandbox.member_info(GROUP, bob.id) == MemberInfo(bob, "member")
    assert await sandbox.member_info(GROUP, ADMIN.id) == MemberInfo(ADMIN, "admin")
    assert await sandbox.member_info(GROUP, 424242) is None
