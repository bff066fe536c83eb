"""Scheduled posts end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command, texts, to_group
from tests.fakes import FakeBotApi

# The bot's default zone (core.config).
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHOTO = [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]


def posts(api: FakeBotApi, text: str) -> list[str]:
    """Group messages with exactly this text."""
    return [
        c.params["text"]
        for c in api.calls_to("sendMessage")
        if to_group(c) and c.params["text"] == text
    ]


def far_from_now(count: int) -> list[str]:
    """``count`` daily times a minute apart, in the bot's zone, half a day from now.

    A post falling due while a test reads the bot's answers would be taken for an answer.
    """
    start = datetime.now(SHANGHAI) + timedelta(hours=12)
    return [f"{start + timedelta(minutes=n):%H:%M}" for n in range(count)]


def schedule_id(answer: str) -> int:
    """The id in a "Scheduled #N" / "已创建定时消息 #N" answer."""
    found = re.search(r"#(\d+)", answer)
    assert found, answer
    return int(found.group(1))


async def test_admin_schedules_a_post_and_it_goes_out_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/schedule in 1s posts the text a second later, once; /schedules then shows nothing."""
    await start_bot()
    answer = await command(api, ADMIN_ID, "/schedule in 1s Meeting at <b>noon</b>")
    assert "已创建定时消息" in answer
    await api.wait_for("sendMessage", 2, timeout=5)
    await asyncio.sleep(0.5)
    assert posts(api, "Meeting at &lt;b&gt;noon&lt;/b&gt;") == [
        "Meeting at &lt;b&gt;noon&lt;/b&gt;"
    ]
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")


