"""OneBot end to end: a fake implementation <-> real WebSocket <-> the real app <-> SQLite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.platforms.onebot.app import OneBotBot
from bot.platforms.routing import RoutingPort
from core.fallbacks import capabilities_of
from core.ids import ONEBOT, TELEGRAM, scoped, scoped_group
from tests.e2e.conftest import GROUP as TELEGRAM_GROUP
from tests.e2e.conftest import BotFactory, free_port
from tests.e2e.onebot_support import (
    GROUP,
    INJECTION,
    MEMBER,
    NEWCOMER,
    OWNER,
    SELF,
    OneBotFactory,
    joined,
    reverse,
    sent_text,
)
from tests.fakes import FakeBotApi
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]


def no_at_all(params: Mapping[str, Any]) -> bool:
    """True if a message has no @all segment (nor an at of anyone but the newcomer)."""
    ats = [s["data"]["qq"] for s in params["message"] if s["type"] == "at"]
    return all(qq == str(NEWCOMER) for qq in ats)


async def test_newcomer_is_welcomed_by_default_with_an_at(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """group_increase: the default welcome, mentioning the newcomer by an at of their QQ."""
    await fake.push(joined(fake, NEWCOMER))
    await fake.wait_for("send_group_msg", timeout=10)
    params = fake.made("send_group_msg")[0]
    assert params["group_id"] == GROUP
    # QQ's notice has no group name: the platform asked get_group_info for it ("g").
    assert "欢迎" in sent_text(params) and sent_text(params).endswith("加入 g！🎉")
    assert {"type": "at", "data": {"qq": str(NEWCOMER)}} in params["message"]
    assert no_at_all(params)
    assert running.core is not None and running.core.runtime.bot_id != 0


async def test_welcome_name_stays_text_even_as_a_cq_code(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """The group owner sets a welcome with {name}; a nickname [CQ:at,qq=all] stays text."""
    await fake.push(fake.group_message(GROUP, OWNER, "/setwelcome 你好 {name}", message_id=401))
    await fake.wait_for("send_group_msg", timeout=10)
    await fake.push(joined(fake, NEWCOMER))
    await fake.wait_for("send_group_msg", 2, timeout=10)
    params = fake.made("send_group_msg")[1]
    assert params["message"] == [{"type": "text", "data": {"text": f"你好 {INJECTION}"}}]


async def test_checkin_by_typed_word_replies_in_the_group(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """签到 checks in; the reply goes out by send_group_msg; again the same day says so."""
    await fake.push(fake.group_message(GROUP, MEMBER, "签到", message_id=501))
    await fake.wait_for("send_group_msg", timeout=10)
    first = fake.made("send_group_msg")[0]
    assert first["group_id"] == GROUP
    assert "签到成功" in sent_text(first)
    await fake.push(fake.group_message(GROUP, MEMBER, "签到", message_id=502))
    await fake.wait_for("send_group_msg", 2, timeout=10)
    assert "今天已经签到过了" in sent_text(fake.made("send_group_msg")[1])


async def test_an_event_delivered_twice_is_handled_once(
    fake: FakeOneBot, running: OneBotBot
) -> None:
    """The same message again (a reconnect redelivering it): one check-in reply only."""
    message = fake.group_message(GROUP, MEMBER, "签到", message_id=601)
    await fake.push(message)
    await fake.wait_for("send_group_msg", timeout=10)
    await fake.push(message)
    await fake.push(fake.group_message(GROUP, MEMBER, "签到", message_id=602))
    await fake.wait_for("send_group_msg", 2, timeout=10)
    texts = [sent_text(p) for p in fake.made("send_group_msg")]
    assert "签到成功" in texts[0] and "今天已经签到过了" in texts[1]
    assert len(texts) == 2


async def test_telegram_and_qq_in_one_process_keep_people_apart(
    api: FakeBotApi, start_bot: BotFactory, fake: FakeOneBot
) -> None:
    """One process serves both; user 300 on Telegram and QQ 300 check in separately, and
    Telegram keeps its buttons (its port is not wrapped in QQ's typed choices)."""
    port = free_port()
    bot = await start_bot(
        BOT_ONEBOT__MODE="reverse",
        BOT_ONEBOT__PORT=str(port),
        BOT_ONEBOT__MESSAGE_PACE_SECONDS="0",
    )
    await fake.connect(f"ws://127.0.0.1:{port}/onebot/v11/ws")
    fake.members[GROUP].append({"user_id": 300, "nickname": "q300", "role": "member"})
    api.push_update(api.message_update(TELEGRAM_GROUP, 300, "签到"))
    calls = await api.wait_for("sendMessage")
    assert "签到成功" in calls[0].params["text"]
    await fake.push(fake.group_message(GROUP, 300, "签到", message_id=701))
    await fake.wait_for("send_group_msg", timeout=10)
    assert "签到成功" in sent_text(fake.made("send_group_msg")[0])
    assert bot.core is not None
    routing = bot.core.runtime.port
    while not isinstance(routing, RoutingPort):
        routing = routing.inner  # type: ignore[attr-defined]
    assert capabilities_of(routing.ports[TELEGRAM]).buttons
    assert not capabilities_of(routing.ports[ONEBOT]).buttons
    # Each chat gets what its own platform can do; the QQ account is known as the bot's own.
    runtime = bot.core.runtime
    assert capabilities_of(runtime.port, TELEGRAM_GROUP).copy
    assert not capabilities_of(runtime.port, scoped_group(ONEBOT, GROUP)).copy
    assert runtime.is_bot(scoped(ONEBOT, SELF)) and runtime.bot_id != scoped(ONEBOT, SELF)


async def test_restart_keeps_points_and_skips_a_redelivered_event(
    start_onebot: OneBotFactory, fake: FakeOneBot
) -> None:
    """After a restart on the same store the same event is not handled again; points stay."""
    first = await reverse(start_onebot, fake)
    message = fake.group_message(GROUP, MEMBER, "签到", message_id=801)
    await fake.push(message)
    await fake.wait_for("send_group_msg", timeout=10)
    await first.stop()
    await reverse(start_onebot, fake)
    await fake.push(message)
    await fake.push(fake.group_message(GROUP, MEMBER, "/points", message_id=802))
    await fake.wait_for("send_group_msg", 2, timeout=10)
    texts = [sent_text(p) for p in fake.made("send_group_msg")]
    assert "签到成功" in texts[0] and "10 积分" in texts[1]
    assert len(texts) == 2


async def test_forward_mode_connects_and_reconnects(
    start_onebot: OneBotFactory, fake: FakeOneBot
) -> None:
    """Forward: the bot connects to the implementation, and again after it went away."""
    url = await fake.listen("/ws")
    await start_onebot(BOT_ONEBOT__MODE="forward", BOT_ONEBOT__URL=url)
    await fake.wait_connected()
    await fake.push(fake.group_message(GROUP, MEMBER, "签到", message_id=901))
    await fake.wait_for("send_group_msg", timeout=10)
    await fake.drop()
    await fake.wait_connected(2)
    await fake.push(fake.group_message(GROUP, MEMBER, "签到", message_id=902))
    await fake.wait_for("send_group_msg", 2, timeout=10)
    texts = [sent_text(p) for p in fake.made("send_group_msg")]
    assert "签到成功" in texts[0] and "今天已经签到过了" in texts[1]
