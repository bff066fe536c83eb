"""A reply gets the message it quotes: a recent one as it came, else fetched by get_msg."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.platforms.onebot.app import OneBotPlatform
from bot.settings import load_settings
from core.events import Event, Message
from core.ids import ONEBOT, scoped
from storage.unit import Store

SELF, GROUP, OTHER_GROUP, ALICE, BOB = 10_000, 5_000, 6_000, 111, 222
NOW = datetime(2026, 12, 4, tzinfo=UTC)


def message(
    message_id: int, text: str, *, user: int = ALICE, quoting: int | None = None, group: int = GROUP
) -> dict[str, Any]:
    """A group message event, quoting ``quoting`` if given."""
    segments: list[dict[str, Any]] = [{"type": "text", "data": {"text": text}}]
    if quoting is not None:
        segments.insert(0, {"type": "reply", "data": {"id": str(quoting)}})
    return {
        "post_type": "message",
        "message_type": "group",
        "sub_type": "normal",
        "time": 1_750_000_000,
        "self_id": SELF,
        "group_id": group,
        "user_id": user,
        "message_id": message_id,
        "message": segments,
        "sender": {"user_id": user, "nickname": f"u{user}", "role": "member"},
    }


def recall(message_id: int) -> dict[str, Any]:
    """A group_recall notice taking a message back."""
    return {
        "post_type": "notice",
        "notice_type": "group_recall",
        "time": 1_750_000_100,
        "self_id": SELF,
        "group_id": GROUP,
        "user_id": ALICE,
        "operator_id": ALICE,
        "message_id": message_id,
    }


class Intake:
    """The real platform's intake with a recording dispatcher and a scripted get_msg."""

    def __init__(self, tmp_path: Path) -> None:
        settings = load_settings(None, {"BOT_ONEBOT__MODE": "reverse"})
        self.platform = OneBotPlatform(settings, Store(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))
        self.handled: list[Event] = []
        self.fetched: list[Mapping[str, Any]] = []
        self.answers: dict[int, dict[str, Any]] = {}

        async def handle(event: Event, receipt: Any = None) -> None:
            self.handled.append(event)

        async def call(action: str, params: Mapping[str, Any], chat_id: int | None = None) -> Any:
            if action == "get_group_info":
                return {"group_id": params["group_id"], "group_name": "测试群"}
            assert action == "get_msg"
            self.fetched.append(params)
            return self.answers.get(params["message_id"])

        runtime = SimpleNamespace(
            accounts=set(), bot_id=scoped(ONEBOT, SELF), settings=settings, now=lambda: NOW
        )
        dispatcher = SimpleNamespace(handle=handle)
        self.platform.core = SimpleNamespace(dispatcher=dispatcher, runtime=runtime)
        self.platform.hub.call = call  # type: ignore[method-assign]

    async def feed(self, *payloads: dict[str, Any]) -> None:
        for payload in payloads:
            await self.platform._on_event(payload)

    def quoted_text(self) -> str | None:
        last = self.handled[-1]
        assert isinstance(last, Message)
        return last.reply_to.text if last.reply_to is not None else None


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    return Intake(tmp_path)


async def test_a_recent_message_is_quoted_without_a_round_trip(intake: Intake) -> None:
    await intake.feed(message(1, "原话"), message(2, "回复", user=BOB, quoting=1))
    assert intake.quoted_text() == "原话"
    assert intake.fetched == []
    last = intake.handled[-1]
    assert isinstance(last, Message) and last.reply_to is not None
    assert last.reply_to.sender.id == scoped(ONEBOT, ALICE)
    assert last.reply_to.reply_to is None


async def test_an_unseen_message_is_fetched_with_get_msg(intake: Intake) -> None:
    intake.answers[9] = message(9, "很久以前")
    await intake.feed(message(2, "回复", quoting=9))
    assert intake.fetched == [{"message_id": 9}]
    assert intake.quoted_text() == "很久以前"


async def test_a_recalled_message_is_fetched_again(intake: Intake) -> None:
    await intake.feed(message(1, "撤回了"), recall(1), message(2, "回复", quoting=1))
    assert intake.fetched == [{"message_id": 1}]
    assert intake.quoted_text() is None


async def test_the_same_id_in_another_group_is_not_taken(intake: Intake) -> None:
    await intake.feed(message(1, "别的群", group=OTHER_GROUP), message(2, "回复", quoting=1))
    assert intake.fetched == [{"message_id": 1}]
