"""Bans kept while they hold: join requests of banned people (and ad comments) declined
before the captcha; mutes and removals done by hand on the platform.

The pure decisions are tested with plain data; the flows run the real moderation, captcha
and enforcement features through the dispatcher on a recording port and SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_translator
from bot.dispatch import Dispatcher
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.buttons import Press
from core.chat import MissingRight
from core.commands import Commands, CommandTable
from core.context import Context
from core.events import (
    Chat,
    Command,
    Event,
    JoinRequest,
    MemberMuted,
    Message,
    MessageRemoved,
    User,
)
from core.feature import Feature
from core.ids import ONEBOT, TELEGRAM, scoped
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.captcha.feature import Captcha
from handlers.moderation.actions import REPORT_ACTION, Action, Case, enforce
from handlers.moderation.arguments import Who, parse_who
from handlers.moderation.bans import Refusal, comment_verdict, is_banned, judge_request
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.enforcement import Enforcement
from handlers.moderation.guard import Moderation
from handlers.moderation.lifting import RestrictionLifter
from handlers.moderation.notices import mute_entry
from handlers.moderation.reports import on_press
from handlers.moderation.rules import DRYRUN, OFF, ON, CheckRule, GroupRules, default_checks
from storage.captcha import CaptchaRepository
from storage.moderation import REMOVED, ModerationRepository, Restriction
from storage.moderation_rules import ModerationRulesRepository
from storage.unit import Store

GROUP = -1001
ADMIN = 77
MEMBER = User(501, "Mallory")
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CHAT = Chat(GROUP, "Group")
AD = "加V abc_123"


# ---------------------------------------------------------------- the pure decisions


def ban(until: datetime | None) -> Restriction:
    return Restriction(GROUP, MEMBER.id, "ban", until)


@pytest.mark.parametrize(
    ("stored", "banned"),
    [
        (None, False),
        (ban(None), True),
        (ban(T0 + timedelta(hours=1)), True),
        (ban(T0), False),
        (ban(T0 - timedelta(minutes=1)), False),
    ],
)
def test_is_banned(stored: Restriction | None, banned: bool) -> None:
    assert is_banned(stored, T0) is banned


def rules(mode: str = ON, **switches: bool) -> CompiledRules:
    checks = default_checks()
    for name, enabled in switches.items():
        checks[name] = CheckRule(enabled, checks[name].actions)
    return CompiledRules(GroupRules(mode, checks, domains=frozenset({"ok.org"})))


@pytest.mark.parametrize(
    ("compiled", "comment", "reason"),
    [
        (rules(), AD, "contact"),
        (rules(), "速来 138 0013 8000", "contact"),
        (rules(), "我是来学习的", None),
        (rules(), "", None),
        (rules(contact=False), AD, None),
        (rules(OFF), AD, None),
        (rules(DRYRUN), AD, "contact"),
        (rules(), "see spam.example.com", None),
        (rules(link=True), "see spam.example.com", "link"),
        (rules(link=True), "https://t.me/+abcdef", "link"),
        (rules(link=True), "from ok.org", None),
        # A comment names no member the bot could know: an @name alone is no link.
        (rules(link=True), "@alice_friend 介绍我来的", None),
    ],
)
def test_comment_verdict(compiled: CompiledRules, comment: str, reason: str | None) -> None:
    verdict = comment_verdict(compiled, comment)
    assert (verdict.reason if verdict else None) == reason


@pytest.mark.parametrize(
    ("stored", "comment", "compiled", "refusal"),
    [
        (ban(None), "", None, Refusal("banned")),
        (ban(None), AD, rules(), Refusal("banned")),
        (ban(T0 + timedelta(days=1)), "hello", rules(), Refusal("banned")),
        (ban(T0 - timedelta(days=1)), "hello", rules(), None),
        (None, AD, rules(), Refusal("contact", "加v")),
        (None, AD, rules(DRYRUN), Refusal("contact", "加v", dry_run=True)),
        # Not checked (the allow list, or nothing to check).
        (None, AD, None, None),
        (None, "hello", rules(), None),
    ],
)
def test_judge_request(
    stored: Restriction | None, comment: str, compiled: CompiledRules | None, refusal: Any
) -> None:
    assert judge_request(stored, T0, comment, compiled) == refusal


@pytest.mark.parametrize(
    ("by", "until", "logged"),
    [
        (ADMIN, T0 + timedelta(minutes=10), ("mute", 600)),
        (ADMIN, T0 - timedelta(minutes=10), ("mute", 1)),
        (ADMIN, None, ("unmute", None)),
        (None, None, None),
        (None, T0 + timedelta(minutes=10), None),
    ],
)
def test_mute_entry(by: int | None, until: datetime | None, logged: Any) -> None:
    entry = mute_entry(MemberMuted(CHAT, MEMBER, by, until), T0)
    if logged is None:
        assert entry is None
        return
    assert entry is not None
    assert (entry.action, entry.seconds) == logged
    assert (entry.actor_id, entry.target_id, entry.reason) == (ADMIN, MEMBER.id, "manual")


@pytest.mark.parametrize(
    ("word", "platform", "who"),
    [
        ("12345", TELEGRAM, Who(user_id=12345)),
        # A QQ number typed in a QQ group is that group's member, not a Telegram id.
        ("223344", ONEBOT, Who(user_id=scoped(ONEBOT, 223344))),
        ("0", ONEBOT, None),
        ("@alice_x", ONEBOT, Who(username="alice_x")),
        ("abc", TELEGRAM, None),
    ],
)
def test_a_typed_id_belongs_to_the_groups_platform(word: str, platform: str, who: Any) -> None:
    assert parse_who(word, platform) == who


# ---------------------------------------------------------------- the flows


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Seen(Feature):
    """Last in line: which events got past every feature before it."""

    name = "seen"

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def on_event(self, event: Event, ctx: Context) -> bool:
        self.events.append(event)
        return False


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort(admins={ADMIN})


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest_asyncio.fixture
async def runtime(sqlite_store: Store, port: RecordingPort, clock: Clock) -> AsyncIterator[Runtime]:
    """A runtime on SQLite in English whose time is ``clock``."""
    port_any: Any = port
    runtime = Runtime(
        settings=load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"}),
        store=sqlite_store,
        port=port_any,
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(clock),
        bot_id=999,
    )
    runtime.clock = clock
    runtime.scheduler.start()
    yield runtime
    runtime.scheduler.shutdown()


@pytest_asyncio.fixture
async def seen() -> Seen:
    return Seen()


@pytest_asyncio.fixture
async def dispatcher(runtime: Runtime, seen: Seen) -> Dispatcher:
    """Moderation, the captcha (on in the group) and enforcement, as the app orders them."""
    moderation, enforcement = Moderation(), Enforcement()
    table = CommandTable()
    table.add([enforcement])
    features = [moderation, Captcha(), Commands(table), enforcement, seen]
    dispatcher = Dispatcher(runtime, features)
    await dispatcher.start()
    async with runtime.store.unit() as uow:
        await CaptchaRepository(uow).change(GROUP, CHAT.title, enabled=True)
    return dispatcher


def request(comment: str = "") -> JoinRequest:
    return JoinRequest(CHAT, MEMBER, T0, reference="flag-1", comment=comment)


def asked_privately(port: RecordingPort) -> bool:
    """Whether the captcha sent the requester its question."""
    return MEMBER.id in port.made("send", "chat_id")


async def ban_member(runtime: Runtime, seconds: int | None = None) -> None:
    async with runtime.store.unit() as uow:
        case = Case(GROUP, MEMBER, "manual", actor_id=ADMIN)
        assert await enforce(runtime, uow, case, [Action("ban", seconds)]) == ["ban"]


async def stored_ban(runtime: Runtime) -> Restriction | None:
    async with runtime.store.unit() as uow:
        return await ModerationRepository(uow).restriction(GROUP, MEMBER.id, "ban")


async def log_lines(runtime: Runtime) -> list[tuple[Any, ...]]:
    async with runtime.store.unit() as uow:
        rows = await ModerationRepository(uow).recent_log(GROUP, 50)
    return [(r.action, r.reason, r.actor_id, r.detail, r.dry_run) for r in reversed(rows)]


def command(text: str) -> Command:
    name, _, rest = text.partition(" ")
    message = Message(CHAT, User(ADMIN, "Admin"), 9, text, T0)
    return Command(message, name.lstrip("/"), tuple(rest.split()), rest)


async def test_a_banned_persons_request_is_declined_until_unban(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher, seen: Seen
) -> None:
    """Ban -> stored without end -> the request declined, never seen by the captcha;
    /unban -> forgotten -> the next request goes to the captcha as anyone's."""
    await ban_member(runtime)
    assert await stored_ban(runtime) == ban(None)
    await dispatcher.handle(request())
    assert port.made("decline_join", "chat_id", "user_id", "reference") == [
        (GROUP, MEMBER.id, "flag-1")
    ]
    assert not asked_privately(port) and seen.events == []
    assert ("decline", "banned", None, "", False) in await log_lines(runtime)

    await dispatcher.handle(command(f"/unban {MEMBER.id}"))
    assert port.made("unban", "user_id") == [MEMBER.id]
    assert await stored_ban(runtime) is None
    await dispatcher.handle(request())
    assert len(port.made("decline_join", "user_id")) == 1
    assert asked_privately(port)
    assert seen.events == [request()]


