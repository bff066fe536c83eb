"""The bot's own accounts: one per platform it runs on, several QQ accounts at once."""

from __future__ import annotations

from typing import Any, cast

import pytest

from core.ids import scoped
from core.runtime import Runtime

TELEGRAM_BOT = 5_000_000_001
QQ_BOT = scoped("onebot", 10_000)
QQ_SECOND = scoped("onebot", 10_001)


def runtime(bot_id: int, *accounts: int) -> Runtime[Any]:
    """A runtime whose services are never touched: only its ids matter here."""
    nothing = cast(Any, None)
    made = Runtime(nothing, nothing, nothing, nothing, nothing, nothing, bot_id=bot_id)
    made.accounts.update(accounts)
    return made


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        (TELEGRAM_BOT, True),
        (QQ_BOT, True),
        (QQ_SECOND, True),
        (scoped("onebot", 5_000_000_001), False),
        (42, False),
        (None, False),
    ],
)
def test_every_account_of_the_bot_is_the_bot(user_id: int | None, expected: bool) -> None:
    assert runtime(TELEGRAM_BOT, QQ_BOT, QQ_SECOND).is_bot(user_id) is expected


@pytest.mark.parametrize(
    ("chat_id", "expected"),
    [
        (-1001234567890, {TELEGRAM_BOT}),
        (scoped("onebot", 700_000_001), {QQ_BOT, QQ_SECOND}),
        # An id in no band: every account (nothing is left out by mistake).
        (1 << 62, {TELEGRAM_BOT, QQ_BOT, QQ_SECOND}),
    ],
)
def test_own_ids_on_a_chat_are_those_of_its_platform(chat_id: int, expected: set[int]) -> None:
    assert runtime(TELEGRAM_BOT, QQ_BOT, QQ_SECOND).own_ids_on(chat_id) == expected
