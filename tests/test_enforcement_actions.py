"""``enforce`` and the lifting of timed restrictions, on a recording port and a hand-moved clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_translator
from bot.bench_enforcement import Sizes, run_enforcement_bench
from bot.settings import load_settings
from core.chat import ChatActionError, MissingRight
from core.events import User
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.moderation.actions import CHANNEL_BOT_ID, Action, Case, enforce
from handlers.moderation.lifting import RestrictionLifter, timer_id
from handlers.moderation.reports import parse_press
from storage.moderation import ModerationRepository
from storage.unit import Store

GROUP = -1001
LOG_CHAT = -2002
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


class ModPort:
    """Records moderation calls; can be told to refuse one kind of call."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.sent: list[tuple[int, str, Any]] = []
        self.refuse: dict[str, ChatActionError] = {}

    def _do(self, *call: Any) -> None:
        if call[0] in self.refuse:
            raise self.refuse[call[0]]
        self.calls.append(call)

    async def send(self, chat_id: int, text: str, **options: Any) -> int:
        self.sent.append((chat_id, text, options.get("buttons")))
        return len(self.sent)

    async def delete(self, chat_id: int, message_id: int) -> bool:
        self._do("delete", message_id)
        return True

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        self._do("mute", user_id, until)

    async def unmute(self, chat_id: int, user_id: int) -> None:
        self._do("unmute", user_id)

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        self._do("ban", user_id, until)

    async def unban(self, chat_id: int, user_id: int) -> None:
        self._do("unban", user_id)

    async def kick(self, chat_id: int, user_id: int) -> None:
        self._do("kick", user_id)

    async def admins(self, chat_id: int) -> frozenset[int]:
        return frozenset({ADMIN})


@pytest.fixture
def port() -> ModPort:
    return ModPort()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest_asyncio.fixture
async def runtime(sqlite_store: Store, port: ModPort, clock: Clock) -> AsyncIterator[Runtime]:
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
    runtime: Runtime, port: ModPort
) -> None:
    taken = await run(runtime, [Action("delete"), Action("mute", 600)])
    assert taken == ["delete", "mute"]
    assert port.calls == [("delete", 42), ("mute", 501, T0 + timedelta(seconds=600))]
    async with runtime.store.unit() as uow:
        stored = await ModerationRepository(uow).restriction(GROUP, 501, "mute")
    assert stored is not None and stored.until == T0 + timedelta(seconds=600)
    assert await log_actions(runtime) == [("delete", "link", False), ("mute", "link", False)]
    notice = port.sent[-1][1]
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
    port: ModPort,
    ladder: str,
    warnings: int,
    restrictions: list[tuple[Any, ...]],
) -> None:
    await set_ladder(runtime, ladder)
    for _ in range(warnings):
        assert "warn" in await run(runtime, [Action("warn")])
    assert port.calls == restrictions


async def test_expired_warnings_do_not_count(runtime: Runtime, port: ModPort, clock: Clock) -> None:
    """With a one-day expiry, a warning a day and a half later is the first again."""
    await set_ladder(runtime, "2:mute:1h", expiry=86_400)
    await run(runtime, [Action("warn")])
    clock.now = T0 + timedelta(hours=36)
    await run(runtime, [Action("warn")])
    assert port.calls == []
    clock.now = T0 + timedelta(hours=40)
    await run(runtime, [Action("warn")])
    assert port.calls == [("mute", 501, clock.now + timedelta(hours=1))]
    reasons = [reason for action, reason, _ in await log_actions(runtime)]
    assert reasons[-1] == "ladder"


async def test_dry_run_only_logs(runtime: Runtime, port: ModPort) -> None:
    await set_ladder(runtime, "1:ban")
    taken = await run(runtime, [Action("delete"), Action("warn")], dry_run=True)
    assert taken == [] and port.calls == [] and port.sent == []
    assert await log_actions(runtime) == [
        ("delete", "link", True),
        ("warn", "link", True),
        ("ban", "ladder", True),
    ]
    async with runtime.store.unit() as uow:
        assert await ModerationRepository(uow).warnings(GROUP, 501, T0 - timedelta(days=1)) == []