async def test_member_cannot_schedule_and_nothing_is_stored(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A member is refused; no post follows."""
    await start_bot()
    assert "只有群管理员" in await command(api, MEMBER, "/schedule in 1s spam")
    assert "只有群管理员" in await command(api, MEMBER, "/schedules")
    await asyncio.sleep(1.5)
    assert posts(api, "spam") == []
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")


async def test_bad_forms_get_the_list_of_accepted_forms(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A form the bot cannot read is answered with the forms it can, in the group's language."""
    await start_bot()
    answer = await command(api, ADMIN_ID, "/schedule tomorrowish hello")
    assert "没看懂" in answer and "weekly mon,thu 20:00" in answer
    await command(api, ADMIN_ID, "/lang en")
    answer = await command(api, ADMIN_ID, "/schedule daily 25:00 hello")
    assert "25:00" in answer and "not a time" in answer
    answer = await command(api, ADMIN_ID, '/schedule cron "61 * * * *" hi')
    assert "cron" in answer
    answer = await command(api, ADMIN_ID, "/schedule daily 09:00 --bogus hi")
    assert "--bogus" in answer
    assert "No scheduled posts" in await command(api, ADMIN_ID, "/schedules")


async def test_list_pause_resume_test_and_unschedule(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The management commands, through the real bot."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    sid = schedule_id(await command(api, ADMIN_ID, "/schedule daily 09:00 --pin Good morning all"))
    listing = await command(api, ADMIN_ID, "/schedules")
    assert f"#{sid}" in listing and "daily 09:00" in listing and "Good morning all" in listing
    assert "paused" in await command(api, ADMIN_ID, f"/pauseschedule {sid}")
    assert "paused (by an admin)" in await command(api, ADMIN_ID, "/schedules")
    assert "resumed" in await command(api, ADMIN_ID, f"/resumeschedule {sid}")
    await command(api, ADMIN_ID, f"/testschedule {sid}")
    assert posts(api, "Good morning all") == ["Good morning all"]
    assert api.calls_to("pinChatMessage") == [], "a test post is not pinned"
    assert "no scheduled post #999" in await command(api, ADMIN_ID, "/unschedule 999")
    assert "Usage" in await command(api, ADMIN_ID, "/unschedule abc")
    assert "deleted" in await command(api, ADMIN_ID, f"/unschedule {sid}")
    assert "No scheduled posts" in await command(api, ADMIN_ID, "/schedules")


async def test_reply_schedules_a_copy_of_a_photo(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Replying /schedule in 1s to a photo posts a copy of it."""
    await start_bot()
    photo = api.message_update(GROUP, ADMIN_ID, "", extra={"photo": PHOTO, "caption": "poster"})
    api.push_update(photo)
    source_id = photo["message"]["message_id"]
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/schedule in 1s", reply_to=source_id))
    await api.wait_for("sendMessage", before + 1)
    calls = await api.wait_for("copyMessage", 1, timeout=5)
    assert calls[0].params["from_chat_id"] == GROUP
    assert calls[0].params["message_id"] == source_id


async def test_a_post_due_during_downtime_is_sent_once_at_start(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Down when it was due, back within the grace: posted once, and not again on restart."""
    first = await start_bot()
    await command(api, ADMIN_ID, "/schedule in 1s while you were away")
    await first.stop()
    await asyncio.sleep(1.5)
    assert posts(api, "while you were away") == []
    second = await start_bot()
    await api.wait_for("sendMessage", predicate=lambda c: c.params["text"] == "while you were away")
    await second.stop()
    await start_bot()
    await asyncio.sleep(0.5)
    assert posts(api, "while you were away") == ["while you were away"]


async def test_a_post_missed_beyond_the_grace_is_skipped(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """With a 1-second grace, a post due 2 seconds before start-up is not sent."""
    first = await start_bot(BOT_SCHEDULE__GRACE_SECONDS="1")
    await command(api, ADMIN_ID, "/schedule in 1s too late")
    await first.stop()
    await asyncio.sleep(3)
    await start_bot(BOT_SCHEDULE__GRACE_SECONDS="1")
    await asyncio.sleep(0.8)
    assert posts(api, "too late") == []


async def test_removed_bot_pauses_schedules_and_tells_the_creator(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Kicked: the group's schedules pause and their creator gets a private note."""
    await start_bot()
    await command(api, ADMIN_ID, "/schedule daily 09:00 hi")
    api.chat(GROUP).bot_present = False
    api.push_update(api.my_chat_member_update(GROUP, "member", "kicked"))
    notice = await api.wait_for(
        "sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID
    )
    assert "已暂停" in notice[-1].params["text"] and "Test Group" in notice[-1].params["text"]


async def test_muted_bot_pauses_at_the_next_post(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Lost the right to post: the post fails, the schedule pauses, the creator is told."""
    await start_bot()
    await command(api, ADMIN_ID, "/schedule in 1s hi")
    api.chat(GROUP).bot_muted = True
    notice = await api.wait_for(
        "sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID, timeout=5
    )
    assert "无法在“Test Group”发言" in notice[-1].params["text"]


async def test_quiet_hours_and_timezone_commands(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Quiet hours and the time zone are set, shown and checked."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "23:00-07:00" in await command(api, ADMIN_ID, "/quiethours 23:00-07:00")
    assert "23:00-07:00 (Asia/Shanghai)" in await command(api, ADMIN_ID, "/quiethours")
    assert "not a quiet period" in await command(api, ADMIN_ID, "/quiethours 7pm")
    assert "off" in await command(api, ADMIN_ID, "/quiethours off")
    assert "Europe/London" in await command(api, ADMIN_ID, "/settimezone europe/london")
    assert "do not know" in await command(api, ADMIN_ID, "/settimezone Mars/Olympus")
    assert "Europe/London" in await command(api, ADMIN_ID, "/settimezone")
    assert texts(api)


async def test_a_long_list_is_paged_within_telegram_limits(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The most schedules a group may have still list, a page at a time."""
    # 24 commands in a minute: more replies than Telegram's 20 a minute, so a larger budget.
    await start_bot(BOT_SCHEDULE__MAX_PER_CHAT="20", BOT_OUTBOUND__CHAT_MESSAGES="40")
    await command(api, ADMIN_ID, "/lang en")
    long_text = "x" * 3000
    for n, at in enumerate(far_from_now(20)):
        await command(api, ADMIN_ID, f"/schedule daily {at} {n} {long_text}")
    assert "already has 20" in await command(api, ADMIN_ID, "/schedule daily 10:00 one more")
    first = await command(api, ADMIN_ID, "/schedules")
    assert "Page 1 of 2" in first and len(first) < 4096
    second = await command(api, ADMIN_ID, "/schedules 2")
    assert "Page 2 of 2" in second and "#20" in second
