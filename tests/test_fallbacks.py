"""Capabilities: what each port declares, and the one fallback for each missing one."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from bot.platforms.console import CONSOLE_CAPABILITIES, ConsolePort, Group
from bot.platforms.telegram.port import TelegramPort
from core.chat import ALL_CAPABILITIES, Capabilities, ChatActionError, ChatPort
from core.fallbacks import NO_FILES, NOT_A_FILE, FallbackPort, capabilities_of, with_fallbacks
from core.outbound import QueuedPort

NOTHING = Capabilities(
    buttons=False,
    edit=False,
    copy=False,
    pin=False,
    files=False,
    forward_names=False,
    join_requests=False,
    member_list=False,
    uploads=False,
)


class Inner:
    """A port that records every call it gets; its capabilities are set per test."""

    def __init__(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        self.calls: list[tuple[Any, ...]] = []

    async def send(self, chat_id: int, text: str, **options: Any) -> int:
        self.calls.append(("send", chat_id, text, options))
        return 77

    async def edit(self, chat_id: int, message_id: int, text: str, **options: Any) -> bool:
        self.calls.append(("edit", message_id, text))
        return True

    async def pin(self, chat_id: int, message_id: int) -> None:
        self.calls.append(("pin", message_id))

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        self.calls.append(("copy", message_id))
        return 78

    async def send_file(self, chat_id: int, data: bytes, filename: str, *a: Any, **k: Any) -> int:
        self.calls.append(("send_file", filename))
        return 79

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        self.calls.append(("download", file_id))
        return b"x"

    async def member_count(self, chat_id: int) -> int:
        self.calls.append(("member_count",))
        return 3


def wrapped(capabilities: Capabilities) -> tuple[Any, Inner]:
    inner = Inner(capabilities)
    return with_fallbacks(cast(ChatPort, inner), "needs files"), inner


def test_a_port_that_can_do_everything_is_not_wrapped() -> None:
    port, inner = wrapped(ALL_CAPABILITIES)
    assert port is inner


def test_ports_declare_what_they_can_do() -> None:
    assert TelegramPort(cast(Any, object())).capabilities == ALL_CAPABILITIES
    console = ConsolePort(Group(), lambda _: None)
    assert console.capabilities == CONSOLE_CAPABILITIES
    assert not console.capabilities.buttons and console.capabilities.files
    assert capabilities_of(object()) == ALL_CAPABILITIES  # a port that does not say


def test_the_outbound_queue_passes_capabilities_through() -> None:
    queued = QueuedPort(cast(ChatPort, Inner(NOTHING)))
    assert capabilities_of(queued) == NOTHING


async def test_edit_without_edit_sends_anew() -> None:
    port, inner = wrapped(NOTHING)
    assert await port.edit(-1, 5, "new text", buttons=None) is True
    assert inner.calls == [("send", -1, "new text", {"buttons": None})]


async def test_pin_without_pin_is_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    port, inner = wrapped(NOTHING)
    with caplog.at_level(logging.INFO, logger="core.fallbacks"):
        await port.pin(-1, 5)
    assert inner.calls == []
    assert "cannot pin" in caplog.text


async def test_copy_without_copy_says_unsupported() -> None:
    port, inner = wrapped(NOTHING)
    with pytest.raises(ChatActionError) as caught:
        await port.copy(-1, -1, 5)
    assert caught.value.reason == "unsupported" and inner.calls == []


async def test_files_without_files_post_the_notice_or_refuse_to_fetch() -> None:
    port, inner = wrapped(NOTHING)
    assert await port.send_file(-1, b"a,b", "export.csv", "caption", reply_to=3) == NOT_A_FILE
    # The second part of an export: no second notice.
    assert await port.send_file(-1, b"c,d", "export-2.csv", reply_to=3) == NOT_A_FILE
    assert inner.calls == [("send", -1, "needs files", {"reply_to": 3})]
    with pytest.raises(ChatActionError) as caught:
        await port.download("file-1", 100)
    assert caught.value.reason == NO_FILES


async def test_an_upload_refused_as_unsupported_posts_the_notice() -> None:
    """An implementation without uploads at run time: the same notice as no ``uploads``."""
    port, inner = wrapped(Capabilities(buttons=False, files=False))

    async def refuse(*args: Any, **kwargs: Any) -> int:
        raise ChatActionError("unsupported", "no upload_group_file here")

    inner.send_file = refuse  # type: ignore[method-assign]
    assert await port.send_file(-1, b"a,b", "export.csv", "caption", reply_to=3) == NOT_A_FILE
    assert inner.calls == [("send", -1, "needs files", {"reply_to": 3})]


async def test_an_upload_failing_otherwise_is_the_callers_to_handle() -> None:
    port, inner = wrapped(Capabilities(buttons=False))

    async def fail(*args: Any, **kwargs: Any) -> int:
        raise ChatActionError("failed", "boom")

    inner.send_file = fail  # type: ignore[method-assign]
    with pytest.raises(ChatActionError, match="boom"):
        await port.send_file(-1, b"", "f.csv")
    assert inner.calls == []


async def test_what_a_port_can_do_passes_through_the_fallbacks() -> None:
    port, inner = wrapped(Capabilities(buttons=False))
    assert isinstance(port, FallbackPort)
    await port.edit(-1, 5, "t")
    await port.pin(-1, 5)
    await port.copy(-1, -1, 5)
    await port.send_file(-1, b"", "f.csv")
    await port.download("f", 1)
    assert await port.member_count(-1) == 3
    assert [c[0] for c in inner.calls] == [
        "edit",
        "pin",
        "copy",
        "send_file",
        "download",
        "member_count",
    ]
