"""Declared buttons: the codec, the decoded press, and the one dispatch stage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from bot.app import build_translator
from bot.dispatch import Dispatcher
from bot.platforms.recording import RecordingPort
from bot.settings import load_settings
from core.buttons import (
    MAX_BYTES,
    Ack,
    ButtonDataError,
    Press,
    StaleButton,
    decode,
    encode,
    prefix_of,
    verb_of,
)
from core.chat import Button, MissingRight
from core.context import Context
from core.events import ButtonPress, Chat, Event, User
from core.feature import ButtonSpec, Feature
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from storage.repositories import ChatRepository
from storage.unit import Store

CHAT = Chat(-100, "G")
ADMIN = User(1, "Ada")
MEMBER = User(7, "Ann")


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("cln.ok", (30, 123456789012, 1700000000)),
        ("sp.verdict", (2**40, "s")),
        ("ar.clear", ()),
        ("captcha.answer", (-5, "ok")),
        ("x", ("a_b-c.d:e",)),
    ],
)
def test_encode_decode_round_trip(action: str, args: tuple[object, ...]) -> None:
    data = encode(action, args)  # type: ignore[arg-type]
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == (action, tuple(str(a) for a in args))


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("Bad", ()),
        ("a.b.c", ()),
        ("", ()),
        ("ok.x", ("has|bar",)),
        ("ok.x", ("",)),
        ("ok.x", ("空",)),
        ("ok.x", ("9" * 20,) * 3),
    ],
)
def test_encode_refuses_what_would_not_read_back(action: str, args: tuple[str, ...]) -> None:
    with pytest.raises(ButtonDataError):
        encode(action, args)


@pytest.mark.parametrize(
    "data",
    [
        "sp:12:s",  # an old, hand-rolled format: stale
        "cln:ok:30:1:2",
        "b2|cln.ok|1",  # another version
        "b1|",
        "b1|Cln.ok",
        "b1|cln.ok||",
        "b1|cln.ok|" + "1" * 60,
        "",
        "b1|cln.ok|a b",
    ],
)
def test_decode_refuses_stale_and_forged_data(data: str) -> None:
    assert decode(data) is None


def test_prefix_and_verb() -> None:
    assert (prefix_of("cln.page"), verb_of("cln.page")) == ("cln", "page")
    assert (prefix_of("ar"), verb_of("ar")) == ("ar", "")


def test_a_button_too_long_raises_where_it_is_built() -> None:
    with pytest.raises(ButtonDataError):
        Button("x", "cln.ok", tuple(range(10**12, 10**12 + 6)))
    with pytest.raises(ButtonDataError):
        Button("neither")
    with pytest.raises(ButtonDataError):
        Button("both", "a.b", url="https://example.com")
    assert Button("link", url="https://example.com").data is None
    assert Button("ok", "cln.ok", (1, 2)).data == "b1|cln.ok|1|2"


def press(*args: str) -> Press:
    return Press("cln.ok", args, MEMBER, CHAT, 5)


def test_press_reads_its_arguments() -> None:
    assert press("30", "-7").number(0, 1, 3650) == 30
    assert press("30", "-7").number(1, -10, 0) == -7
    assert press("s").word(0, ("s", "h")) == "s"
    press("a", "b").expect(2)
    assert press().verb == "ok"


@pytest.mark.parametrize(
    "check",
    [
        lambda p: p.number(0),
        lambda p: p.number(1),
        lambda p: p.number(0, 100, 200),
        lambda p: p.word(0, ("s",)),
        lambda p: p.expect(3),
    ],
)
def test_press_refuses_bad_arguments(check: Any) -> None:
    with pytest.raises(StaleButton):
        check(press("x"))


# ----------------------------------------------------------------- the stage


def answers(port: RecordingPort) -> list[tuple[str, str, bool]]:
    """The acknowledgements made, as (press id, text, alert)."""
    return port.made("answer_button", "press_id", "text", "alert")


class Clicky(Feature):
    """Declares ``k`` buttons; records presses and what it saw of other events."""

    name = "clicky"

    def __init__(self, log: list[str], *, admin_only: bool = False, how: str = "ok") -> None:
        self.log, self.admin_only, self.how = log, admin_only, how

    def buttons(self) -> Sequence[ButtonSpec]:
        return (ButtonSpec("k", self.pressed, admin_only=self.admin_only),)

    async def pressed(self, press: Press, ctx: Context) -> Ack | None:
        self.log.append(f"{press.action}:{','.join(press.args)}:{press.user.id}")
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, "pressed")
        if self.how == "stale":
            press.number(0, 0, 1)
        if self.how == "crash":
            raise RuntimeError("bug")
        if self.how == "right":
            raise MissingRight("delete")
        return Ack("done") if self.how == "ok" else None

    async def on_event(self, event: Event, ctx: Context) -> bool:
        self.log.append("clicky.on_event")
        return False


class Watcher(Feature):
    """Sees every event (as activity tracking does)."""

    name = "watcher"

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def on_event(self, event: Event, ctx: Context) -> bool:
        self.log.append(f"watcher:{type(event).__name__}")
        return False


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort(admins={ADMIN.id})


@pytest.fixture
def runtime(sqlite_store: Store, port: RecordingPort) -> Runtime:
    """A runtime on SQLite in English with a recording port."""
    return Runtime(
        settings=load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"}),
        store=sqlite_store,
        port=port,  # type: ignore[arg-type]
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(),
    )


def event(data: str, user: User = MEMBER) -> ButtonPress:
    return ButtonPress(CHAT, user, 5, data, "q1")


async def stored_title(runtime: Runtime) -> str | None:
    async with runtime.store.unit() as uow:
        row = await ChatRepository(uow).get(CHAT.id)
        return row.title if row else None


async def test_a_press_reaches_its_feature_after_the_ones_before(
    runtime: Runtime, port: RecordingPort
) -> None:
    """Earlier features see the press; the declaring one handles it; one ack with its toast."""
    log: list[str] = []
    await Dispatcher(runtime, [Watcher(log), Clicky(log)]).handle(event(encode("k.go", (1, "a"))))
    assert log == ["watcher:ButtonPress", f"k.go:1,a:{MEMBER.id}"]
    assert answers(port) == [("q1", "done", False)]
    assert await stored_title(runtime) == "pressed"


@pytest.mark.parametrize("data", ["k:1", "b1|other.go|1", "b1|K.go", "", "b9|k.go"])
async def test_stale_or_forged_data_is_answered_and_changes_nothing(
    runtime: Runtime, port: RecordingPort, data: str
) -> None:
    log: list[str] = []
    await Dispatcher(runtime, [Watcher(log), Clicky(log)]).handle(event(data))
    assert log == []
    assert answers(port) == [("q1", "⌛ This button is no longer valid.", True)]
    assert await stored_title(runtime) is None


async def test_admin_only_refuses_members_with_the_declared_sentence(
    runtime: Runtime, port: RecordingPort
) -> None:
    log: list[str] = []
    dispatcher = Dispatcher(runtime, [Clicky(log, admin_only=True)])
    await dispatcher.handle(event(encode("k.go"), MEMBER))
    assert log == [] and answers(port)[-1][2] is True
    assert answers(port)[-1][1] == "Only the group's admins can use this button."
    await dispatcher.handle(event(encode("k.go"), ADMIN))
    assert log == [f"k.go::{ADMIN.id}"] and answers(port)[-1] == ("q1", "done", False)


@pytest.mark.parametrize(
    ("how", "answer"),
    [
        ("none", ("q1", "", False)),
        ("stale", ("q1", "⌛ This button is no longer valid.", True)),
        ("crash", ("q1", "⚠️ That did not work. Please try again later.", True)),
    ],
)
async def test_every_press_is_acknowledged_exactly_once(
    runtime: Runtime, port: RecordingPort, how: str, answer: tuple[str, str, bool]
) -> None:
    """A silent ack, a stale argument, a failing handler: one answer each, no half writes."""
    await Dispatcher(runtime, [Clicky([], how=how)]).handle(event(encode("k.go", ("7",))))
    assert answers(port) == [answer]
    assert (await stored_title(runtime) == "pressed") is (how == "none")


async def test_a_missing_right_is_told_and_the_press_answered(
    runtime: Runtime, port: RecordingPort
) -> None:
    await Dispatcher(runtime, [Clicky([], how="right")]).handle(event(encode("k.go")))
    assert len(answers(port)) == 1 and answers(port)[0][2] is True
    assert any("delete" in str(text).lower() for text in port.texts())


async def test_an_earlier_feature_stopping_a_press_still_acknowledges_it(
    runtime: Runtime, port: RecordingPort
) -> None:
    class Stopper(Feature):
        async def on_event(self, event: Event, ctx: Context) -> bool:
            return True

    log: list[str] = []
    await Dispatcher(runtime, [Stopper(), Clicky(log)]).handle(event(encode("k.go")))
    assert log == [] and answers(port) == [("q1", "", False)]


def test_a_prefix_declared_twice_is_refused(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Dispatcher(runtime, [Clicky([]), Clicky([])])
