"""``enforce`` and the lifting of timed restrictions, on a recording port and a hand-moved clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bench.enforcement import Sizes, run_enforcement_bench
from bot.app import build_translator
from bot.platforms.recording import RecordingPort
from bot.platforms.telegram.events import CHANNEL_BOT_ID
from bot.settings import load_settings
from core.buttons import decode
from core.chat import ChatActionError, MissingRight
from core.events import User
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.moderation.actions import Action, Case, enforce
from handlers.moderation.lifting import RestrictionLifter, timer_id
from handlers.moderation.reports import parse_press
from storage.moderation import ModerationRepository
from storage.unit import Store

GROUP = -1001
LOG_CHAT = -2002
CHANNEL = -1003  # a channel posting into the group
ADMIN = 77
OWNER = 4242
SPAMMER = User(501, "Spammer")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# The moderation calls noted, and the arguments noted with each.
NOTED = {
    "delete": ("message_id",),
    "mute": ("user_id", "until"),
    "unmute": ("user_id",),
    "ban": ("user_id", "until"),
    "unban": ("user_id",),
    "kick": ("user_id",),
}


def actions(port: RecordingPort) -> list[tuple[Any, ...]]:
    """The moderation calls that succeeded, as (method, message or user[, until])."""
    return [
        (c.method, *(c[name] for name in NOTED[c.method]))
        for c in port.calls
        if c.method in NOTED and c.error is None
    ]


def sent(port: RecordingPort) -> list[tuple[int, str, Any]]:
    """The messages sent, as (chat, text, buttons)."""
    return port.made("send", "chat_id", "text", "buttons")


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
        settings=load_settings(
            None, {"BOT_BOT__OWNER_IDS": str(OWNER), "BOT_BOT__DEFAULT_LANGUAGE": "en"}
        ),
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


def case(message_id: int | None = 42, reason: str = "link", actor: int | None = None) -> Case:
    return Case(GROUP, SPAMMER, reason, "example.com", message_id, "buy at example.com", actor)


async def run(runtime: Runtime, actions: list[Action], **options: Any) -> list[str]:
    """``enforce`` in its own committed unit of work."""
    async with runtime.store.unit() as uow:
        return await enforce(runtime, uow, case(), actions, **options)


async def set_ladder(runtime: Runtime, ladder: str, expiry: int | None = None) -> None:
    async with runtime.store.unit() as uow:
        row = await ModerationRepository(uow).edit_settings(GROUP)
        row.warn_ladder, row.warn_expiry = ladder, expiry


async def log_actions(runtime: Runtime) -> list[tuple[str, str, bool]]:
    async with runtime.store.unit() as uow:
        rows = await ModerationRepository(uow).recent_log(GROUP, 50)
    return [(r.action, r.reason, r.dry_run) for r in reversed(rows)]


async def test_delete_and_mute_are_carried_out_stored_and_logged(
    runtime: Runtime, port: RecordingPort
) -> None:
    taken = await run(runtime, [Action("delete"), Action("mute", 600)])
    assert taken == ["delete", "mute"]
    assert actions(port) == [("delete", 42), ("mute", 501, T0 + timedelta(seconds=600))]
    async with runtime.store.unit() as uow:
        stored = await ModerationRepository(uow).restriction(GROUP, 501, "mute")
    assert stored is not None and stored.until == T0 + timedelta(seconds=600)
    assert await log_actions(runtime) == [("delete", "link", False), ("mute", "link", False)]
    notice = sent(port)[-1][1]
    assert "muted for 10m" in notice and "links" in notice


@pytest.mark.parametrize(
    ("ladder", "warnings", "restrictions"),
    [
        ("2:mute:1h 3:ban", 1, []),
        ("2:mute:1h 3:ban", 2, [("mute", 501, T0 + timedelta(hours=1))]),
        ("2:mute:1h 3:ban", 3, [("mute", 501, T0 + timedelta(hours=1)), ("ban", 501, None)]),
        ("2:kick", 3, [("kick", 501), ("kick", 501)]),
        ("", 5, []),
    ],
)
async def test_warnings_climb_the_ladder(
    runtime: Runtime,
    port: RecordingPort,
    ladder: str,
    warnings: int,
    restrictions: list[tuple[Any, ...]],
) -> None:
    await set_ladder(runtime, ladder)
    for _ in range(warnings):
        assert "warn" in await run(runtime, [Action("warn")])
    assert actions(port) == restrictions


async def test_expired_warnings_do_not_count(
    runtime: Runtime, port: RecordingPort, clock: Clock
) -> None:
    """With a one-day expiry, a warning a day and a half later is the first again."""
    await set_ladder(runtime, "2:mute:1h", expiry=86_400)
    await run(runtime, [Action("warn")])
    clock.now = T0 + timedelta(hours=36)
    await run(runtime, [Action("warn")])
    assert actions(port) == []
    clock.now = T0 + timedelta(hours=40)
    await run(runtime, [Action("warn")])
    assert actions(port) == [("mute", 501, clock.now + timedelta(hours=1))]
    reasons = [reason for action, reason, _ in await log_actions(runtime)]
    assert reasons[-1] == "ladder"


async def test_dry_run_only_logs(runtime: Runtime, port: RecordingPort) -> None:
    await set_ladder(runtime, "1:ban")
    taken = await run(runtime, [Action("delete"), Action("warn")], dry_run=True)
    assert taken == [] and actions(port) == [] and sent(port) == []
    assert await log_actions(runtime) == [
        ("delete", "link", True),
        ("warn", "link", True),
        ("ban", "ladder", True),
    ]
    async with runtime.store.unit() as uow:
        assert await ModerationRepository(uow).warnings(GROUP, 501, T0 - timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("user_id", "sender_chat_id"),
    [(ADMIN, None), (OWNER, None), (999, None), (1087968824, GROUP)],
    ids=["admin", "owner", "the-bot", "anonymous-admin-as-the-group"],
)
async def test_admins_owners_and_the_bot_are_never_touched(
    runtime: Runtime, port: RecordingPort, user_id: int, sender_chat_id: int | None
) -> None:
    async with runtime.store.unit() as uow:
        target = Case(
            GROUP, User(user_id, "x"), "flood", message_id=1, sender_chat_id=sender_chat_id
        )
        assert await enforce(runtime, uow, target, [Action("delete"), Action("ban")]) == []
    assert actions(port) == [] and await log_actions(runtime) == []


async def test_a_missing_right_is_told_once_and_does_not_raise(
    runtime: Runtime, port: RecordingPort
) -> None:
    port.fail("mute", MissingRight("restrict"))
    port.fail("kick", ChatActionError("failed", "user not found"))
    for _ in range(2):
        assert await run(runtime, [Action("delete"), Action("mute", 60)]) == ["delete"]
    assert await run(runtime, [Action("kick")]) == []
    told = [text for _, text, _ in sent(port) if "Ban users" in text]
    assert len(told) == 1


async def test_a_post_made_as_a_channel_can_only_be_deleted(
    runtime: Runtime, port: RecordingPort
) -> None:
    async with runtime.store.unit() as uow:
        target = Case(
            GROUP, User(CHANNEL_BOT_ID, "Channel"), "spam", message_id=9, sender_chat_id=CHANNEL
        )
        taken = await enforce(runtime, uow, target, [Action("delete"), Action("warn")])
    assert taken == ["delete"] and actions(port) == [("delete", 9)]


async def test_unknown_action_is_a_programming_error(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="shout"):
        await run(runtime, [Action("shout")])


async def test_report_goes_to_the_log_chat_with_short_buttons(
    runtime: Runtime, port: RecordingPort
) -> None:
    async with runtime.store.unit() as uow:
        (await ModerationRepository(uow).edit_settings(GROUP)).log_chat_id = LOG_CHAT
    assert await run(runtime, [Action("report")]) == ["report"]
    chat_id, text, buttons = sent(port)[0]
    assert chat_id == LOG_CHAT and "buy at example.com" in text and "Spammer" in text
    data = [button.data for button in buttons[0]]
    assert all(len(d.encode()) < 64 for d in data)
    read = [decode(d) for d in data]
    assert [parse_press(r[1])[1] for r in read if r] == ["delete", "warn", "ban"]  # type: ignore[index]
    assert parse_press(("x", "d")) is None and parse_press(("1", "z")) is None
    assert parse_press(("other",)) is None


async def test_actions_are_mirrored_to_the_log_chat(runtime: Runtime, port: RecordingPort) -> None:
    async with runtime.store.unit() as uow:
        (await ModerationRepository(uow).edit_settings(GROUP)).log_chat_id = LOG_CHAT
    await run(runtime, [Action("delete"), Action("ban", 86_400)])
    mirrored = [text for chat_id, text, _ in sent(port) if chat_id == LOG_CHAT]
    assert len(mirrored) == 1
    assert "deleted the message of" in mirrored[0] and "banned 1d" in mirrored[0]
    assert "links (example.com)" in mirrored[0]


async def test_overdue_restrictions_are_lifted_when_leading(
    runtime: Runtime, port: RecordingPort, clock: Clock
) -> None:
    """Lifted at start-up if overdue; armed if ending soon; left alone if far off."""
    async with runtime.store.unit() as uow:
        repo = ModerationRepository(uow)
        await repo.restrict_until(GROUP, 501, "mute", T0 - timedelta(minutes=5))
        await repo.restrict_until(GROUP, 502, "ban", T0 - timedelta(minutes=1))
        await repo.restrict_until(GROUP, 503, "mute", T0 + timedelta(seconds=20))
        await repo.restrict_until(GROUP, 504, "mute", T0 + timedelta(days=2))
    lifter = RestrictionLifter(runtime)
    await lifter.lead()
    assert sorted(actions(port)) == [("unban", 502), ("unmute", 501)]
    assert runtime.scheduler.due(timer_id(GROUP, 503, "mute")) == T0 + timedelta(seconds=20)
    assert runtime.scheduler.due(timer_id(GROUP, 504, "mute")) is None
    async with runtime.store.unit() as uow:
        left = await ModerationRepository(uow).restrictions()
    assert [r.user_id for r in left] == [503, 504]
    assert ("unmute", "expired", False) in await log_actions(runtime)
    # A timer that fires before its (since lengthened) end does nothing.
    early = left[0]
    assert not await lifter.lift(early)
    clock.now = T0 + timedelta(seconds=21)
    assert await lifter.lift(early)
    assert actions(port)[-1] == ("unmute", 503)
    await lifter.unlead()
    assert runtime.scheduler.due(timer_id(GROUP, 503, "mute")) is None


async def test_a_restriction_that_cannot_be_lifted_is_dropped(
    runtime: Runtime, port: RecordingPort
) -> None:
    """Telegram ends it by itself at its end date; the bot tells the admins and moves on."""
    port.fail("unmute", MissingRight("restrict"))
    async with runtime.store.unit() as uow:
        await ModerationRepository(uow).restrict_until(GROUP, 501, "mute", T0)
    await RestrictionLifter(runtime).lead()
    async with runtime.store.unit() as uow:
        assert await ModerationRepository(uow).restrictions() == []
    assert any("Ban users" in text for _, text, _ in sent(port))


async def test_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark runs at a small size, checks its own results and prints one JSON line."""
    sizes = Sizes(groups=3, approved=2, lookups=40, members=3, rounds=7, restrictions=10)
    result = await run_enforcement_bench(load_settings(None, {}), sizes)
    assert result["startup_lifted"] == 5
    assert set(result) >= {"allowlist_lookups_per_s", "enforce_cases_per_s", "enforce_p99_ms"}
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["bench"] == "enforcement"
