"""Seeding inactivity from the platform's member list: the store, the seeder, /inactive."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.platforms.console import ConsolePort, Group
from bot.platforms.recording import RecordingPort
from bot.platforms.telegram.port import TelegramPort
from bot.settings import load_settings
from core.chat import ChatActionError, RosterEntry
from core.events import Chat, Message, User, parse_command
from handlers.cleanup.feature import Cleanup
from handlers.cleanup.roster import RosterSeeder, listed
from storage.cleanup import CleanupRepository
from storage.repositories import Activity, ListedMember, MemberRepository
from storage.unit import Store
from tests.schedule_support import Clock

CHAT = -1001234567890123
OTHER = -1009999999999999
ADMIN = 77
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    """A time ``days`` before NOW."""
    return NOW - timedelta(days=days)


def person(user_id: int, name: str, joined: float | None, seen: float | None) -> ListedMember:
    """A member list entry with times ``joined`` / ``seen`` days ago (None: unknown)."""
    return ListedMember(
        user_id,
        name,
        joined_at=None if joined is None else ago(joined),
        last_seen=None if seen is None else ago(seen),
    )


async def rows(store: Store, chat_id: int = CHAT) -> dict[int, tuple[object, ...]]:
    """Each stored member of a chat as (name, last_seen, joined_at, left_at, messages)."""
    async with store.unit() as uow:
        found = await MemberRepository(uow).in_chat(chat_id)
    return {
        r.user_id: (r.name, r.last_seen, r.joined_at, r.left_at, r.message_count) for r in found
    }


async def test_new_members_get_the_list_times(store: Store) -> None:
    """A new row: the join time, the last message (else the join time, else now); present."""
    listed_members = [
        person(1, "Spoke", joined=100, seen=60),
        person(2, "Never spoke", joined=80, seen=None),
        person(3, "No times", joined=None, seen=None),
        person(1, "Spoke (again)", joined=100, seen=60),
    ]
    async with store.unit() as uow:
        await MemberRepository(uow).seed(CHAT, listed_members, NOW)
    assert await rows(store) == {
        1: ("Spoke (again)", ago(60), ago(100), None, 0),
        2: ("Never spoke", ago(80), ago(80), None, 0),
        3: ("No times", NOW, None, None, 0),
    }
    assert await rows(store, OTHER) == {}
    async with store.unit() as uow:
        stored = await MemberRepository(uow).get(CHAT, 1)
    # When the bot learned of them, not when they joined: the bot's earliest sign reads it.
    assert stored is not None and stored.first_seen == NOW


async def test_existing_rows_move_forward_only(store: Store) -> None:
    """last_seen is the later of both; joined_at is filled if missing; counts are kept."""
    async with store.unit() as uow:
        await MemberRepository(uow).record(
            [
                Activity(CHAT, 1, "Ann", None, False, ago(10), messages=5),
                Activity(CHAT, 2, "Ben", None, False, ago(90), messages=2, joined_at=ago(120)),
                Activity(CHAT, 3, "Cat", None, False, ago(40)),
            ]
        )
    listed_members = [
        person(1, "Ann Card", joined=300, seen=50),  # the bot saw her later than QQ did
        person(2, "Ben", joined=200, seen=70),  # QQ saw him later; his join stays
        person(3, "Cat", joined=None, seen=None),  # nothing known: nothing moves
    ]
    async with store.unit() as uow:
        await MemberRepository(uow).seed(CHAT, listed_members, NOW)
    assert await rows(store) == {
        1: ("Ann Card", ago(10), ago(300), None, 5),
        2: ("Ben", ago(70), ago(120), None, 2),
        3: ("Cat", ago(40), None, None, 0),
    }


async def test_only_who_is_on_the_list_comes_back(store: Store) -> None:
    """Seen leaving and on the list: rejoined (present, the new join); off it: still gone."""
    async with store.unit() as uow:
        await MemberRepository(uow).record(
            [
                Activity(CHAT, 1, "Back", None, False, ago(90), joined_at=ago(300)),
                Activity(CHAT, 2, "Gone", None, False, ago(90), left_at=ago(80)),
                Activity(CHAT, 3, "Quiet", None, False, ago(95)),
            ]
        )
        await CleanupRepository(uow).mark_left(CHAT, [1], ago(85))
    async with store.unit() as uow:
        await MemberRepository(uow).seed(CHAT, [person(1, "Back", joined=20, seen=None)], NOW)
    found = await rows(store)
    assert found[1] == ("Back", ago(20), ago(20), None, 0)
    assert found[2][3] == ago(80)
    assert found[3] == ("Quiet", ago(95), None, None, 0)


def entry(user_id: int, name: str, joined: float | None, seen: float | None) -> RosterEntry:
    """A roster entry as a port gives it."""
    return RosterEntry(
        User(user_id, name),
        joined_at=None if joined is None else ago(joined),
        last_seen=None if seen is None else ago(seen),
    )


async def test_telegram_and_the_sandbox_cannot_list_members() -> None:
    assert await TelegramPort(cast(Any, object())).roster(CHAT) is None
    assert await ConsolePort(Group(), lambda _: None).roster(CHAT) is None


def test_the_list_becomes_what_the_store_takes() -> None:
    roster = [RosterEntry(User(5, "Bot", "b", is_bot=True), ago(3), ago(1), is_admin=True)]
    assert listed(roster) == [ListedMember(5, "Bot", "b", True, ago(3), ago(1))]


class Runtimeish:
    """The runtime parts the seeder uses: settings, the port and the clock."""

    def __init__(self, port: RecordingPort, clock: Clock, hours: str = "6") -> None:
        self.settings = load_settings(None, {"BOT_CLEANUP__ROSTER_REFRESH_HOURS": hours})
        self.port = port
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()


async def test_the_list_is_fetched_once_per_refresh_time(store: Store) -> None:
    port = RecordingPort(roster=[entry(1, "Ann", joined=100, seen=60)])
    clock = Clock(NOW)
    seeder = RosterSeeder(Runtimeish(port, clock))  # type: ignore[arg-type]
    async with store.unit() as uow:
        assert await seeder.refresh(uow, CHAT)
    clock.now = NOW + timedelta(hours=5)
    async with store.unit() as uow:
        assert not await seeder.refresh(uow, CHAT)
    assert port.counts["roster"] == 1
    clock.now = NOW + timedelta(hours=6, seconds=1)
    port.roster_entries = [entry(1, "Ann", joined=100, seen=1)]
    async with store.unit() as uow:
        assert await seeder.refresh(uow, CHAT)
    assert port.counts["roster"] == 2
    assert (await rows(store))[1][1] == ago(1)


async def test_a_failed_list_changes_nothing_and_is_asked_again(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    port = RecordingPort(roster=[entry(1, "Ann", joined=100, seen=60)])
    port.fail("roster", ChatActionError("failed", "timeout"), times=1)
    seeder = RosterSeeder(Runtimeish(port, Clock(NOW)))  # type: ignore[arg-type]
    async with sqlite_store.unit() as uow:
        assert not await seeder.refresh(uow, CHAT)
    assert await rows(sqlite_store) == {}
    assert "no member list" in caplog.text
    async with sqlite_store.unit() as uow:
        assert await seeder.refresh(uow, CHAT)
    assert set(await rows(sqlite_store)) == {1}


async def test_a_platform_without_a_list_is_not_asked_again(sqlite_store: Store) -> None:
    port = RecordingPort(roster=None)
    seeder = RosterSeeder(Runtimeish(port, Clock(NOW)))  # type: ignore[arg-type]
    for _ in range(3):
        async with sqlite_store.unit() as uow:
            assert not await seeder.refresh(uow, CHAT)
    assert port.counts["roster"] == 1
    assert await rows(sqlite_store) == {}


# ---------------------------------------------------------------- through the real feature

GROUP = Chat(CHAT, "QQ-ish Group")
ADMIN_USER = User(ADMIN, "Ada")
_ids = itertools.count(1)


@pytest_asyncio.fixture
async def built(sqlite_store: Store) -> AsyncIterator[tuple[Core, RecordingPort, Clock]]:
    """The real core on a recording port whose member list has a member silent 60 days."""
    roster = [
        entry(ADMIN, "Ada", joined=400, seen=0),
        entry(501, "Silent Sam", joined=200, seen=60),
        entry(502, "Chatty Cy", joined=200, seen=1),
        entry(503, "Newbie Nia", joined=2, seen=2),
    ]
    port = RecordingPort(admins={ADMIN}, member_count=len(roster), roster=roster)
    settings = load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"})
    port_any: object = port
    core = build_core(settings, sqlite_store, port_any, bot_id=1, bot_username="bot", queued=False)  # type: ignore[arg-type]
    clock = Clock(NOW)
    core.runtime.clock = clock
    await core.start()
    yield core, port, clock
    await core.stop()


async def command(core: Core, text: str) -> None:
    """The admin sends a command in the group."""
    message = Message(GROUP, ADMIN_USER, next(_ids), text, NOW)
    event = parse_command(message, "bot")
    assert event is not None
    await core.dispatcher.handle(event)


def last_reply(port: RecordingPort) -> str:
    return str(port.made("send")[-1]["text"])


async def test_inactive_lists_a_member_silent_since_before_the_bot(
    built: tuple[Core, RecordingPort, Clock],
) -> None:
    """The store knew nobody; the member list shows Sam silent for 60 days."""
    core, port, _ = built
    await command(core, "/inactive 30")
    reply = last_reply(port)
    assert "1 member silent for at least 30 days" in reply
    assert "Silent Sam — last seen 2026-09-27 (60 days ago)" in reply
    assert "Chatty" not in reply and "Newbie" not in reply and "never seen" not in reply
    await command(core, "/inactive 30")
    assert port.counts["roster"] == 1


async def test_cleanup_and_its_preview_choose_from_the_list(
    built: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = built
    await command(core, "/cleanup 30")
    assert "Silent Sam" in last_reply(port)
    await command(core, "/autoclean 30 warn 3 dry")
    await command(core, "/autoclean test")
    assert "Silent Sam" in last_reply(port)
    assert port.counts["roster"] == 1


async def test_inactive_goes_on_when_the_list_fails(
    built: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = built
    port.fail("roster", ChatActionError("failed", "no answer"))
    await command(core, "/inactive 30")
    reply = last_reply(port)
    assert "No known member has been silent for 30 days." in reply
    assert "Silent Sam" not in reply


def cleanup_of(core: Core) -> Cleanup:
    return next(f for f in core.dispatcher.features if isinstance(f, Cleanup))


async def test_the_daily_job_seeds_before_it_chooses(
    built: tuple[Core, RecordingPort, Clock],
) -> None:
    """The claimed group's list is fetched before the run is planned: Sam is warned."""
    core, port, _ = built
    await command(core, "/autoclean 30 warn 3")
    cleaner = cleanup_of(core).cleaner
    cleaner.leading = True
    await cleaner.check()
    assert port.counts["roster"] == 1
    warned = [str(t) for t in port.texts(CHAT) if "Silent Sam" in str(t)]
    assert warned
