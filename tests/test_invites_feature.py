"""Invite links, attribution and invite points inside the real dispatcher (RecordingPort)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio

from bot.app import Core, build_core
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.chat import ChatActionError, MissingRight
from core.events import Chat, JoinLink, MemberJoined, MemberLeft, Message, User, parse_command
from handlers.activity import ActivityTracker
from handlers.invites.feature import Invites
from storage.badges import INVITES10, BadgeRepository
from storage.invites import InviteRepository
from storage.points import PointsRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, Clock, notices

CHAT = Chat(GROUP, "Growth Group")
ADMIN_USER = User(ADMIN, "Ada")
ANN = User(5, "Ann")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


@pytest_asyncio.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Core, RecordingPort, Clock]]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'inv.db'}")
    await store.migrate()
    port = RecordingPort(admins={ADMIN}, first_id=1000)
    settings = load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"})
    port_any: object = port
    core = build_core(settings, store, port_any, bot_id=1, bot_username="bot", queued=False)  # type: ignore[arg-type]
    clock = Clock(START)
    core.runtime.clock = clock
    await core.start()
    yield core, port, clock
    await core.stop()
    await store.close()


def feature(core: Core) -> Invites:
    return next(f for f in core.dispatcher.features if isinstance(f, Invites))


async def send(core: Core, user: User, text: str) -> None:
    msg = Message(CHAT, user, next(_ids), text, core.runtime.now())
    await core.dispatcher.handle(parse_command(msg, "bot") or msg)


async def joins(core: Core, user: User, **how: object) -> None:
    await core.dispatcher.handle(MemberJoined(CHAT, user, core.runtime.now(), **how))  # type: ignore[arg-type]


async def flush(core: Core) -> None:
    tracker = next(f for f in core.dispatcher.features if isinstance(f, ActivityTracker))
    await tracker.flush()


def said(port: RecordingPort) -> str:
    return notices(port)[-1][1]


async def balance(core: Core, user_id: int) -> int:
    async with core.runtime.store.unit() as uow:
        account = await PointsRepository(uow).account(GROUP, user_id)
        return account.balance if account is not None else 0


async def invite_kinds(core: Core) -> list[str]:
    async with core.runtime.store.unit() as uow:
        rows = await PointsRepository(uow).ledger(GROUP, None, 50)
        return [row.kind for row in rows]


async def test_setinvite_is_for_admins_and_checks_every_value(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = setup
    await send(core, ANN, "/setinvite points=20")
    assert "Only group admins" in said(port)
    await send(core, ADMIN_USER, "/setinvite")
    assert "off" in said(port)
    await send(core, ADMIN_USER, "/setinvite points=abc")
    assert "points must be a whole number from 1 to 10000" in said(port)
    await send(core, ADMIN_USER, "/setinvite require=dance")
    assert "require must be message, checkin or none" in said(port)
    await send(core, ADMIN_USER, "/setinvite points=25 stay_days=2 daily_cap=4 require=checkin")
    assert "25 per newcomer who stays 2 days and checks in" in said(port)
    await send(core, ADMIN_USER, "/setinvite off")
    assert "off now" in said(port)
    async with core.runtime.store.unit() as uow:
        row = await InviteRepository(uow).settings(GROUP)
    assert row is not None and not row.enabled and row.points == 25


async def test_invitelink_is_made_once_reused_and_revoked(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = setup
    await send(core, ANN, "/invitelink")
    made = port.made("create_invite_link")
    assert [(c["chat_id"], c["name"]) for c in made] == [(GROUP, "Ann")]
    link = made[0].answer
    assert link in said(port)
    await send(core, ANN, "/invitelink")
    assert len(port.made("create_invite_link")) == 1
    assert "still valid" in said(port) and link in said(port)
    await send(core, ANN, "/revokelink")
    assert [c["link"] for c in port.made("revoke_invite_link")] == [link]
    assert "revoked" in said(port)
    await send(core, ANN, "/revokelink")
    assert "no invite link" in said(port)


async def test_a_platform_without_member_links_says_so(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = setup
    port.fail("create_invite_link", ChatActionError("unsupported", "no links"))
    await send(core, ANN, "/invitelink")
    assert "QQ has no personal invite links" in said(port)


async def test_a_missing_right_is_explained(setup: tuple[Core, RecordingPort, Clock]) -> None:
    core, port, _ = setup
    port.fail("create_invite_link", ChatActionError("forbidden", "no right"))
    await send(core, ANN, "/invitelink")
    assert "invite users" in said(port)
    async with core.runtime.store.unit() as uow:
        assert await InviteRepository(uow).link_of(GROUP, ANN.id) is None


async def test_link_join_is_paid_once_after_the_stay_and_a_message(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, clock = setup
    await send(core, ADMIN_USER, "/setinvite points=20 stay_days=3 daily_cap=10 require=message")
    await send(core, ANN, "/invitelink")
    link = port.made("create_invite_link")[0].answer
    await flush(core)
    clock.now += timedelta(minutes=5)
    newcomer = User(60, "Neo")
    await joins(core, newcomer, invite_link=link)
    payer = feature(core).payer
    clock.now += timedelta(days=3, minutes=1)
    assert await payer.pay() == 0  # stayed, but never posted
    await send(core, newcomer, "hello everyone")
    await flush(core)
    assert await payer.pay() == 1
    assert await payer.pay() == 0
    assert await balance(core, ANN.id) == 20
    assert (await invite_kinds(core)).count("invite") == 1
    assert "earned 20 points for inviting Neo" in said(port)
    await send(core, ANN, "/invites")
    assert "Neo — paid 20 points" in said(port)
    await send(core, ANN, "/topinviters week")
    assert "1. Ann — 1 invitee (1 paid)" in said(port)
    await send(core, ANN, "/topinviters year")
    assert "week, month or all" in said(port)


async def test_leavers_people_seen_before_self_and_bots_earn_nothing(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, _, clock = setup
    await send(core, ADMIN_USER, "/setinvite points=10 stay_days=1 require=none")
    await send(core, ANN, "hi")  # Ann is a member the group has seen
    await flush(core)
    clock.now += timedelta(minutes=1)
    leaver = User(61, "Lea")
    await joins(core, leaver, added_by=ADMIN)
    await core.dispatcher.handle(MemberLeft(CHAT, leaver, core.runtime.now()))
    await joins(core, ANN, added_by=ADMIN)  # seen before: never counts
    await joins(core, User(62, "Sol"), added_by=62)  # self-invite
    await joins(core, User(63, "Robo", is_bot=True), added_by=ADMIN)
    await joins(core, leaver, added_by=ADMIN)  # back again: still no second chance
    clock.now += timedelta(days=2)
    assert await feature(core).payer.pay() == 0
    assert await balance(core, ADMIN) == 0
    async with core.runtime.store.unit() as uow:
        rows = await InviteRepository(uow).of_inviter(GROUP, ADMIN, 10)
    assert [(r.invitee_id, r.status) for r in rows] == [(61, "left")]


async def test_daily_cap_holds_the_rest_for_a_later_day(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, _, clock = setup
    await send(core, ADMIN_USER, "/setinvite points=5 stay_days=0 daily_cap=2 require=none")
    for user_id in (70, 71, 72):
        await joins(core, User(user_id, f"N{user_id}"), added_by=ANN.id)
    clock.now += timedelta(minutes=1)
    assert await feature(core).payer.pay() == 2
    assert await feature(core).payer.pay() == 0
    clock.now += timedelta(days=1)
    assert await feature(core).payer.pay() == 1
    assert await balance(core, ANN.id) == 15


async def test_a_link_told_after_the_join_credits_its_owner(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    """Telegram's service message first, its member update with the link after."""
    core, port, clock = setup
    await send(core, ADMIN_USER, "/setinvite points=20 stay_days=0 daily_cap=10 require=none")
    await send(core, ANN, "/invitelink")
    link = port.made("create_invite_link")[0].answer
    await flush(core)
    clock.now += timedelta(minutes=5)
    newcomer = User(61, "Nia")
    await joins(core, newcomer, service_message_id=900)
    await core.dispatcher.handle(JoinLink(CHAT, newcomer, link, core.runtime.now()))
    clock.now += timedelta(minutes=1)
    assert await feature(core).payer.pay() == 1
    assert await balance(core, ANN.id) == 20


