"""The one recording fake port: it is the whole ChatPort, records calls, and its knobs work."""

from __future__ import annotations

import asyncio
import inspect
import time

import pytest

from bot.platforms.recording import DEFAULT, RecordingPort
from core.chat import ChatActionError, ChatPort, ChatRights, MemberInfo, MissingRight
from core.events import User

GROUP = -100
PUBLIC = sorted(
    name for name, value in vars(ChatPort).items() if inspect.iscoroutinefunction(value)
)


def test_it_has_every_method_of_the_chat_port() -> None:
    missing = [
        name
        for name in PUBLIC
        if not inspect.iscoroutinefunction(getattr(RecordingPort, name, None))
    ]
    assert missing == []


async def test_calls_are_recorded_by_parameter_name() -> None:
    port = RecordingPort()
    assert await port.send(GROUP, "one") == 1
    assert await port.send(GROUP, text="two", reply_to=1) == 2
    assert await port.post(GROUP, "three") == 3
    assert port.made("send", "text", "reply_to") == [("one", None), ("two", 1)]
    assert port.texts() == ["one", "two", "three"]
    assert port.texts(7) == []
    assert [c.method for c in port.calls] == ["send", "send", "post"]
    assert port.counts == {"send": 2, "post": 1}


async def test_a_call_the_real_port_would_refuse_fails() -> None:
    with pytest.raises(TypeError):
        await RecordingPort().kick(GROUP)


@pytest.mark.parametrize(
    ("method", "args", "answer"),
    [
        ("edit", (GROUP, 1, "x"), True),
        ("delete", (GROUP, 1), True),
        ("admins", (GROUP,), frozenset({5})),
        ("member_count", (GROUP,), 40),
        ("member_status", (GROUP, 5), "admin"),
        ("member_status", (GROUP, 6), None),
        ("chat_permissions", (GROUP,), ChatRights(messages=True)),
        ("kick", (GROUP, 5), None),
        ("answer_button", ("press",), None),
    ],
)
async def test_default_answers(method: str, args: tuple[object, ...], answer: object) -> None:
    admin = MemberInfo(User(5, "Ann"), "admin")
    port = RecordingPort(
        admins={5}, member_count=40, members={5: admin}, chat_rights=ChatRights(messages=True)
    )
    assert await getattr(port, method)(*args) == answer


async def test_answers_and_files() -> None:
    port = RecordingPort(
        answers={"send": lambda call: None if call["chat_id"] == 9 else DEFAULT, "pin": 3},
        files={"f": b"data"},
        first_id=100,
    )
    assert await port.send(9, "blocked") is None
    assert await port.send(GROUP, "fine") == 100
    assert await port.pin(GROUP, 1) == 3
    assert await port.download("f", 10) == b"data"
    with pytest.raises(ChatActionError) as gone:
        await port.download("g", 10)
    assert gone.value.reason == "not_found"
    assert port.asked("download", "file_id") == ["f", "g"]
    assert port.made("download", "file_id") == ["f"]


async def test_set_chat_permissions_is_kept() -> None:
    port = RecordingPort(chat_rights=ChatRights(messages=True))
    await port.set_chat_permissions(GROUP, ChatRights())
    assert await port.chat_permissions(GROUP) == ChatRights()
    assert port.made("set_chat_permissions", "rights") == [ChatRights()]


async def test_failures_always_counted_or_chosen() -> None:
    port = RecordingPort()
    port.fail("mute", MissingRight("restrict"))
    port.fail("set_chat_permissions", ChatActionError("failed"), times=2)
    port.fail("kick", lambda call: ChatActionError("failed") if call["user_id"] == 2 else None)
    for _ in range(2):
        with pytest.raises(MissingRight):
            await port.mute(GROUP, 1, None)
    with pytest.raises(ChatActionError):
        await port.set_chat_permissions(GROUP, ChatRights())
    assert port.failures_left("set_chat_permissions") == 1
    with pytest.raises(ChatActionError):
        await port.set_chat_permissions(GROUP, ChatRights())
    await port.set_chat_permissions(GROUP, ChatRights())
    assert port.failures_left("set_chat_permissions") == 0
    await port.kick(GROUP, 1)
    with pytest.raises(ChatActionError):
        await port.kick(GROUP, 2)
    assert port.made("kick", "user_id") == [1]
    assert port.asked("kick", "user_id") == [1, 2]
    port.recover("mute")
    await port.mute(GROUP, 1, None)
    assert port.counts["mute"] == 1
    with pytest.raises(AttributeError):
        port.fail("no_such_method", ChatActionError("failed"))


async def test_delays_and_counting_only() -> None:
    port = RecordingPort(delays={"post": 0.05}, record=False)
    started = time.monotonic()
    await asyncio.gather(port.post(GROUP, "a"), port.send(GROUP, "b"))
    assert time.monotonic() - started >= 0.05
    assert port.calls == [] and port.counts == {"post": 1, "send": 1}