@pytest.mark.parametrize("user_id", [ADMIN, OWNER, 999, 1087968824])
async def test_admins_owners_and_the_bot_are_never_touched(
    runtime: Runtime, port: ModPort, user_id: int
) -> None:
    async with runtime.store.unit() as uow:
        target = Case(GROUP, User(user_id, "x"), "flood", message_id=1)
        assert await enforce(runtime, uow, target, [Action("delete"), Action("ban")]) == []
    assert port.calls == [] and await log_actions(runtime) == []


async def test_a_missing_right_is_told_once_and_does_not_raise(
    runtime: Runtime, port: ModPort
) -> None:
    port.refuse["mute"] = MissingRight("restrict")
    port.refuse["kick"] = ChatActionError("failed", "user not found")
    for _ in range(2):
        assert await run(runtime, [Action("delete"), Action("mute", 60)]) == ["delete"]
    assert await run(runtime, [Action("kick")]) == []
    told = [text for _, text, _ in port.sent if "Ban users" in text]
    assert len(told) == 1


async def test_a_post_made_as_a_channel_can_only_be_deleted(
    runtime: Runtime, port: ModPort
) -> None:
    async with runtime.store.unit() as uow:
        target = Case(GROUP, User(CHANNEL_BOT_ID, "Channel"), "spam", message_id=9)
        taken = await enforce(runtime, uow, target, [Action("delete"), Action("warn")])
    assert taken == ["delete"] and port.calls == [("delete", 9)]


async def test_unknown_action_is_a_programming_error(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="shout"):
        await run(runtime, [Action("shout")])


async def test_report_goes_to_the_log_chat_with_short_buttons(
    runtime: Runtime, port: ModPort
) -> None:
    async with runtime.store.unit() as uow:
        (await ModerationRepository(uow).edit_settings(GROUP)).log_chat_id = LOG_CHAT
    assert await run(runtime, [Action("report")]) == ["report"]
    chat_id, text, buttons = port.sent[0]
    assert chat_id == LOG_CHAT and "buy at example.com" in text and "Spammer" in text
    data = [button.data for button in buttons[0]]
    assert all(len(d.encode()) < 64 for d in data)
    assert [parse_press(d)[1] for d in data] == ["delete", "warn", "ban"]  # type: ignore[index]
    assert parse_press("mr:x:d") is None and parse_press("mr:1:z") is None
    assert parse_press("other") is None


async def test_actions_are_mirrored_to_the_log_chat(runtime: Runtime, port: ModPort) -> None:
    async with runtime.store.unit() as uow:
        (await ModerationRepository(uow).edit_settings(GROUP)).log_chat_id = LOG_CHAT
    await run(runtime, [Action("delete"), Action("ban", 86_400)])
    mirrored = [text for chat_id, text, _ in port.sent if chat_id == LOG_CHAT]
    assert len(mirrored) == 1
    assert "deleted the message of" in mirrored[0] and "banned 1d" in mirrored[0]
    assert "links (example.com)" in mirrored[0]


async def test_overdue_restrictions_are_lifted_when_leading(
    runtime: Runtime, port: ModPort, clock: Clock
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
    assert sorted(port.calls) == [("unban", 502), ("unmute", 501)]
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
    assert port.calls[-1] == ("unmute", 503)
    await lifter.unlead()
    assert runtime.scheduler.due(timer_id(GROUP, 503, "mute")) is None


async def test_a_restriction_that_cannot_be_lifted_is_dropped(
    runtime: Runtime, port: ModPort
) -> None:
    """Telegram ends it by itself at its end date; the bot tells the admins and moves on."""
    port.refuse["unmute"] = MissingRight("restrict")
    async with runtime.store.unit() as uow:
        await ModerationRepository(uow).restrict_until(GROUP, 501, "mute", T0)
    await RestrictionLifter(runtime).lead()
    async with runtime.store.unit() as uow:
        assert await ModerationRepository(uow).restrictions() == []
    assert any("Ban users" in text for _, text, _ in port.sent)


async def test_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark runs at a small size, checks its own results and prints one JSON line."""
    sizes = Sizes(groups=3, approved=2, lookups=40, members=3, rounds=7, restrictions=10)
    result = await run_enforcement_bench(load_settings(None, {}), sizes)
    assert result["startup_lifted"] == 5
    assert set(result) >= {"allowlist_lookups_per_s", "enforce_cases_per_s", "enforce_p99_ms"}
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["bench"] == "enforcement"
