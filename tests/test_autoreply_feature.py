"""The auto-reply feature inside the real dispatcher, on a recording port and real storage."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.context import Context
from core.events import Chat, Event, Message, User, parse_command
from core.feature import Feature
from handlers.autoreply.cooldown import Cooldowns
from handlers.autoreply.feature import AutoReplies
from storage.replies import ReplyRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, notices, posting_port

CHAT = Chat(GROUP, "FAQ Group")
ADMIN_USER = User(ADMIN, "Ada")
MEMBER = User(5, "Bo")
_ids = itertools.count(1)


def message(user: User, text: str, **extra: object) -> Message:
    return Message(CHAT, user, next(_ids), text, datetime.now(UTC), **extra)  # type: ignore[arg-type]


async def send(core: Core, user: User, text: str) -> None:
    """Dispatch a message (or command) as the platform would."""
    msg = message(user, text)
    await core.dispatcher.handle(parse_command(msg, "bot") or msg)


def feature(core: Core) -> AutoReplies:
    return next(f for f in core.dispatcher.features if isinstance(f, AutoReplies))


def make_core(store: Store, port: RecordingPort, **env: str) -> Core:
    settings = load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en", **env})
    port_any: object = port
    # No outbound queue: replies reach the fake port before ``dispatcher.handle`` returns.
    return build_core(settings, store, port_any, bot_id=1, bot_username="bot", queued=False)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'ar.db'}")
    await store.migrate()
    yield store
    await store.close()


@pytest_asyncio.fixture
async def core(sqlite: Store) -> AsyncIterator[tuple[Core, RecordingPort]]:
    port = posting_port()
    built = make_core(sqlite, port)
    await built.start()
    yield built, port
    await built.stop()


def said(port: RecordingPort) -> list[str]:
    return [text for _, text in notices(port)]


async def test_rule_answers_members_and_cooldown_holds(core: tuple[Core, RecordingPort]) -> None:
    """A rule answers with the member's name; within the cooldown it stays quiet."""
    built, port = core
    now = [0.0]
    feature(built).cooldowns = Cooldowns(lambda: now[0])
    await send(built, ADMIN_USER, "/addreply price Hi {name}, see the pinned post")
    assert "added" in said(port)[-1]
    await send(built, MEMBER, "What's the PRICE?")
    assert said(port)[-1] == "Hi Bo, see the pinned post"
    count = len(notices(port))
    await send(built, MEMBER, "price??")
    assert len(notices(port)) == count
    now[0] = 30.0
    await send(built, MEMBER, "price??")
    assert len(notices(port)) == count + 1


async def test_a_stopped_message_is_never_answered(core: tuple[Core, RecordingPort]) -> None:
    """A feature before auto-replies (moderation) that stops a message stops the answer too."""

    class Moderation(Feature):
        name = "moderation"

        async def on_event(self, event: Event, ctx: Context) -> bool:
            return isinstance(event, Message) and "spam" in event.text

    built, port = core
    await send(built, ADMIN_USER, "/addreply price 10 yuan")
    dispatcher = built.dispatcher
    dispatcher.features = (dispatcher.features[0], Moderation(), *dispatcher.features[1:])
    count = len(notices(port))
    await send(built, MEMBER, "spam price spam")
    assert len(notices(port)) == count
    await send(built, MEMBER, "price")
    assert said(port)[-1] == "10 yuan"


def test_auto_replies_come_after_commands() -> None:
    """Commands are handled before auto-replies, and nothing follows auto-replies."""
    from bot.app import build_features

    features, _ = build_features()
    names = [f.name for f in features]
    assert names[-1] == "autoreply" and names.index("commands") < names.index("autoreply")


async def test_commands_and_edits_are_not_answered(core: tuple[Core, RecordingPort]) -> None:
    built, port = core
    await send(built, ADMIN_USER, "/addreply price 10 yuan")
    count = len(notices(port))
    await send(built, MEMBER, "/price")  # an unknown command is still a command
    edited = message(MEMBER, "price", edited=True)
    await built.dispatcher.handle(edited)
    bot_user = message(User(9, "OtherBot", is_bot=True), "price")
    await built.dispatcher.handle(bot_user)
    assert len(notices(port)) == count