async def test_the_tenth_paid_invite_earns_the_invites_badge(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, _, clock = setup
    await send(core, ADMIN_USER, "/setinvite points=5 stay_days=0 daily_cap=50 require=none")
    for user_id in range(80, 89):
        await joins(core, User(user_id, f"N{user_id}"), added_by=ANN.id)
    clock.now += timedelta(minutes=1)
    assert await feature(core).payer.pay() == 9
    async with core.runtime.store.unit() as uow:
        assert await BadgeRepository(uow).badges(GROUP, ANN.id) == []
    await joins(core, User(89, "N89"), added_by=ANN.id)
    clock.now += timedelta(minutes=1)
    assert await feature(core).payer.pay() == 1
    async with core.runtime.store.unit() as uow:
        assert await BadgeRepository(uow).badges(GROUP, ANN.id) == [INVITES10]


async def test_a_group_that_never_set_invites_up_records_no_joins(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    """No /setinvite: a join costs no write (and is credited to nobody later)."""
    core, _, _ = setup
    await joins(core, User(90, "Quiet"), added_by=ANN.id)
    async with core.runtime.store.unit() as uow:
        assert await InviteRepository(uow).of_inviter(GROUP, ANN.id, 10) == []


async def test_stats_shows_joins_by_source(setup: tuple[Core, RecordingPort, Clock]) -> None:
    core, port, _ = setup
    await send(core, ADMIN_USER, "/setinvite off")  # joins are recorded once set up
    await send(core, ANN, "/invitelink")
    link = port.made("create_invite_link")[0].answer
    await joins(core, User(80, "Via"), invite_link=link)
    await joins(core, User(81, "Add"), added_by=ANN.id)
    await joins(core, User(82, "Req"), added_by=ADMIN, by_request=True)
    await send(core, ADMIN_USER, "/stats")
    shown = [str(c["caption"]) for c in port.made("send_photo")] + [
        str(text) for _, text in notices(port)
    ]
    assert any(
        "Joins by source: 1 by invite link, 1 added by members, 1 unknown" in text for text in shown
    )


async def test_revoking_needs_the_right_and_forgets_dead_links(
    setup: tuple[Core, RecordingPort, Clock],
) -> None:
    core, port, _ = setup
    await send(core, ANN, "/invitelink")
    port.fail("revoke_invite_link", MissingRight("invite"), times=1)
    await send(core, ANN, "/revokelink")
    assert "could not revoke" in said(port)
    port.fail("revoke_invite_link", ChatActionError("bad_request", "INVITE_HASH_EXPIRED"), times=1)
    await send(core, ANN, "/revokelink")
    assert "revoked" in said(port)
    async with core.runtime.store.unit() as uow:
        assert await InviteRepository(uow).link_of(GROUP, ANN.id) is None
