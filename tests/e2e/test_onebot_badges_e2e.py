"""Badges on QQ end to end: the fake OneBot implementation <-> a real WebSocket <-> the app."""

from __future__ import annotations

from core.ids import ONEBOT, scoped, scoped_group
from tests.e2e.onebot_support import (
    GROUP,
    MEMBER,
    OWNER,
    OneBotFactory,
    connected,
    rows,
    say,
    sent_text,
)
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]


async def test_award_by_reply_and_by_qq_number_then_badges(
    start_onebot: OneBotFactory, fake: FakeOneBot, tmp_path: object
) -> None:
    """The owner awards quoting a member's message and by QQ number; /badges lists both;
    a member's /award is refused."""
    await connected("reverse", start_onebot, fake)
    await fake.push(fake.group_message(GROUP, MEMBER, "我来帮忙", 2001))
    awarded = await say(fake, OWNER, "/award helper 热心", 2002, reply_to=2001)
    assert "获得勋章 helper" in sent_text(awarded)
    by_number = await say(fake, OWNER, f"/award {MEMBER} star", 2003)
    assert "获得勋章 star" in sent_text(by_number)
    listed = sent_text(await say(fake, MEMBER, "/badges", 2004))
    assert "helper、star" in listed
    refused = await say(fake, MEMBER, f"/award {OWNER} boss", 2005)
    assert "只有群管理员" in sent_text(refused)
    stored = rows(
        tmp_path,
        "SELECT code, action, actor_id, reason FROM badge_events WHERE chat_id = ? AND user_id = ?"
        " ORDER BY id",
        scoped_group(ONEBOT, GROUP),
        scoped(ONEBOT, MEMBER),
    )
    owner = scoped(ONEBOT, OWNER)
    assert stored == [("helper", "grant", owner, "热心"), ("star", "grant", owner, None)]
