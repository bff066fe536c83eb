"""Invite points end to end on QQ: the fake OneBot (a real WebSocket) <-> the real app.

QQ has no per-member links: /invitelink says so; a group_increase notice with sub_type
``invite`` credits its operator_id, who is paid through the points ledger once the newcomer
stayed. The clock is moved by hand and the leading process's payment pass run by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.platforms.onebot.app as onebot_platform
from bot.app import build_core
from bot.platforms.onebot.app import OneBotBot
from core.ids import ONEBOT, scoped
from handlers.invites.feature import Invites
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    OWNER,
    OneBotFactory,
    reverse,
    rows,
    say,
    sent_text,
    settle,
    told,
)
from tests.fakes.onebot import FakeOneBot
from tests.schedule_support import Clock

pytest_plugins = ["tests.e2e.onebot_fixtures"]

FRIEND = 445_566
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Every core the app builds runs on this clock from its start."""
    hand = Clock(START)

    def clocked(*args: Any, **kwargs: Any) -> Any:
        core = build_core(*args, **kwargs)
        core.runtime.clock = hand
        return core

    monkeypatch.setattr(onebot_platform, "build_core", clocked)
    yield hand


def invited(fake: FakeOneBot, user: int, by: int) -> dict[str, Any]:
    """A group_increase notice: ``by`` invited ``user`` into the group."""
    return fake.event(
        post_type="notice",
        notice_type="group_increase",
        sub_type="invite",
        group_id=GROUP,
        user_id=user,
        operator_id=by,
    )


def payer(app: OneBotBot) -> Any:
    assert app.core is not None
    return next(f for f in app.core.dispatcher.features if isinstance(f, Invites)).payer


async def test_group_increase_invite_is_credited_to_the_operator(
    clock: Clock, start_onebot: OneBotFactory, fake: FakeOneBot, tmp_path: Path
) -> None:
    app = await reverse(start_onebot, fake)
    refused = await say(fake, MEMBER, "/setinvite points=15", 9001)
    assert "只有群管理员" in sent_text(refused)
    saved = await say(fake, OWNER, "/setinvite points=15 stay_days=2 require=none", 9002)
    assert "15" in sent_text(saved) and "2 天" in sent_text(saved)
    no_links = await say(fake, MEMBER, "/invitelink", 9003)
    assert "QQ 没有个人邀请链接" in sent_text(no_links)

    clock.now += timedelta(minutes=1)
    await fake.push(invited(fake, FRIEND, MEMBER))
    await settle(fake, 9004)
    assert "待结算" in sent_text(await say(fake, MEMBER, "/invites", 9005))

    clock.now += timedelta(days=1)
    assert await payer(app).pay() == 0  # one day of two
    clock.now += timedelta(days=1, minutes=5)
    assert await payer(app).pay() == 1
    await told(fake, "获得 15 积分")
    assert await payer(app).pay() == 0
    inviter = scoped(ONEBOT, MEMBER)
    ledger = rows(tmp_path, "SELECT kind, delta FROM points_ledger WHERE user_id = ?", inviter)
    assert ledger == [("invite", 15)]
    assert "已发放 15 分" in sent_text(await say(fake, MEMBER, "/invites", 9006))
