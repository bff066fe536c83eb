"""Check-in points end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import make_user

OTHER_GROUP = -1001000000002
BUYER = make_user(301, "Bea")


async def test_checkin_once_then_already(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/checkin credits once a day; 签到 the same day says so and credits nothing."""
    await start_bot()
    answer = await command(api, MEMBER, "/checkin")
    assert "签到成功：+10 积分" in answer and "第 1 名" in answer
    assert "今天已经签到过了" in await command(api, MEMBER, "签到")
    assert "10 积分" in await command(api, MEMBER, "/points")


async def test_twenty_concurrent_checkins_through_the_bot(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Twenty /checkin at once from one member: one credit."""
    # Room for twenty replies in the minute, none merged: one message per /checkin.
    await start_bot(BOT_OUTBOUND__CHAT_MESSAGES="30", BOT_OUTBOUND__MERGE_FROM="100")
    before = len(api.calls_to("sendMessage"))
    for _ in range(20):
        api.push_update(api.message_update(GROUP, MEMBER, "/checkin"))
    calls = await api.wait_for("sendMessage", before + 20)
    texts = [c.params["text"] for c in calls[before:]]
    assert sum("签到成功" in t for t in texts) == 1
    assert sum("今天已经签到过了" in t for t in texts) == 19


async def test_members_cannot_use_admin_commands(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    for text in (
        "/givepoints 100",
        "/takepoints 5",
        "/setcheckin base=1000",
        "/additem Gold 1 1",
        "/delitem Gold",
        "/redemptions",
        "/pointslog",
        "/exportpoints",
        "/checkinconfig",
    ):
        assert "只有群管理员" in await command(api, MEMBER, text), text


async def test_admin_gives_takes_and_bad_amounts(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Amounts are checked; points never go negative; the ledger shows every change."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    target = api.message_update(GROUP, MEMBER, "hello there")
    api.push_update(target)
    reply_to = target["message"]["message_id"]

    async def admin(text: str) -> str:
        before = len(api.calls_to("sendMessage"))
        api.push_update(api.message_update(GROUP, ADMIN_ID, text, reply_to=reply_to))
        calls = await api.wait_for("sendMessage", before + 1)
        return calls[-1].params["text"]

    assert "not a whole number" in await admin("/givepoints lots")
    assert "more than 0" in await admin("/givepoints -5")
    assert "too large" in await admin("/givepoints 99999999999")
    assert "give an amount" in await admin("/givepoints")
    assert "received 40 points (now 40)" in await admin("/givepoints 40 helpful answer")
    assert "has only 40 points" in await admin("/takepoints 100")
    assert "taken from Mallory (now 25)" in await admin("/takepoints 15 spam")
    log = await admin("/pointslog")
    assert "-15 · taken (spam)" in log and "+40 · given (helpful answer)" in log
    assert "Reply to a member" in await command(api, ADMIN_ID, "/givepoints 5")


async def test_shop_last_item_and_admin_notice(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Two members want the last item: one gets it and a code, the other is told it is gone."""
    await start_bot()
    await command(api, ADMIN_ID, "/additem VIP badge 10 1")
    await command(api, MEMBER, "/checkin")
    await command(api, BUYER, "/checkin")
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, MEMBER, "/redeem vip badge"))
    api.push_update(api.message_update(GROUP, BUYER, "/redeem VIP badge"))
    calls = await api.wait_for(
        "sendMessage", before + 3, predicate=lambda c: c.params.get("chat_id") in (GROUP, ADMIN_ID)
    )
    texts = [c.params["text"] for c in calls[before:]]
    assert sum("兑换码" in t and "你用 10 积分兑换了" in t for t in texts) == 1
    assert sum("已经兑换完了" in t for t in texts) == 1
    notices = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == ADMIN_ID]
    assert notices and "兑换码" in notices[-1].params["text"]
    assert "已售罄" in await command(api, MEMBER, "/shop")


async def test_points_are_per_group(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A member's points in one group are not seen (or changed) from another."""
    api.add_chat(OTHER_GROUP, title="Other Group")
    api.set_admins(OTHER_GROUP, [], creator_id=999)
    await start_bot()
    await command(api, MEMBER, "/checkin")
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(OTHER_GROUP, MEMBER, "/points"))
    calls = await api.wait_for("sendMessage", before + 1)
    assert "0 积分" in calls[-1].params["text"]
    api.push_update(api.message_update(OTHER_GROUP, ADMIN_ID, "/givepoints 5"))
    calls = await api.wait_for("sendMessage", before + 2)
    assert "只有群管理员" in calls[-1].params["text"]


async def test_day_follows_the_group_time_zone(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Around local midnight in a zone far from UTC, the day changes at local midnight."""
    bot = await start_bot()
    await command(api, ADMIN_ID, "/settimezone Pacific/Kiritimati")  # UTC+14
    runtime = bot.core.runtime  # type: ignore[attr-defined]
    # 09:59 UTC is 23:59 on the 23rd there; 10:01 UTC is 00:01 on the 24th.
    runtime.clock = lambda: datetime(2026, 11, 23, 9, 59, tzinfo=UTC)
    assert "连续签到 1 天" in await command(api, MEMBER, "/checkin")
    runtime.clock = lambda: datetime(2026, 11, 23, 9, 59, 30, tzinfo=UTC)
    assert "今天已经签到过了" in await command(api, MEMBER, "/checkin")
    runtime.clock = lambda: datetime(2026, 11, 23, 10, 1, tzinfo=UTC)
    answer = await command(api, MEMBER, "/checkin")
    assert "+12 积分" in answer and "连续签到 2 天" in answer


async def test_restart_keeps_points_and_the_day(api: FakeBotApi, start_bot: BotFactory) -> None:
    first = await start_bot()
    await command(api, MEMBER, "/checkin")
    await first.stop()
    await start_bot()
    assert "今天已经签到过了" in await command(api, MEMBER, "/checkin")


async def test_activity_points_are_stored_and_exported(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A long message earns an activity point (stored at the flush); the CSV shows it."""
    await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="0.2")
    api.push_update(api.message_update(GROUP, MEMBER, "a message long enough to count"))
    await command(api, MEMBER, "/checkin")
    await asyncio.sleep(0.5)
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exportpoints"))
    (sent,) = await api.wait_for("sendDocument")
    rows = list(csv.DictReader(io.StringIO(sent.params["document"].data.decode("utf-8-sig"))))
    (row,) = rows
    assert (row["name"], row["balance"], row["streak"], row["title"]) == (
        "Mallory",
        "11",
        "1",
        "新人",
    )
    assert datetime.fromisoformat(row["last_checkin"]) > datetime(2000, 1, 1) - timedelta(days=1)