async def test_several_answers_are_picked_at_random(core: tuple[Core, RecordingPort]) -> None:
    built, port = core
    await send(built, ADMIN_USER, "/replycooldown 0")
    for text in ("one", "two", "three"):
        await send(built, ADMIN_USER, f"/addreply =roll {text}")
    assert "3 replies" in said(port)[-1]
    feature(built).rng = random.Random(7)
    for _ in range(30):
        await send(built, MEMBER, "roll")
    answers = said(port)[-30:]
    assert set(answers) == {"one", "two", "three"}


async def test_trigger_counts_are_stored_at_stop(sqlite: Store) -> None:
    """Counts are buffered, shown in /replies at once, and stored when the bot stops."""
    port = posting_port()
    built = make_core(sqlite, port)
    await built.start()
    await send(built, ADMIN_USER, "/replycooldown 0")
    await send(built, ADMIN_USER, "/addreply hello hi")
    for _ in range(3):
        await send(built, MEMBER, "hello")
    await send(built, ADMIN_USER, "/replies")
    assert "triggered 3×" in said(port)[-1]
    await built.stop()
    async with sqlite.unit() as uow:
        (row,) = await ReplyRepository(uow).in_chat(GROUP)
    assert row.hits == 3 and row.last_hit_at is not None


@pytest.mark.parametrize("recheck", ["0.01"])
async def test_rules_added_through_another_process_are_seen(sqlite: Store, recheck: str) -> None:
    """Two processes on one database: a rule added on one answers on the other."""
    env = {"BOT_AUTOREPLY__RECHECK_SECONDS": recheck}
    port_a, port_b = posting_port(), posting_port()
    a, b = make_core(sqlite, port_a, **env), make_core(sqlite, port_b, **env)
    await a.start()
    await b.start()
    try:
        await send(b, MEMBER, "warm the cache: no rules yet")
        await send(a, ADMIN_USER, "/addreply shipping 3 days")
        import asyncio

        await asyncio.sleep(0.05)
        await send(b, MEMBER, "shipping?")
        assert said(port_b)[-1] == "3 days"
        await send(a, ADMIN_USER, "/delreply shipping")
        await asyncio.sleep(0.05)
        count = len(notices(port_b))
        await send(b, MEMBER, "shipping again?")
        assert len(notices(port_b)) == count
    finally:
        await a.stop()
        await b.stop()


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/addreply", "Usage: /addreply"),
        ("/addreply re:(?<=a)b x", "lookahead and lookbehind"),
        ("/addreply kw hi {nick}", "unknown placeholders: {nick}"),
        ("/delreply", "Usage: /delreply"),
        ("/delreply nothing", "no auto-reply “nothing”"),
        ("/replycooldown soon", "not a number of seconds"),
        ("/replycooldown 90s", "90 s"),
        ("/replycooldown", "waits 30 s"),
        ("/importreplies", "Reply to a rules file"),
        ("/exportreplies", "no auto-replies yet"),
        ("/clearreplies", "no auto-replies yet"),
    ],
)
async def test_admin_input_errors_are_explained(
    core: tuple[Core, RecordingPort], command: str, answer: str
) -> None:
    built, port = core
    await send(built, ADMIN_USER, command)
    assert answer in said(port)[-1]


async def test_delete_by_id_and_by_keyword(core: tuple[Core, RecordingPort]) -> None:
    built, port = core
    await send(built, ADMIN_USER, "/addreply price 10")
    await send(built, ADMIN_USER, "/addreply =price exactly")
    await send(built, ADMIN_USER, '/addreply "opening hours" 9-6')
    await send(built, ADMIN_USER, "/delreply =price")
    assert said(port)[-1] == "🗑 Deleted auto-reply #2."
    await send(built, ADMIN_USER, '/delreply "Opening Hours"')
    assert said(port)[-1] == "🗑 Deleted auto-reply #3."
    await send(built, ADMIN_USER, "/delreply #1")
    assert said(port)[-1] == "🗑 Deleted auto-reply #1."
    await send(built, ADMIN_USER, "/replies")
    assert "no auto-replies" in said(port)[-1]


async def test_the_rule_cap_is_enforced(sqlite: Store) -> None:
    port = posting_port()
    built = make_core(sqlite, port, BOT_AUTOREPLY__MAX_RULES="2")
    await built.start()
    for word in ("a1", "a2", "a3"):
        await send(built, ADMIN_USER, f"/addreply {word} x")
    await built.stop()
    assert "already has 2 auto-replies" in said(port)[-1]
