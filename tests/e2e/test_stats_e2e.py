"""Group statistics end to end: fake Bot API <-> real application <-> SQLite.

History is made by real updates on a controlled clock (the group keeps Shanghai time) and
stored by the activity tracker's flush, called by hand so the counts are exact.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.platforms.telegram.app import TelegramBot
from handlers.activity import ActivityTracker
from storage.models import StatsSettingsRow
from storage.stats import MemberDayCount, StatsRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import make_user

NEWBIE = make_user(301, "<b>New</b>")
NEWBIE2 = make_user(302, "<i>Second</i>")
OLDIE = make_user(303, "Oldie")
PNG = b"\x89PNG\r\n\x1a\n"
# 12:00 in Shanghai on Thursday 2026-11-26.
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
REFUSED = "只有群管理员"


def set_clock(bot: TelegramBot, when: datetime) -> None:
    bot.core.runtime.clock = lambda: when  # type: ignore[union-attr]


async def flush(bot: TelegramBot) -> None:
    """Store what the activity tracker buffered (as its timer would)."""
    assert bot.core is not None
    (tracker,) = [f for f in bot.core.dispatcher.features if isinstance(f, ActivityTracker)]
    await tracker.flush()


async def photo_after(api: FakeBotApi, user: int, text: str) -> tuple[bytes, str]:
    """Send a command and return the photo the bot answered with, and its caption."""
    before = len(api.calls_to("sendPhoto"))
    api.push_update(api.message_update(GROUP, user, text))
    calls = await api.wait_for("sendPhoto", before + 1, timeout=15)
    photo = calls[-1].params["photo"]
    return photo.data, calls[-1].params.get("caption", "")


async def seed(api: FakeBotApi, bot: TelegramBot) -> None:
    """Two days of history: 11-24 at 10:00 and 11-26 at 12:00 (local)."""
    set_clock(bot, datetime(2026, 9, 1, 4, 0, tzinfo=UTC))  # long before any report
    await command(api, ADMIN_ID, "/welcome off")
    set_clock(bot, datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    for _ in range(2):
        api.push_update(api.message_update(GROUP, MEMBER, "hi"))
    api.push_update(api.chat_member_update(GROUP, NEWBIE, "left", "member"))
    api.push_update(api.new_members_update(GROUP, [NEWBIE]))  # the same join, reported twice
    api.push_update(api.chat_member_update(GROUP, NEWBIE2, "left", "member"))
    api.push_update(api.message_update(GROUP, NEWBIE, "hello"))
    await command(api, ADMIN_ID, "/digest")  # answered once all of the above was handled
    await flush(bot)
    set_clock(bot, NOW)
    api.push_update(api.message_update(GROUP, MEMBER, "lunch?"))
    api.push_update(api.left_member_update(GROUP, OLDIE))
    await command(api, ADMIN_ID, "/digest")
    await flush(bot)


async def test_stats_photo_and_summary_match_the_history(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    await seed(api, bot)
    photo, caption = await photo_after(api, MEMBER, "/stats 7d")
    assert photo.startswith(PNG) and len(photo) > 10_000
    # 11-24: 4 messages by 3 members at 10:00, 2 joins; 11-26: 3 messages by 2 members at
    # 12:00 (the /stats asking for the report is one: a report includes what was not stored
    # yet), 1 leave. The fake reports 42 members now.
    assert "最近 7 天（11-20 至 11-26）" in caption
    assert "成员：41 → 42（加入 2，离开 1，净增 +1，增长 +2.4%）" in caption
    assert "消息：7 条，日均 1 条" in caption
    assert "日活（DAU）：0.7；月活（MAU）：3；粘性 DAU/MAU：23.8%" in caption
    assert "发言成员占比：7.1%（3 人发过言）" in caption
    assert "签到：0 次" in caption
    assert "最活跃时段：10:00, 12:00" in caption


async def test_retention_topmembers_and_export(api: FakeBotApi, start_bot: BotFactory) -> None:
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    await seed(api, bot)
    photo, caption = await photo_after(api, MEMBER, "/retention")
    assert photo.startswith(PNG) and "新成员留存" in caption
    top = await command(api, MEMBER, "/topmembers 30d")
    lines = top.splitlines()
    assert "最近 30 天" in lines[0]
    # Two of them are the /retention and /topmembers just sent: reports include them.
    assert lines[1] == "🥇 Mallory — 5 条消息 · 签到 0 次"
    assert lines[2].startswith("🥈 ") and "— 2 条消息" in lines[2]  # the admin's commands
    # Names are escaped: markup in a name stays text.
    assert lines[3] == "🥉 &lt;b&gt;New&lt;/b&gt; — 1 条消息 · 签到 0 次"
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exportstats"))
    (sent,) = await api.wait_for("sendDocument")
    rows = list(csv.DictReader(io.StringIO(sent.params["document"].data.decode("utf-8-sig"))))
    by_day = {r["date"]: r for r in rows}
    assert (by_day["2026-11-24"]["messages"], by_day["2026-11-24"]["joins"]) == ("4", "2")
    assert (by_day["2026-11-26"]["active_members"], by_day["2026-11-26"]["leaves"]) == ("2", "1")
    assert set(rows[0]) == {
        "date",
        "members",
        "joins",
        "leaves",
        "messages",
        "active_members",
        "checkins",
    }


async def test_statsaccess_admins_refuses_members(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    assert "所有成员" in await command(api, ADMIN_ID, "/statsaccess")
    assert "仅管理员" in await command(api, ADMIN_ID, "/statsaccess admins")
    for text in ("/stats", "/retention", "/topmembers"):
        assert "只对管理员开放" in await command(api, MEMBER, text), text
    photo, _ = await photo_after(api, ADMIN_ID, "/stats 30d")
    assert photo.startswith(PNG)
    assert "所有成员" in await command(api, ADMIN_ID, "/statsaccess all")
    photo, _ = await photo_after(api, MEMBER, "/stats")
    assert photo.startswith(PNG)


async def test_members_cannot_use_admin_commands(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    for text in (
        "/digest daily 09:00",
        "/digest off",
        "/activityalert 50%",
        "/activityalert off",
        "/exportstats",
        "/statsaccess all",
    ):
        assert REFUSED in await command(api, MEMBER, text), text
    assert "没有设置数据简报" in await command(api, ADMIN_ID, "/digest")


async def test_bad_input_is_refused_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    cases = {
        "/stats 8d": "must be one of 7d | 30d | 90d",
        "/stats lots": "must be one of",
        "/topmembers 90d": "must be one of 7d | 30d",
        "/digest daily 25:00": '"25:00" is not a time',
        "/digest hourly 09:00": "Usage: /digest",
        "/digest daily": "Usage: /digest",
        "/digest daily 09:00 loudly": "Usage: /digest",
        "/activityalert 150%": '"150%" is not a share',
        "/activityalert 50% 60%": "Usage: /activityalert",
        "/statsaccess everyone": "Usage: /statsaccess",
    }
    for text, expected in cases.items():
        assert expected in await command(api, ADMIN_ID, text), text
    assert "no stats digest" in await command(api, ADMIN_ID, "/digest")
    assert "no activity alert" in await command(api, ADMIN_ID, "/activityalert")
    assert "all members" in await command(api, ADMIN_ID, "/statsaccess")


async def test_digest_posts_at_its_time_once_across_restarts(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The digest is stored; the leading process's pass arms it; it posts once at its time."""
    first = await start_bot(BOT_STATS__CHECK_SECONDS="0.3")
    answer = await command(api, ADMIN_ID, "/digest daily 09:00")
    assert "每天 09:00 发到本群" in answer
    assert "没有" not in await command(api, ADMIN_ID, "/digest")
    # Bring the stored time close, as if 09:00 were a second away.
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    assert first.core is not None
    async with first.core.runtime.store.unit() as uow:
        row = await (await uow.session()).scalar(select(StatsSettingsRow))
        assert row is not None and row.digest_period == "daily"
        row.digest_next_at = due
    (call,) = await api.wait_for("sendPhoto", 1, timeout=10)
    assert call.params["chat_id"] == GROUP
    assert call.params["photo"].data.startswith(PNG)
    assert "每日数据简报" in call.params["caption"]
    async with first.core.runtime.store.unit() as uow:
        row = await (await uow.session()).scalar(select(StatsSettingsRow))
        assert row is not None and row.digest_next_at is not None
        following = row.digest_next_at
    local = following.astimezone(first.core.runtime.timezone(None))
    assert (local.hour, local.minute) == (9, 0) and following > due
    await first.stop()
    await start_bot(BOT_STATS__CHECK_SECONDS="0.3")
    await asyncio.sleep(1.0)
    assert len(api.calls_to("sendPhoto")) == 1
    assert "没有" not in await command(api, ADMIN_ID, "/digest off")
    assert "没有设置数据简报" in await command(api, ADMIN_ID, "/digest")