async def test_a_timed_ban_holds_until_it_is_lifted(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher, clock: Clock
) -> None:
    await ban_member(runtime, 3_600)
    assert await stored_ban(runtime) == ban(T0 + timedelta(hours=1))
    await dispatcher.handle(request())
    assert len(port.made("decline_join", "user_id")) == 1

    clock.now = T0 + timedelta(hours=1, seconds=1)
    lifter = RestrictionLifter(runtime)
    await lifter.lead()
    await lifter.unlead()
    assert port.made("unban", "user_id") == [MEMBER.id]
    assert await stored_ban(runtime) is None
    await dispatcher.handle(request())
    assert len(port.made("decline_join", "user_id")) == 1
    assert asked_privately(port)


async def test_a_permanent_ban_is_never_lifted_by_the_timer(
    runtime: Runtime, port: RecordingPort, clock: Clock
) -> None:
    await ban_member(runtime)
    clock.now = T0 + timedelta(days=400)
    lifter = RestrictionLifter(runtime)
    await lifter.lead()
    assert not await lifter.lift(ban(None))
    await lifter.unlead()
    assert port.made("unban", "user_id") == []
    assert await stored_ban(runtime) == ban(None)


async def test_a_ban_made_permanent_replaces_the_timed_one(runtime: Runtime) -> None:
    await ban_member(runtime, 3_600)
    await ban_member(runtime)
    assert await stored_ban(runtime) == ban(None)
    async with runtime.store.unit() as uow:
        assert await ModerationRepository(uow).restrictions() == []


