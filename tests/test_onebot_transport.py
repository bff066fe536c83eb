"""OneBot v11 transports and calls: tokens, echo matching, timeouts, retcodes, reconnects."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.platforms.onebot.calls import Caller, error_for, is_answer, lost_error, outcome
from bot.platforms.onebot.config import OneBotConfig
from bot.platforms.onebot.transport import (
    ForwardClient,
    Hub,
    ReverseServer,
    next_delay,
    parse_frame,
    parse_self_id,
    silence_limit,
    token_verdict,
)
from core.chat import ChatActionError, MissingRight
from core.ids import scoped, scoped_group
from tests.fakes.onebot import FakeOneBot

TOKEN = "s3cret"


@pytest.mark.parametrize(
    ("expected", "authorization", "query", "verdict"),
    [
        ("", None, None, None),
        (TOKEN, f"Bearer {TOKEN}", None, None),
        (TOKEN, f"bearer {TOKEN}", None, None),
        (TOKEN, f"Token {TOKEN}", None, None),
        (TOKEN, None, TOKEN, None),
        (TOKEN, None, None, 401),
        (TOKEN, "", "", 401),
        (TOKEN, "Bearer wrong", None, 403),
        (TOKEN, None, "wrong", 403),
        (TOKEN, "Bearer wrong", TOKEN, 403),
    ],
)
def test_token_verdict(expected: str, authorization: str | None, query: str | None, verdict):
    assert token_verdict(expected, authorization, query) == verdict


@pytest.mark.parametrize(
    ("raw", "parsed"), [("10000", 10000), (" 42 ", 42), (None, None), ("", None), ("x1", None)]
)
def test_parse_self_id(raw: str | None, parsed: int | None):
    assert parse_self_id(raw) == parsed


@pytest.mark.parametrize(
    ("interval", "misses", "limit"),
    [
        (5000, 3, 15.0),
        (1000, 2.5, 2.5),
        (0, 3, None),
        (None, 3, None),
        (True, 3, None),
        ("5", 3, None),
    ],
)
def test_silence_limit(interval: object, misses: float, limit: float | None):
    assert silence_limit(interval, misses) == limit


@pytest.mark.parametrize(("delay", "longest", "after"), [(1, 60, 2), (40, 60, 60), (60, 60, 60)])
def test_next_delay(delay: float, longest: float, after: float):
    assert next_delay(delay, longest) == after


@pytest.mark.parametrize(
    ("data", "frame"),
    [
        ('{"a": 1}', {"a": 1}),
        (b'{"a": 1}', {"a": 1}),
        ("[1]", None),
        ("{bad", None),
        (b"\xff", None),
    ],
)
def test_parse_frame(data: str | bytes, frame: dict[str, Any] | None):
    assert parse_frame(data) == frame


@pytest.mark.parametrize(
    ("action", "retcode", "words", "reason", "right"),
    [
        ("delete_msg", 100, "权限不足", "missing_right", "delete"),
        ("set_group_ban", 200, "bot is not admin", "missing_right", "restrict"),
        ("send_group_msg", 1403, "", "missing_right", "post"),
        ("send_group_msg", 100, "bot 不在群 123 中", "chat_gone", None),
        ("delete_msg", 1404, "", "not_found", None),
        ("get_msg", 100, "消息不存在", "not_found", None),
        ("send_group_msg", 100, "", "failed", None),
        ("set_group_kick", 102, "something odd", "failed", None),
    ],
)
def test_error_for(action: str, retcode: int, words: str, reason: str, right: str | None):
    error = error_for(action, retcode, words)
    assert error.reason == reason
    assert (error.right if isinstance(error, MissingRight) else None) == right
    assert action in str(error)


@pytest.mark.parametrize(
    ("action", "reason"),
    [("send_group_msg", "unknown"), ("send_private_msg", "unknown"), ("delete_msg", "failed")],
)
def test_lost_error(action: str, reason: str):
    assert lost_error(action, "timeout").reason == reason


@pytest.mark.parametrize(
    ("frame", "answer"),
    [
        ({"status": "ok", "retcode": 0, "data": None, "echo": "1"}, True),
        ({"retcode": 100, "echo": "1"}, True),
        ({"post_type": "message", "status": "x"}, False),
        ({"post_type": "meta_event"}, False),
    ],
)
def test_is_answer(frame: dict[str, Any], answer: bool):
    assert is_answer(frame) is answer


@pytest.mark.parametrize(
    ("answer", "data"),
    [
        ({"status": "ok", "retcode": 0, "data": {"message_id": 5}}, {"message_id": 5}),
        ({"status": "async", "retcode": 1, "data": None}, None),
    ],
)
def test_outcome_ok(answer: dict[str, Any], data: Any):
    assert outcome("send_group_msg", answer) == data


@pytest.mark.parametrize(
    "answer",
    [{"status": "failed", "retcode": 100, "data": None}, {"status": "ok", "retcode": "x"}],
)
def test_outcome_failed(answer: dict[str, Any]):
    with pytest.raises(ChatActionError) as raised:
        outcome("send_group_msg", answer)
    assert raised.value.reason == "failed"


async def test_caller_matches_answers_by_echo_out_of_order():
    sent: list[dict[str, Any]] = []

    async def send(payload: str) -> None:
        sent.append(json.loads(payload))

    caller = Caller(send, timeout=2)
    first = asyncio.create_task(caller.call("get_group_info", {"group_id": 1}))
    second = asyncio.create_task(caller.call("get_group_info", {"group_id": 2}))
    while len(sent) < 2:
        await asyncio.sleep(0)
    assert sent[0]["action"] == "get_group_info" and sent[0]["params"] == {"group_id": 1}
    assert sent[0]["echo"] != sent[1]["echo"]
    caller.resolve({"status": "ok", "retcode": 0, "data": "two", "echo": sent[1]["echo"]})
    caller.resolve({"status": "ok", "retcode": 0, "data": "one", "echo": sent[0]["echo"]})
    assert await first == "one" and await second == "two"
    assert caller.pending == 0
    assert not caller.resolve({"status": "ok", "retcode": 0, "echo": sent[0]["echo"]})


@pytest.mark.parametrize(
    ("action", "reason"), [("send_group_msg", "unknown"), ("delete_msg", "failed")]
)
async def test_caller_times_out(action: str, reason: str):
    async def send(payload: str) -> None:
        return None

    caller = Caller(send, timeout=0.05)
    with pytest.raises(ChatActionError) as raised:
        await caller.call(action, {})
    assert raised.value.reason == reason
    assert caller.pending == 0


@pytest.mark.parametrize(
    ("action", "reason"), [("send_group_msg", "unknown"), ("get_group_info", "failed")]
)
async def test_caller_closed_fails_waiting_calls(action: str, reason: str):
    async def send(payload: str) -> None:
        return None

    caller = Caller(send, timeout=5)
    call = asyncio.create_task(caller.call(action, {}))
    await asyncio.sleep(0.01)
    caller.close()
    with pytest.raises(ChatActionError) as raised:
        await call
    assert raised.value.reason == reason


async def test_caller_send_failure_is_failed():
    async def send(payload: str) -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ChatActionError) as raised:
        await Caller(send, timeout=1).call("send_group_msg", {})
    assert raised.value.reason == "failed"


async def test_hub_without_connection_fails():
    with pytest.raises(ChatActionError) as raised:
        await Hub().call("get_group_info", {})
    assert raised.value.reason == "failed"


# -- over real WebSockets ------------------------------------------------------------------


class Received:
    """Events handed to the callback."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.arrived.set()

    async def wait(self, count: int, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while len([e for e in self.events if e.get("post_type") != "meta_event"]) < count:
                self.arrived.clear()
                await self.arrived.wait()


def reverse_config(**changes: Any) -> OneBotConfig:
    values: dict[str, Any] = {
        "mode": "reverse",
        "port": 0,
        "access_token": TOKEN,
        "call_timeout_seconds": 1,
    }
    return OneBotConfig(**(values | changes))


@pytest.fixture
async def reverse() -> AsyncIterator[tuple[ReverseServer, Hub, Received, str]]:
    hub, received = Hub(), Received()
    server = ReverseServer(reverse_config(), hub, received)
    await server.start()
    yield server, hub, received, f"ws://127.0.0.1:{server.port}/onebot/v11/ws"
    await server.stop()


@pytest.mark.parametrize(("token", "status"), [("", 401), ("wrong", 403)])
async def test_reverse_refuses_a_missing_or_wrong_token(reverse, token: str, status: int, caplog):
    _, hub, _, url = reverse
    fake = FakeOneBot()
    caplog.set_level(logging.WARNING, "bot.platforms.onebot.transport")
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await fake.connect(url, token=token)
    await fake.close()
    assert raised.value.status == status
    assert not hub.connections
    assert "refused" in caplog.text


async def test_reverse_accepts_the_token_in_the_query(reverse):
    _, hub, _, url = reverse
    fake = FakeOneBot()
    await fake.connect(f"{url}?access_token={TOKEN}", token="")
    await asyncio.wait_for(hub.connected.wait(), 5)
    assert [c.self_id for c in hub.connections] == [fake.self_id]
    await fake.close()


async def test_reverse_delivers_events_and_routes_answers(reverse):
    _, hub, received, url = reverse
    fake = FakeOneBot(token=TOKEN)
    await fake.connect(url)
    await fake.push(fake.group_message(555, 42, "hello"))
    await received.wait(1)
    assert received.events[-1]["message"][0]["data"]["text"] == "hello"
    data = await hub.call("get_group_info", {"group_id": 555}, scoped("onebot", 555))
    assert data["group_id"] == 555
    assert fake.made("get_group_info") == [{"group_id": 555}]
    await fake.close()


async def test_reverse_serves_several_accounts(reverse):
    _, hub, received, url = reverse
    first, second = FakeOneBot(self_id=1, token=TOKEN), FakeOneBot(self_id=2, token=TOKEN)
    await first.connect(url)
    await second.connect(url)
    await second.push(second.group_message(777, 42, "on two"))
    await first.push(first.group_message(666, 42, "on one"))
    await received.wait(2)
    assert {c.self_id for c in hub.connections} == {1, 2}
    await hub.call("get_group_info", {"group_id": 777}, scoped_group("onebot", 777))
    await hub.call("get_group_info", {"group_id": 666}, scoped("onebot", 666))
    assert second.made("get_group_info") == [{"group_id": 777}]
    assert first.made("get_group_info") == [{"group_id": 666}]
    await first.close()
    await second.close()


async def test_reverse_failed_action_is_survived(reverse):
    _, hub, received, url = reverse
    fake = FakeOneBot(token=TOKEN)
    fake.fail("delete_msg", retcode=100, message="something failed")
    await fake.connect(url)
    await asyncio.wait_for(hub.connected.wait(), 5)
    with pytest.raises(ChatActionError) as raised:
        await hub.call("delete_msg", {"message_id": 1})
    assert raised.value.reason == "failed"
    await fake.push(fake.group_message(555, 42, "still here"))
    await received.wait(1)
    await fake.close()


async def test_reverse_times_out_a_held_call(reverse):
    _, hub, _, url = reverse
    fake = FakeOneBot(token=TOKEN)
    fake.hold("send_group_msg")
    await fake.connect(url)
    await asyncio.wait_for(hub.connected.wait(), 5)
    with pytest.raises(ChatActionError) as raised:
        await hub.call("send_group_msg", {"group_id": 1, "message": []})
    assert raised.value.reason == "unknown"
    await fake.close()


async def test_a_handler_may_call_actions_while_the_connection_reads(reverse):
    server, hub, _, url = reverse
    answers: list[Any] = []

    async def handler(event: dict[str, Any]) -> None:
        if event.get("post_type") == "message":
            answers.append(await hub.call("get_group_info", {"group_id": event["group_id"]}))

    server._on_event = handler
    fake = FakeOneBot(token=TOKEN)
    await fake.connect(url)
    await fake.push(fake.group_message(555, 42, "hi"))
    async with asyncio.timeout(5):
        while not answers:
            await asyncio.sleep(0.01)
    assert answers[0]["group_id"] == 555
    await fake.close()


async def test_a_silent_connection_is_dropped():
    hub, received = Hub(), Received()
    server = ReverseServer(reverse_config(heartbeat_misses=1), hub, received)
    await server.start()
    fake = FakeOneBot(token=TOKEN)
    await fake.connect(f"ws://127.0.0.1:{server.port}/onebot/v11/ws")
    await fake.push(fake.heartbeat(interval_ms=100))
    await asyncio.wait_for(hub.connected.wait(), 5)
    async with asyncio.timeout(5):
        while hub.connections:
            await asyncio.sleep(0.02)
    await fake.close()
    await server.stop()


async def test_forward_connects_with_the_token_and_reconnects():
    fake = FakeOneBot(token=TOKEN)
    url = await fake.listen()
    hub, received = Hub(), Received()
    config = OneBotConfig(mode="forward", url=url, access_token=TOKEN, reconnect_seconds=0.05)
    client = ForwardClient(config, hub, received)
    await client.start()
    await fake.wait_connected(1)
    await fake.push(fake.group_message(555, 42, "one"))
    await received.wait(1)
    await fake.drop()
    await fake.wait_connected(2)
    await asyncio.wait_for(hub.connected.wait(), 5)
    await fake.push(fake.group_message(555, 42, "two"))
    await received.wait(2)
    assert await hub.call("get_login_info", {}) == {"user_id": fake.self_id, "nickname": "bot"}
    assert [e["message"][0]["data"]["text"] for e in received.events if "message" in e] == [
        "one",
        "two",
    ]
    await client.stop()
    await fake.close()


async def test_forward_stops_while_a_lost_connections_event_is_still_handled():
    """A stop that comes while a dropped connection's last event is being handled ends the
    client (the cancellation is not swallowed while the delivery is awaited)."""
    fake = FakeOneBot()
    url = await fake.listen()
    hub, started = Hub(), asyncio.Event()

    async def slow(event: dict[str, Any]) -> None:
        if event.get("post_type") == "message":
            started.set()
            await asyncio.Event().wait()

    client = ForwardClient(OneBotConfig(mode="forward", url=url, reconnect_seconds=0.05), hub, slow)
    await client.start()
    await fake.wait_connected(1)
    await fake.push(fake.group_message(555, 42, "busy"))
    await asyncio.wait_for(started.wait(), 5)
    await fake.drop()
    async with asyncio.timeout(5):
        while hub.connections:
            await asyncio.sleep(0.01)
    stopping = asyncio.create_task(client.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)
    assert stopping in done
    await fake.close()


async def test_forward_with_a_wrong_token_keeps_trying():
    fake = FakeOneBot(token=TOKEN)
    url = await fake.listen()
    hub = Hub()
    config = OneBotConfig(mode="forward", url=url, access_token="wrong", reconnect_seconds=0.02)
    client = ForwardClient(config, hub, Received())
    await client.start()
    async with asyncio.timeout(5):
        while len(fake.refused) < 2:
            await asyncio.sleep(0.01)
    assert set(fake.refused) == {403} and not hub.connections
    await client.stop()
    await fake.close()


def test_forward_needs_a_websocket_url():
    with pytest.raises(ValueError, match="ws://"):
        OneBotConfig(mode="forward", url="http://x")
