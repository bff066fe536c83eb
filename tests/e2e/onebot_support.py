"""What the OneBot end-to-end tests share: the QQ group's people, the real app connected to
the fake in reverse or forward mode, and readers of the actions the fake received.

The fixtures are in ``tests/e2e/onebot_fixtures.py`` (``pytest_plugins`` in a test module).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from bot.platforms.onebot.app import OneBotBot
from tests.e2e.conftest import free_port
from tests.fakes.onebot import FakeOneBot

GROUP = 700_000_001
NEWCOMER = 123_456
MEMBER = 223_344
OWNER = 334_455
SELF = 10_000
INJECTION = "[CQ:at,qq=all]"

Mode = Literal["reverse", "forward"]
OneBotFactory = Callable[..., Awaitable[OneBotBot]]


def database(tmp_path: Path) -> Path:
    """The SQLite file the app of a test stores into."""
    return tmp_path / "bot.db"


async def reverse(start_onebot: OneBotFactory, fake: FakeOneBot) -> OneBotBot:
    """The app in reverse mode on a free port, the fake connected to it."""
    port = free_port()
    bot = await start_onebot(BOT_ONEBOT__PORT=str(port))
    await fake.connect(f"ws://127.0.0.1:{port}/onebot/v11/ws")
    return bot


async def forward(start_onebot: OneBotFactory, fake: FakeOneBot) -> OneBotBot:
    """The app in forward mode, connected to the fake's WebSocket server."""
    url = await fake.listen("/ws")
    bot = await start_onebot(BOT_ONEBOT__MODE="forward", BOT_ONEBOT__URL=url)
    await fake.wait_connected()
    return bot


async def connected(mode: Mode, start_onebot: OneBotFactory, fake: FakeOneBot) -> OneBotBot:
    """The app connected to the fake in either mode."""
    if mode == "reverse":
        return await reverse(start_onebot, fake)
    return await forward(start_onebot, fake)


def sent_text(params: Mapping[str, Any]) -> str:
    """The text of a send_group_msg's message segments, joined."""
    return "".join(s["data"]["text"] for s in params["message"] if s["type"] == "text")


def quotes(params: Mapping[str, Any], message_id: int) -> bool:
    """Whether a sent message opens by quoting one message (the bot's answer to it)."""
    first = params["message"][0] if params["message"] else {}
    return first.get("type") == "reply" and first["data"].get("id") == str(message_id)


def answers_to(fake: FakeOneBot, message_id: int) -> list[str]:
    """The texts of the bot's group messages answering one message, in order."""
    return [sent_text(p) for p in fake.made("send_group_msg") if quotes(p, message_id)]


async def say(
    fake: FakeOneBot, user: int, text: str, message_id: int, **kw: Any
) -> Mapping[str, Any]:
    """A member's message in the group; the bot's first message answering it."""
    await fake.push(fake.group_message(GROUP, user, text, message_id, **kw))
    sent = await fake.wait_for("send_group_msg", where=lambda p: quotes(p, message_id))
    return sent[0]


async def told(fake: FakeOneBot, words: str, count: int = 1) -> Mapping[str, Any]:
    """Wait for the ``count``-th group message of the bot containing ``words``; its params."""
    sent = await fake.wait_for("send_group_msg", count, where=lambda p: words in sent_text(p))
    return sent[count - 1]


def at(user: int) -> dict[str, Any]:
    """The ``at`` segment mentioning one member."""
    return {"type": "at", "data": {"qq": str(user)}}


async def settle(fake: FakeOneBot, message_id: int) -> None:
    """Wait until every event pushed so far was handled: one connection's events are
    handled in order, so once a later /points is answered, those before it are done."""
    await say(fake, MEMBER, "/points", message_id)


def joined(fake: FakeOneBot, user: int) -> dict[str, Any]:
    """A group_increase notice: ``user`` was let in."""
    return fake.event(
        post_type="notice",
        notice_type="group_increase",
        sub_type="approve",
        group_id=GROUP,
        user_id=user,
        operator_id=0,
    )


def request(
    fake: FakeOneBot, kind: str, user: int, flag: str, *, group: int = GROUP, comment: str = ""
) -> dict[str, Any]:
    """A group request event: ``add`` (``user`` asks to join) or ``invite`` (``user``
    invites the bot's account), answered by its ``flag``."""
    return fake.event(
        post_type="request",
        request_type="group",
        sub_type=kind,
        group_id=group,
        user_id=user,
        comment=comment,
        flag=flag,
    )


def rows(tmp_path: Path, query: str, *values: object) -> list[tuple[Any, ...]]:
    """Rows of one query against the app's store."""
    with contextlib.closing(sqlite3.connect(database(tmp_path))) as db:
        return db.execute(query, values).fetchall()