async def test_private_digest_goes_to_the_admin(api: FakeBotApi, start_bot: BotFactory) -> None:
    bot = await start_bot(BOT_STATS__CHECK_SECONDS="0.3")
    assert "私聊发给你" in await command(api, ADMIN_ID, "/digest weekly 08:30 private")
    assert bot.core is not None
    async with bot.core.runtime.store.unit() as uow:
        row = await (await uow.session()).scalar(select(StatsSettingsRow))
        assert row is not None and row.digest_to == ADMIN_ID
        local = row.digest_next_at.astimezone(bot.core.runtime.timezone(None))  # type: ignore[union-attr]
        assert (local.weekday(), local.hour, local.minute) == (0, 8, 30)
        row.digest_next_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    (call,) = await api.wait_for("sendPhoto", 1, timeout=10)
    assert call.params["chat_id"] == ADMIN_ID
    assert "每周数据简报" in call.params["caption"]


async def test_activity_alert_setting(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    assert "50%" in await command(api, ADMIN_ID, "/activityalert 50%")
    assert "低于近 4 周日均的 50%" in await command(api, ADMIN_ID, "/activityalert")
    assert "已关闭" in await command(api, ADMIN_ID, "/activityalert off")
    assert "没有开启" in await command(api, ADMIN_ID, "/activityalert")


async def test_activity_alert_warns_the_admin_after_a_quiet_day(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """28 days of 10 messages, then a day of 3: once that day is over, the admin is warned."""
    bot = await start_bot(BOT_STATS__CHECK_SECONDS="0.3")
    assert bot.core is not None
    set_clock(bot, NOW)
    assert "50%" in await command(api, ADMIN_ID, "/activityalert 50%")
    today = NOW.astimezone(bot.core.runtime.timezone(None)).date()
    async with bot.core.runtime.store.unit() as uow:
        repo = StatsRepository(uow)
        for offset in range(1, 29):
            day = today - timedelta(days=offset)
            await repo.record([MemberDayCount(GROUP, day, 1, 10, False, False)], [])
        # Today: the /activityalert command (flushed later) and two more messages.
        await repo.record([MemberDayCount(GROUP, today, 2, 2, False, False)], [])
    await asyncio.sleep(1.0)
    assert not [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == ADMIN_ID]
    await flush(bot)
    set_clock(bot, NOW + timedelta(hours=12, minutes=5))  # 00:05 the next day
    (warning,) = await api.wait_for(
        "sendMessage", 1, timeout=5, predicate=lambda c: c.params["chat_id"] == ADMIN_ID
    )
    assert "在 2026-11-26 只有 3 条消息，低于近 4 周日均（10.0 条）的 50%" in warning.params["text"]
    await asyncio.sleep(1.0)  # checked once per day
    assert len([c for c in api.calls_to("sendMessage") if c.params["chat_id"] == ADMIN_ID]) == 1


async def test_reports_include_activity_not_stored_yet(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """With a long flush interval, /stats still counts the messages of the last seconds."""
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    set_clock(bot, NOW)
    for text in ("one", "two", "three"):
        api.push_update(api.message_update(GROUP, OLDIE, text))
    _, caption = await photo_after(api, MEMBER, "/stats 7d")
    assert "消息：4 条" in caption and "2 人发过言" in caption