async def test_a_declined_request_that_the_platform_refused_still_stops(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher, seen: Seen
) -> None:
    """Without the right to answer requests the admins are told; the captcha still never
    lets a banned person in."""
    await ban_member(runtime)
    port.fail("decline_join", MissingRight("invite"))
    await dispatcher.handle(request())
    assert seen.events == [] and not asked_privately(port)
    assert ("decline", "banned", None, "failed", False) in await log_lines(runtime)


async def test_an_ad_for_a_comment_is_declined(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher, seen: Seen
) -> None:
    await dispatcher.handle(request(AD))
    assert port.made("decline_join", "reference") == ["flag-1"]
    assert seen.events == [] and not asked_privately(port)
    assert ("decline", "contact", None, "加v", False) in await log_lines(runtime)
    async with runtime.store.unit() as uow:
        (row,) = await ModerationRepository(uow).recent_log(GROUP, 1)
    assert row.message_text == AD


async def test_in_dry_run_an_ad_comment_is_only_logged(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher, seen: Seen
) -> None:
    async with runtime.store.unit() as uow:
        await ModerationRulesRepository(uow).save(GROUP, DRYRUN, {}, {})
    await dispatcher.handle(request(AD))
    assert port.made("decline_join", "reference") == []
    assert asked_privately(port) and len(seen.events) == 1
    assert ("decline", "contact", None, "加v", True) in await log_lines(runtime)


