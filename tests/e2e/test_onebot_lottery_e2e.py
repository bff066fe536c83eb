"""Lotteries on QQ end to end: the fake OneBot implementation <-> a real WebSocket <-> the
real app <-> SQLite. QQ has no buttons: members type 参与 (or the numbered choice)."""

from __future__ import annotations

from pathlib import Path

from bot.platforms.onebot.app import OneBotBot
from core.ids import ONEBOT, scoped, scoped_group
from handlers.lottery import draw
from tests.e2e.onebot_support import GROUP, MEMBER, OWNER, at, rows, say, sent_text, told
from tests.fakes.onebot import FakeOneBot

pytest_plugins = ["tests.e2e.onebot_fixtures"]


def stored_lottery(tmp_path: Path) -> tuple[str, str, str]:
    ((seed, published, status),) = rows(
        tmp_path,
        "SELECT seed, commitment, status FROM lotteries WHERE chat_id = ?",
        scoped_group(ONEBOT, GROUP),
    )
    return seed, published, status


async def test_members_type_canyu_and_a_full_lottery_is_drawn(
    fake: FakeOneBot, running: OneBotBot, tmp_path: Path
) -> None:
    """The owner starts a lottery that ends once two entered; a member's /lottery is
    refused; 参与 twice enters once; the draw mentions the winner with an at segment."""
    refused = await say(fake, MEMBER, "/lottery 红包 winners=1 entries=2", 2001)
    assert "只有群管理员" in sent_text(refused)
    created = await say(fake, OWNER, "/lottery 红包 winners=1 entries=2", 2002)
    seed, published, status = stored_lottery(tmp_path)
    assert status == "open" and published in sent_text(created) and seed not in sent_text(created)
    first = await say(fake, MEMBER, "参与", 2003)
    assert "你已参与抽奖 #1" in sent_text(first)
    again = await say(fake, MEMBER, "参与", 2004)
    assert "已经参与过抽奖 #1" in sent_text(again)
    await say(fake, OWNER, "参与", 2005)
    result = await told(fake, "开奖啦")
    assert seed in sent_text(result)
    assert f"{MEMBER} {OWNER}" in sent_text(result)
    ((winner,),) = rows(tmp_path, "SELECT user_id FROM lottery_winners")
    assert winner in (scoped(ONEBOT, MEMBER), scoped(ONEBOT, OWNER))
    native = winner - scoped(ONEBOT, 0)
    assert at(native) in result["message"]
    assert draw.verify(seed, published, [MEMBER, OWNER], 1, [native])
    assert stored_lottery(tmp_path)[2] == "drawn"
    entries = rows(tmp_path, "SELECT count(*) FROM lottery_entries")
    assert entries == [(2,)]