async def test_the_allow_list_is_exempt_from_comment_checks(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher
) -> None:
    async with runtime.store.unit() as uow:
        await ModerationRepository(uow).approve(GROUP, MEMBER.id, MEMBER.name, ADMIN)
    await dispatcher.handle(request(AD))
    assert port.made("decline_join", "reference") == []
    assert asked_privately(port)


async def mute_stored(runtime: Runtime) -> bool:
    async with runtime.store.unit() as uow:
        return await ModerationRepository(uow).restriction(GROUP, MEMBER.id, "mute") is not None


async def test_a_mute_lifted_by_hand_is_forgotten_and_logged(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    async with runtime.store.unit() as uow:
        await enforce(runtime, uow, Case(GROUP, MEMBER, "flood"), [Action("mute", 600)])
    assert await mute_stored(runtime)
    await dispatcher.handle(MemberMuted(CHAT, MEMBER, ADMIN, None))
    assert not await mute_stored(runtime)
    assert (await log_lines(runtime))[-1] == ("unmute", "manual", ADMIN, "", False)


async def test_a_mute_by_hand_replaces_the_stored_one(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    """The platform lifts an admin's own mute itself: the bot's earlier end must not act."""
    async with runtime.store.unit() as uow:
        await enforce(runtime, uow, Case(GROUP, MEMBER, "flood"), [Action("mute", 600)])
    await dispatcher.handle(MemberMuted(CHAT, MEMBER, ADMIN, T0 + timedelta(days=1)))
    assert not await mute_stored(runtime)
    async with runtime.store.unit() as uow:
        (row,) = await ModerationRepository(uow).recent_log(GROUP, 1)
    assert (row.action, row.actor_id, row.seconds) == ("mute", ADMIN, 86_400)


async def test_a_mute_lifted_by_nobody_named_is_forgotten_but_not_logged(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    async with runtime.store.unit() as uow:
        await enforce(runtime, uow, Case(GROUP, MEMBER, "flood"), [Action("mute", 600)])
    before = await log_lines(runtime)
    await dispatcher.handle(MemberMuted(CHAT, MEMBER, None, None))
    assert not await mute_stored(runtime)
    assert await log_lines(runtime) == before


async def test_a_removed_message_closes_its_report(
    runtime: Runtime, port: RecordingPort, dispatcher: Dispatcher
) -> None:
    async with runtime.store.unit() as uow:
        case = Case(GROUP, MEMBER, "report", message_id=42, message_text=AD, actor_id=5)
        await enforce(runtime, uow, case, [Action("report")])
        other = Case(GROUP, MEMBER, "report", message_id=43, message_text="x", actor_id=5)
        await enforce(runtime, uow, other, [Action("report")])
    await dispatcher.handle(MessageRemoved(CHAT, 42, MEMBER, ADMIN))
    async with runtime.store.unit() as uow:
        repo = ModerationRepository(uow)
        first, second = await repo.report(1), await repo.report(2)
    assert first is not None and (first.handled_by, first.handled_action) == (ADMIN, REMOVED)
    assert second is not None and second.handled_by is None

    press = Press(REPORT_ACTION, ("1", "b"), User(ADMIN, "Admin"), CHAT, 50)
    async with runtime.store.unit() as uow:
        ack = await on_press(press, Context(press_event(), runtime, uow))
    assert ack.alert and "removed already" in str(ack.text)
    assert port.made("ban", "user_id") == []


def press_event() -> Message:
    """Any event of the group for the press's context."""
    return Message(CHAT, User(ADMIN, "Admin"), 50, "", T0)


async def test_a_message_recalled_by_its_sender_closes_its_report(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    async with runtime.store.unit() as uow:
        case = Case(GROUP, MEMBER, "report", message_id=42, actor_id=5)
        await enforce(runtime, uow, case, [Action("report")])
    await dispatcher.handle(MessageRemoved(CHAT, 42, MEMBER, None))
    async with runtime.store.unit() as uow:
        row = await ModerationRepository(uow).report(1)
    assert row is not None and (row.handled_by, row.handled_action) == (MEMBER.id, REMOVED)
